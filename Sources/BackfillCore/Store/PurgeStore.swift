import Foundation
import GRDB
import ParticipantAPI

/// What `backfill purge` clears.
public enum PurgeScope: String, Sendable {
    /// Participants whose current job succeeded on the target: every version of their job, their attempts
    /// and input rows.
    case succeeded
    /// Every participant and every input row, rejected ones included.
    case all
}

/// What a purge cleared.
public struct PurgeResult: Sendable, Equatable {
    public var participants: Int
    public var jobs: Int
    public var attempts: Int
    public var inputRows: Int
    /// Database file size before and after (bytes), WAL included.
    public var bytesBefore: Int64
    public var bytesAfter: Int64
}

/// `backfill purge`: removes personal data once it is no longer needed, keeping the audit trail (participant
/// codes, request_ids, timestamps, states, attempt counts, statuses, error classes, reject codes).
///
/// Cleared: `job.body`, `job.email`, `job_send.response` and `job_send.last_message` (every target); in `job.hold_reasons`, the messages of
/// rejected rows (they quote values; segment messages, which never do, stay); `attempt.message`,
/// `attempt.response_body`; `echo_mismatch.sent` and `echoed`; `input_row.raw`, the field values and `reject_message`. Then the WAL is
/// checkpointed and truncated and the database VACUUMed, so no purged value survives in the files
/// (`secure_delete` is on as well).
public enum PurgeStore {
    /// The message a purged rejected-row hold reason keeps.
    public static let purgedReason = "input row rejected (details purged)"

    /// - Parameter target: with `.succeeded`, the target the jobs succeeded on; nil: the latest run's.
    public static func purge(_ queue: DatabaseQueue, path: String, scope: PurgeScope, target: Target? = nil) throws -> PurgeResult {
        let before = fileBytes(path)
        var result = PurgeResult(participants: 0, jobs: 0, attempts: 0, inputRows: 0, bytesBefore: before, bytesAfter: before)
        try queue.writeWithoutTransaction { db in
            try RunLock.refuseIfHeld(db, action: "purge")
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.inTransaction(.immediate) {
                try RunLock.refuseIfHeld(db, action: "purge")
                let targetID = try TargetScope.resolve(db, target: target).stored?.id ?? -1
                let participants = scope == .all
                    ? "SELECT DISTINCT participant_code FROM job"
                    : """
                      SELECT j.participant_code FROM job_send s JOIN job j ON j.id = s.job_id
                      WHERE s.target_id = \(targetID) AND s.state = \(SendState.succeeded.sql) AND j.is_current = 1
                      """
                try db.execute(sql: "CREATE TEMP TABLE purge_participant (code TEXT PRIMARY KEY) WITHOUT ROWID")
                try db.execute(sql: "INSERT OR IGNORE INTO purge_participant \(participants)")
                result.participants = try Int.fetchOne(db, sql: "SELECT count(*) FROM purge_participant") ?? 0
                let jobs = "SELECT id FROM job WHERE participant_code IN (SELECT code FROM purge_participant)"
                try db.execute(sql: """
                    UPDATE attempt SET message = NULL, response_body = NULL
                    WHERE job_id IN (\(jobs)) AND (message IS NOT NULL OR response_body IS NOT NULL)
                    """)
                result.attempts = db.changesCount
                try db.execute(sql: """
                    UPDATE job_send SET response = NULL, last_message = NULL
                    WHERE job_id IN (\(jobs)) AND (response IS NOT NULL OR last_message IS NOT NULL)
                    """)
                try db.execute(sql: """
                    UPDATE echo_mismatch SET sent = NULL, echoed = NULL WHERE job_id IN (\(jobs)) AND sent IS NOT NULL
                    """)
                try db.execute(sql: """
                    UPDATE job SET body = NULL, email = NULL,
                        hold_reasons = CASE WHEN hold_reasons IS NULL THEN NULL ELSE (
                            SELECT json_group_array(json_object(
                                'source', json_extract(h.value, '$.source'),
                                'message', CASE WHEN json_extract(h.value, '$.kind') IN \(HoldKind.allCases.filter(\.messageHoldsNoValue).sql)
                                                THEN json_extract(h.value, '$.message') ELSE ?1 END,
                                'kind', json_extract(h.value, '$.kind')))
                            FROM json_each(job.hold_reasons) h) END
                    WHERE participant_code IN (SELECT code FROM purge_participant)
                    """, arguments: [purgedReason])
                result.jobs = db.changesCount
                // The addresses the email rules kept: released emails go, handovers keep who waits for whom.
                try db.execute(sql: "DELETE FROM email_release WHERE participant_code IN (SELECT code FROM purge_participant)")
                try db.execute(sql: "UPDATE email_handover SET email = '' WHERE taker_job_id IN (\(jobs)) OR giver_job_id IN (\(jobs))")
                let rows = scope == .all ? "1" : "participant_code IN (SELECT code FROM purge_participant)"
                try db.execute(sql: "UPDATE input_row SET raw = NULL, norm = NULL, reject_message = NULL WHERE \(rows)")
                result.inputRows = db.changesCount
                try db.execute(sql: "DROP TABLE temp.purge_participant")
                return .commit
            }
            // Outside any transaction: the WAL first (it holds the old pages), then a rebuilt file, then the
            // WAL again (VACUUM writes the new pages through it).
            try checkpoint(db, path: path)
            try db.execute(sql: "VACUUM")
            try checkpoint(db, path: path)
        }
        result.bytesAfter = fileBytes(path)
        return result
    }

    /// Checkpoints every WAL frame into the database and truncates the WAL to zero bytes.
    private static func checkpoint(_ db: Database, path: String) throws {
        guard let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") else { return }
        let busy: Int = row[0]
        if busy != 0 {
            throw BackfillError("purge_checkpoint_busy",
                                "\(path): another connection is reading the database, so the write-ahead log could not be cleared; close it (sqlite3, another backfill) and purge again")
        }
    }

    private static func fileBytes(_ path: String) -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            var st = stat()
            return total + (stat(file, &st) == 0 ? Int64(st.st_size) : 0)
        }
    }
}
