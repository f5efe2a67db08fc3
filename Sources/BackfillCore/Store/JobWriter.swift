import Foundation
import GRDB
import ParticipantAPI

/// Writes a participant's job draft (latest mode's fold) as its current job.
///
/// - no current job: a new one (pending, or held);
/// - same body and hold reasons as the current job: unchanged;
/// - the current job was never sent to any target: it is superseded by a new one;
/// - the current job was sent to some target (in flight, succeeded, failed there, or attempted): a new job
///   only if the payload changed; the sent one keeps its sending rows for the audit trail. Every target the
///   new job was not sent to sees it as pending.
package struct JobWriter {
    package enum Outcome { case created, unchanged, replaced, removed }

    private let find: FastStatement
    private let insert: FastStatement
    private let retire: FastStatement
    private let now: Int64
    /// The job table was empty when the fold began: every participant is new, no lookup needed.
    private let noJobsYet: Bool

    package init(_ db: Database, now: Int64, noJobsYet: Bool = false) throws {
        self.now = now
        self.noJobsYet = noJobsYet
        find = try FastStatement(db, sql: """
            SELECT id, state, body, hold_reasons,
                   EXISTS (SELECT 1 FROM job_send s WHERE s.job_id = job.id AND (s.state != \(SendState.pending.sql) OR s.attempts > 0))
            FROM job WHERE participant_code = ? AND is_current = 1
            """)
        insert = try FastStatement(db, sql: """
            INSERT INTO job (participant_code, is_current, state, request_id, body, platform_updated_at, email,
                             hold_reasons, row_count, created_at, updated_at)
            VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
            """)
        retire = try FastStatement(db, sql: """
            UPDATE job SET is_current = 0, state = \(JobState.superseded.sql), updated_at = ?2
            WHERE id = ?1
            """)
    }

    /// A draft with no body and no hold (under `zerohash`, a participant whose only change is its ID) is no job:
    /// a current job the participant had is retired.
    package func write(_ result: JobDraft) throws -> Outcome {
        let holds = result.isHeld ? Self.holdJSON(result.holdReasons) : nil
        if result.body == nil && !result.isHeld {
            guard !noJobsYet else { return .unchanged }
            find.bind(1, result.participantCode)
            let existing = try find.step() ? find.int64(0) : nil
            find.reset()
            guard let existing else { return .unchanged }
            retire.bind(1, existing)
            retire.bind(2, now)
            try retire.execute()
            return .removed
        }
        var existing: (id: Int64, sent: Bool, body: [UInt8]?, holds: String?)?
        if !noJobsYet {
            find.bind(1, result.participantCode)
            if try find.step() {
                existing = (find.int64(0)!, find.int64(4) == 1, find.blob(2), find.string(3))
            }
            find.reset()
        }
        var outcome = Outcome.created
        if let existing {
            let sent = existing.sent
            if existing.body == result.body && (sent || sameBytes(existing.holds, holds)) { return .unchanged }
            retire.bind(1, existing.id)
            retire.bind(2, now)
            try retire.execute()
            outcome = sent ? .created : .replaced
        }
        insert.bind(1, result.participantCode)
        insert.bind(2, (result.isHeld ? JobState.held : JobState.pending).rawValue)
        insert.bind(3, result.requestID)
        insert.bind(4, result.body)
        insert.bind(5, result.platformUpdatedAt)
        insert.bind(6, result.email)
        insert.bind(7, holds)
        insert.bind(8, Int64(result.rowCount))
        insert.bind(9, now)
        try insert.execute()
        return outcome
    }

    package static func holdJSON(_ reasons: [HoldReason]) -> String {
        var out: [UInt8] = []
        JSONWriter.write(.array(reasons.map {
            .object([("source", .string($0.source)), ("message", .string($0.message)), ("kind", .string($0.kind.rawValue))])
        }), into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
