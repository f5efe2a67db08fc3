import Foundation
import GRDB

/// A job handed to a worker: what is sent, exactly as stored by ingest.
public struct ClaimedJob: Sendable {
    public var id: Int64
    public var participantCode: String
    public var requestID: String
    public var body: [UInt8]
    /// Attempts used before this one.
    public var attempts: Int
}

/// The end of one attempt, as written to the ledger and to its job.
public struct AttemptRecord: Sendable {
    public var jobID: Int64
    public var number: Int
    public var requestID: String
    public var startedAt: Int64
    public var endedAt: Int64
    public var status: Int?
    /// `succeeded` | `failed` | `retry` | `rate_limited` | `stopped`.
    public var outcome: String
    public var errorClass: String?
    public var message: String?
    public var responseBody: [UInt8]?
    /// What happens to the job.
    public var transition: JobTransition
}

/// The state a job moves to after an attempt. Decided by the pool (pure), carried out here.
public enum JobTransition: Sendable, Equatable {
    case succeeded
    case failed
    /// Back to pending, sendable from `notBefore` (epoch ms); `countsAttempt` is false for 429s and stops.
    case pending(notBefore: Int64?, countsAttempt: Bool)
}

/// The run's database side. Every method is one short transaction on the writer's connection.
public struct RunStore: Sendable {
    public let database: DatabaseQueue
    /// Bytes of a response body kept in the ledger.
    public static let responseCap = 4096

    public init(database: DatabaseQueue) {
        self.database = database
    }

    /// Marks the jobs a crashed run left in flight as interrupted in the ledger and makes them the first to send.
    /// Their request_id and bytes are unchanged, so the resend is idempotent. Returns how many.
    public func recoverInterrupted(now: Int64) throws -> Int {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO attempt (job_id, number, request_id, started_at, ended_at, latency_ms, outcome, error_class, message)
                SELECT id, attempts + 1, request_id, coalesce(last_attempt_at, ?1), ?1, 0, 'interrupted', 'interrupted',
                       'the run that sent this was stopped before it recorded an answer; sent again with the same request_id'
                FROM job WHERE is_current = 1 AND state = 'in_flight'
                """, arguments: [now])
            try db.execute(sql: "UPDATE job SET state = 'pending', next_attempt_at = 0, updated_at = ? WHERE is_current = 1 AND state = 'in_flight'",
                           arguments: [now])
            return db.changesCount
        }
    }

    /// Claims up to `limit` sendable jobs (moves them to in_flight): due retries first, then fresh jobs in id order.
    public func claim(limit: Int, now: Int64) throws -> [ClaimedJob] {
        try database.write { db in
            var jobs: [ClaimedJob] = []
            let select = """
                UPDATE job SET state = 'in_flight', last_attempt_at = ?1, updated_at = ?1
                WHERE id IN (%@)
                RETURNING id, participant_code, request_id, body, attempts
                """
            let due = "SELECT id FROM job WHERE is_current = 1 AND state = 'pending' AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"
            let fresh = "SELECT id FROM job WHERE is_current = 1 AND state = 'pending' AND next_attempt_at IS NULL ORDER BY id LIMIT ?2"
            for inner in [due, fresh] where jobs.count < limit {
                let rows = try Row.fetchAll(db, sql: select.replacingOccurrences(of: "%@", with: inner),
                                            arguments: [now, limit - jobs.count])
                for row in rows {
                    let body: Data = row["body"]
                    jobs.append(ClaimedJob(id: row["id"], participantCode: row["participant_code"],
                                           requestID: row["request_id"], body: Array(body), attempts: row["attempts"]))
                }
            }
            return jobs.sorted { $0.id < $1.id }
        }
    }

    /// When the next backed-off job becomes due, if any is waiting.
    public func nextDue() throws -> Int64? {
        try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM job WHERE is_current = 1 AND state = 'pending' AND next_attempt_at IS NOT NULL")
        }
    }

    /// Returns claimed jobs that were never sent to pending, untouched.
    public func release(_ ids: [Int64], now: Int64) throws {
        guard !ids.isEmpty else { return }
        try database.write { db in
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = ids[chunk..<min(chunk + 500, ids.count)]
                try db.execute(sql: "UPDATE job SET state = 'pending', updated_at = ? WHERE state = 'in_flight' AND id IN (\(part.map { _ in "?" }.joined(separator: ",")))",
                               arguments: StatementArguments([now] + part.map { $0 }))
            }
        }
    }

    /// Writes a batch of attempts and their jobs' new states in one transaction.
    public func record(_ records: [AttemptRecord]) throws {
        guard !records.isEmpty else { return }
        try database.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO attempt (job_id, number, request_id, started_at, ended_at, latency_ms, http_status,
                                     outcome, error_class, message, response_body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let update = try db.makeStatement(sql: """
                UPDATE job SET state = ?2, attempts = attempts + ?3, next_attempt_at = ?4, last_attempt_at = ?5,
                               last_status = ?6, error_class = ?7, last_message = ?8,
                               response = coalesce(?9, response), updated_at = ?10
                WHERE id = ?1
                """)
            for r in records {
                let capped = r.responseBody.map { Data($0.prefix(RunStore.responseCap)) }
                try insert.execute(arguments: [r.jobID, r.number, r.requestID, r.startedAt, r.endedAt,
                                               r.endedAt - r.startedAt, r.status, r.outcome, r.errorClass,
                                               r.message, capped])
                let state: String
                var counts = 1
                var notBefore: Int64?
                switch r.transition {
                case .succeeded: state = "succeeded"
                case .failed: state = "failed"
                case .pending(let nb, let c): state = "pending"; notBefore = nb; counts = c ? 1 : 0
                }
                let response = r.transition == .succeeded ? r.responseBody.map { Data($0) } : nil
                try update.execute(arguments: [r.jobID, state, counts, notBefore, r.startedAt, r.status,
                                               r.transition == .succeeded ? nil : r.errorClass,
                                               r.transition == .succeeded ? nil : r.message, response, r.endedAt])
            }
        }
    }

    /// Counts by state of current jobs, for progress and the summary.
    public func counts() throws -> [String: Int] {
        try database.read { db in try StatusSummary.read(db).jobs }
    }

    /// Starts a run row; returns its id.
    public func beginRun(now: Int64, baseURL: String, rate: String, concurrency: Int) throws -> Int64 {
        try database.write { db in
            try RunLock.acquire(db, now: now)
            try db.execute(sql: "INSERT INTO run (started_at, base_url, rate, concurrency) VALUES (?, ?, ?, ?)",
                           arguments: [now, baseURL, rate, concurrency])
            return db.lastInsertedRowID
        }
    }

    public func endRun(_ id: Int64, now: Int64, exitCode: Int32, stopReason: String?) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE run SET ended_at = ?, exit_code = ?, stop_reason = ? WHERE id = ?",
                           arguments: [now, exitCode, stopReason, id])
            try RunLock.release(db)
        }
    }
}
