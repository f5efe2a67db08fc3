import Foundation
import GRDB

/// A job a run on the target would send, as `run --dry-run` prints it.
public struct UnsentJob: Sendable {
    public var participantCode: String
    public var requestID: String
    public var body: [UInt8]
    /// History mode's step (0 in latest mode).
    public var step: Int
}

extension TargetScope {
    /// What a run on this target would send, in the order it would: its pending jobs (and any a crashed run left in
    /// flight); in history mode every step not sent there, oldest instant first (a participant's steps in order).
    /// `body` returns false to stop.
    public func forEachUnsent(_ db: Database, _ body: (UnsentJob) throws -> Bool) throws {
        let rows = try Row.fetchCursor(db, sql: sql("""
            SELECT participant_code, request_id, body, step FROM target_job
            WHERE is_current = 1 AND state IN ('\(SendState.pending.rawValue)', '\(SendState.inFlight.rawValue)')
            ORDER BY CASE WHEN step > 0 THEN platform_updated_at END, id
            """))
        while let row = try rows.next() {
            let job = UnsentJob(participantCode: row["participant_code"], requestID: row["request_id"],
                                body: Array(row["body"] as Data), step: row["step"])
            guard try body(job) else { return }
        }
    }
}
