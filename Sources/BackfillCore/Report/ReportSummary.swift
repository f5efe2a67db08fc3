import Foundation
import GRDB
import ParticipantAPI

/// `backfill report --summary`: what happened, from aggregates only (grouped queries over indexes and the
/// ledger), so it answers in seconds on a million jobs and keeps working after `purge`.
public struct ReportSummary: Sendable, Codable {
    public struct Count: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int
    }

    public struct MessageCount: Sendable, Codable, Equatable {
        public var errorClass: String
        public var message: String
        public var count: Int
    }

    public struct AttemptsBucket: Sendable, Codable, Equatable {
        /// Attempts a job used (429s and interrupted attempts excluded).
        public var attempts: Int
        public var jobs: Int
    }

    public struct RunInfo: Sendable, Codable, Equatable {
        public var id: Int64
        public var startedAt: String
        /// Nil while the run is going (or if it crashed).
        public var endedAt: String?
        public var seconds: Double?
        /// Requests sent during the run (429s included).
        public var attempts: Int
        public var sendsPerSecond: Double?
        public var rate: String
        public var concurrency: Int
        public var exitCode: Int?
        public var stopReason: String?
    }

    public struct Latency: Sendable, Codable, Equatable {
        public var attempts: Int
        public var p50Ms: Int64?
        public var p90Ms: Int64?
        public var p99Ms: Int64?
        public var maxMs: Int64?
    }

    /// The target described (its short name); nil when nothing has been sent.
    public var target: String?
    /// Current jobs by state on the target (every state present).
    public var jobs: [String: Int]
    /// Failed and held jobs, and rejected rows with no usable participant, by error class; largest first.
    public var errorsByClass: [Count]
    /// The most frequent messages of failed jobs and hold reasons, counted by `MessageTemplate` (participant
    /// codes, request_ids and emails replaced by placeholders); largest first.
    public var topMessages: [MessageCount]
    public var attemptsPerJob: [AttemptsBucket]
    /// Ledger rows by outcome (`succeeded`, `failed`, `retry`, `rate_limited`, `stopped`, `interrupted`).
    public var attemptsByOutcome: [String: Int]
    public var runs: [RunInfo]
    /// Wall time of the ended runs, in seconds.
    public var runSeconds: Double
    /// Requests per second over the ended runs.
    public var achievedRate: Double?
    public var latency: Latency
    /// Rejected input rows by reason code; largest first.
    public var rejectedRows: [Count]

    /// - Parameters:
    ///   - top: how many messages to list.
    ///   - redact: mask personal data inside the messages (see `Redactor`).
    ///   - scope: the target described; nil: the latest run's.
    public static func read(_ db: Database, top: Int = 10, redact: Bool = false, scope: TargetScope? = nil) throws -> ReportSummary {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let status = try StatusSummary.read(db, scope: scope)
        let byClass = try Row.fetchAll(db, sql: scope.sql("""
            SELECT cls, count(*) AS n FROM (
                SELECT \(ReportErrorClass.sql) AS cls FROM target_job j WHERE j.is_current = 1 AND j.state IN ('failed', 'held')
                UNION ALL
                SELECT 'validation' FROM input_row WHERE status = 'rejected' AND participant_code IS NULL)
            GROUP BY cls ORDER BY n DESC, cls
            """)).map { Count(name: $0["cls"], count: $0["n"]) }
        db.add(function: MessageTemplate.sqlFunction)
        // `example` is one of the messages as they were, for `--redact` to find whose values they quote.
        let grouped = try Row.fetchAll(db, sql: scope.sql("""
            SELECT cls, backfill_message_template(msg, code) AS template, min(msg) AS example, count(*) AS n FROM (
                SELECT coalesce(error_class, 'unexpected') AS cls, last_message AS msg, participant_code AS code
                FROM target_job WHERE is_current = 1 AND state = 'failed'
                UNION ALL
                SELECT CASE WHEN json_extract(h.value, '$.message') LIKE 'Data segment validation failed%'
                              OR json_extract(h.value, '$.message') = '\(APIMessage.noDataSegment)'
                            THEN 'segment' ELSE 'validation' END,
                       json_extract(h.value, '$.message'), j.participant_code
                FROM target_job j, json_each(j.hold_reasons) h WHERE j.is_current = 1 AND j.state = 'held'
                UNION ALL
                SELECT 'duplicate_email', 'the same folded email as another participant (emails are unique per platform)', NULL
                FROM target_job WHERE is_current = 1 AND state = 'held' AND email_conflict = 1)
            WHERE msg IS NOT NULL
            GROUP BY cls, template ORDER BY n DESC, template LIMIT ?
            """), arguments: [top]).map { (MessageCount(errorClass: $0["cls"], message: $0["template"], count: $0["n"]), $0["example"] as String) }
        let messages = try grouped.map { m, example in
            guard redact else { return m }
            var copy = m
            copy.message = Redactor.scrub(m.message, values: try KnownValues.ofMessage(db, example, scope: scope))
            return copy
        }
        let perJob = try Row.fetchAll(db, sql: scope.sql("""
            SELECT n, count(*) AS jobs FROM (
                SELECT count(*) AS n FROM target_attempt WHERE outcome NOT IN ('rate_limited', 'interrupted') GROUP BY job_id)
            GROUP BY n ORDER BY n
            """)).map { AttemptsBucket(attempts: $0["n"], jobs: $0["jobs"]) }
        var outcomes: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: scope.sql("SELECT outcome, count(*) AS n FROM target_attempt GROUP BY outcome")) {
            outcomes[row["outcome"]] = row["n"]
        }
        let runs = try readRuns(db, scope: scope)
        let ended = runs.filter { $0.seconds != nil }
        let seconds = ended.reduce(0) { $0 + ($1.seconds ?? 0) }
        let sent = ended.reduce(0) { $0 + $1.attempts }
        let latencies = try LatencyDistribution.read(db, scope: scope)
        let rejected = try Row.fetchAll(db, sql: """
            SELECT coalesce(reject_code, 'unknown') AS code, count(*) AS n FROM input_row WHERE status = 'rejected'
            GROUP BY reject_code ORDER BY n DESC, code
            """).map { Count(name: $0["code"], count: $0["n"]) }
        return ReportSummary(
            target: scope.target?.name, jobs: status.jobs, errorsByClass: byClass, topMessages: messages, attemptsPerJob: perJob,
            attemptsByOutcome: outcomes, runs: runs, runSeconds: seconds,
            achievedRate: seconds > 0 ? Double(sent) / seconds : nil,
            latency: Latency(attempts: latencies.total, p50Ms: latencies.percentile(0.50),
                             p90Ms: latencies.percentile(0.90), p99Ms: latencies.percentile(0.99),
                             maxMs: latencies.counts.last?.ms),
            rejectedRows: rejected)
    }

    private static func readRuns(_ db: Database, scope: TargetScope) throws -> [RunInfo] {
        try Row.fetchAll(db, sql: scope.sql("SELECT * FROM target_run ORDER BY id")).map { row in
            let started: Int64 = row["started_at"]
            let ended: Int64? = row["ended_at"]
            // Each run's own requests (interrupted ones never got an answer recorded).
            let sent = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM attempt WHERE run_id = ? AND outcome != 'interrupted'
                """, arguments: [row["id"] as Int64]) ?? 0
            let seconds = ended.map { Double($0 - started) / 1000 }
            return RunInfo(id: row["id"], startedAt: ReportTime.iso8601(started), endedAt: ended.map(ReportTime.iso8601),
                           seconds: seconds, attempts: sent,
                           sendsPerSecond: seconds.flatMap { $0 > 0 ? Double(sent) / $0 : nil },
                           rate: row["rate"], concurrency: row["concurrency"], exitCode: row["exit_code"],
                           stopReason: row["stop_reason"])
        }
    }

    /// The summary as JSON: snake_case keys, sorted, pretty-printed.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
