import Foundation
import GRDB
import ParticipantAPI

/// Why a history-mode participant is held when its history changed before a step that was already sent.
public enum HistoryHold {
    /// The hold reason's message: the change cannot be replayed in order; the single corrective PATCH is offered.
    public static func outOfOrder(sentStep: Int, participantCode: String) -> String {
        "a row older than step \(sentStep), which was already sent, changes this participant's history: it cannot be replayed in order. " +
            "To send latest mode's single corrective PATCH instead: backfill retry --participant \(participantCode) --as-latest"
    }
}

/// Writes a participant's history steps as its current jobs (history mode), keeping what was sent.
///
/// - Steps sent to any target (in flight, succeeded, failed there, or attempted) are never replaced or re-sent.
/// - When the sent steps are the first steps of the new history (same request_ids: same step, same payload),
///   the steps after them are written: an unsent step with the same request_id and hold is unchanged, a
///   different one is superseded by the new step. New rows newer than the last sent step so add steps.
/// - When the new history differs at a sent step (a row older than it arrived), the change cannot be replayed
///   in order: the unsent steps are superseded by one held *corrective* job, latest mode's fold of the
///   participant, which `backfill retry --participant CODE --as-latest` releases. A corrective job that was
///   already sent and is still the fold is left as it is.
/// - A held participant (the hold rules of latest mode) gets one held job after its sent steps, with the fold's
///   body as far as it folds and the history's hold reasons.
package struct HistoryWriter {
    package struct Counts {
        package var created = 0
        package var unchanged = 0
        package var superseded = 0
    }

    private struct Existing {
        var id: Int64
        var step: Int
        var requestID: String?
        var holds: String?
        var corrective: Bool
        var sent: Bool
    }

    private struct Desired {
        var step: Int
        var held: Bool
        var corrective: Bool
        var requestID: String?
        var body: [UInt8]?
        var platformUpdatedAt: Int64?
        var email: String?
        var holds: String?
        var rowCount: Int
    }

    private let find: FastStatement
    private let insert: FastStatement
    private let retire: FastStatement
    private let now: Int64
    private let noJobsYet: Bool

    package init(_ db: Database, now: Int64, noJobsYet: Bool = false) throws {
        self.now = now
        self.noJobsYet = noJobsYet
        find = try FastStatement(db, sql: """
            SELECT id, step, request_id, hold_reasons, corrective,
                   EXISTS (SELECT 1 FROM job_send s WHERE s.job_id = job.id AND (s.state != \(SendState.pending.sql) OR s.attempts > 0))
            FROM job WHERE participant_code = ? AND is_current = 1 ORDER BY step
            """)
        insert = try FastStatement(db, sql: """
            INSERT INTO job (participant_code, is_current, state, request_id, body, platform_updated_at, email,
                             hold_reasons, row_count, created_at, updated_at, step, corrective)
            VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)
            """)
        retire = try FastStatement(db, sql: "UPDATE job SET is_current = 0, state = \(JobState.superseded.sql), updated_at = ?2 WHERE id = ?1")
    }

    /// - Parameter fold: latest mode's fold of the same rows, computed only when a hold or a correction needs it.
    package func write(_ history: StepsDraft, fold: () -> JobDraft) throws -> Counts {
        let code = history.participantCode
        var existing: [Existing] = []
        if !noJobsYet {
            find.bind(1, code)
            while try find.step() {
                existing.append(Existing(id: find.int64(0)!, step: Int(find.int64(1)!), requestID: find.string(2),
                                         holds: find.string(3), corrective: find.int64(4) == 1, sent: find.int64(5) == 1))
            }
            find.reset()
        }
        let sent = existing.filter(\.sent)
        let lastSent = sent.map(\.step).max() ?? 0
        let desired = plan(history, sent: sent, lastSent: lastSent, fold: fold)

        var counts = Counts()
        var kept: Set<Int> = []
        for e in existing where !e.sent {
            // A corrective job the operator released (`retry --as-latest`) stays released while it is the same fold.
            if let d = desired.first(where: { $0.step == e.step }), d.requestID == e.requestID, d.corrective == e.corrective,
               sameBytes(d.holds, e.holds) || d.corrective {
                kept.insert(e.step)
                counts.unchanged += 1
                continue
            }
            retire.bind(1, e.id)
            retire.bind(2, now)
            try retire.execute()
            counts.superseded += 1
        }
        for d in desired where !kept.contains(d.step) {
            insert.bind(1, code)
            insert.bind(2, (d.held ? JobState.held : JobState.pending).rawValue)
            insert.bind(3, d.requestID)
            insert.bind(4, d.body)
            insert.bind(5, d.platformUpdatedAt)
            insert.bind(6, d.email)
            insert.bind(7, d.holds)
            insert.bind(8, Int64(d.rowCount))
            insert.bind(9, now)
            insert.bind(10, Int64(d.step))
            insert.bind(11, Int64(d.corrective ? 1 : 0))
            try insert.execute()
            counts.created += 1
        }
        return counts
    }

    /// The jobs the participant should have after its sent steps.
    private func plan(_ history: StepsDraft, sent: [Existing], lastSent: Int, fold: () -> JobDraft) -> [Desired] {
        let code = history.participantCode
        func folded(step: Int, holds: [HoldReason], corrective: Bool) -> Desired {
            let f = fold()
            let reasons = f.isHeld && !corrective ? f.holdReasons : holds
            return Desired(step: step, held: true, corrective: corrective && !f.isHeld, requestID: f.requestID, body: f.body,
                           platformUpdatedAt: f.platformUpdatedAt, email: f.email,
                           holds: JobWriter.holdJSON(reasons.isEmpty ? holds : reasons), rowCount: f.rowCount)
        }
        if history.isHeld {
            return [folded(step: lastSent + 1, holds: history.holdReasons, corrective: false)]
        }
        let steps = history.steps.map { s in
            Desired(step: s.number, held: false, corrective: false, requestID: s.requestID, body: s.body,
                    platformUpdatedAt: s.platformUpdatedAt, email: s.email, holds: nil, rowCount: s.sources.count)
        }
        let diverged = sent.first { e in e.corrective || steps.first(where: { $0.step == e.step })?.requestID != e.requestID }
        guard let diverged else { return steps.filter { $0.step > lastSent } }
        // The history changed at (or before) a sent step: one corrective PATCH, unless the last one sent is it.
        let last = sent.max { $0.step < $1.step }!
        if last.corrective, last.requestID == fold().requestID { return [] }
        let at = steps.first { $0.step == diverged.step }
        let sources = at.flatMap { d in history.steps.first { $0.number == d.step }?.sources } ?? []
        let reason = HoldReason(source: sources.joined(separator: ";"),
                                message: HistoryHold.outOfOrder(sentStep: diverged.step, participantCode: code), kind: .outOfOrder)
        return [folded(step: lastSent + 1, holds: [reason], corrective: true)]
    }
}
