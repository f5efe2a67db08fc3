import Foundation
import GRDB

/// A run as the reports show it (`run`).
package struct StoredRun: Sendable {
    package var id: Int64
    package var startedAt: Int64
    /// Nil while the run is going (or if it died and no run has started since).
    package var endedAt: Int64?
    /// The last answer a run recorded, for a run that recorded no end.
    package var lastAnswerAt: Int64?
    /// As given to `--rate`.
    package var rate: String
    package var concurrency: Int
    package var exitCode: Int?
    package var stop: RunStop?
    /// The run's own requests (interrupted attempts never got an answer recorded).
    package var attempts: Int
    /// The build that made it (nil before 0014).
    package var version: String?
    package var lockouts = 0
    package var lockoutSeconds: Double = 0
}

/// Where a job of a report's class count stands: a failed or held current job, or a rejected row with no usable
/// participant.
package enum ReportKind: Sendable {
    case failed
    case held
    case rejectedRow
}

/// The store's reads for `backfill report --summary` and the page: grouped queries over indexes and the ledger.
package enum SummaryReads {
    /// Failed and held current jobs on the target by report class, and rejected rows with no usable participant
    /// (`validation`).
    package static func classCounts(_ db: Database, scope: TargetScope) throws -> [(kind: ReportKind, reportClass: ReportClass, count: Int)] {
        try Row.fetchAll(db, sql: ReportJobs.sql(scope, """
            SELECT kind, cls, count(*) AS n FROM (
                SELECT j.state AS kind, \(ReportClass.sql) AS cls FROM report_job j
                UNION ALL
                SELECT \(RowStatus.rejected.sql), \(HoldClass.validation.sql) FROM input_row
                WHERE status = \(RowStatus.rejected.sql) AND participant_code IS NULL)
            GROUP BY kind, cls
            """)).map { row in
            let kind: String = row["kind"]
            let made: ReportKind = kind == JobStatus.failed.rawValue ? .failed : kind == JobStatus.held.rawValue ? .held : .rejectedRow
            return (made, row["cls"], row["n"])
        }
    }

    /// One message template of one class: how many failed jobs or hold reasons read like it, and the smallest
    /// `participant_code` with the message it got.
    package struct Template: Sendable {
        package var reportClass: ReportClass
        package var template: String
        package var count: Int
        package var exampleParticipant: String?
        package var exampleMessage: String
    }

    /// The `top` largest templates of each class, largest first overall. The messages are the failed jobs' last
    /// messages and the held jobs' hold reasons (by their stored kind), plus one line per email conflict;
    /// `template` makes each message's template (`MessageTemplate.of(message, participantCode:)`).
    package static func templates(_ db: Database, scope: TargetScope, top: Int, emailConflictMessage: String,
                                  template: @escaping @Sendable (String, String?) -> String) throws -> [Template] {
        db.add(function: DatabaseFunction("backfill_email_cycle", argumentCount: 1, pure: true) { values in
            // One template for every cycle: the others are {participant_code} (explain names them).
            String.fromDatabaseValue(values[0]).map { _ in EmailRules.cycleMessage(others: ["{participant_code}"]) }
        })
        db.add(function: DatabaseFunction("backfill_message_template", argumentCount: 2, pure: true) { values in
            guard let message = String.fromDatabaseValue(values[0]) else { return nil }
            return template(message, String.fromDatabaseValue(values[1]))
        })
        return try Row.fetchAll(db, sql: ReportJobs.sql(scope, """
            SELECT cls, template, example, n FROM (
                SELECT cls, template, example, n,
                       row_number() OVER (PARTITION BY cls ORDER BY n DESC, template) AS rank
                FROM (
                    SELECT cls, backfill_message_template(msg, code) AS template,
                           min(coalesce(code, '') || char(31) || msg) AS example, count(*) AS n
                    FROM (
                        SELECT coalesce(error_class, \(ErrorClass.unexpected.sql)) AS cls, last_message AS msg, participant_code AS code
                        FROM report_failed
                        UNION ALL
                        SELECT CASE WHEN json_extract(h.value, '$.kind') IN \(HoldKind.allCases.filter { $0.holdClass == .segment }.sql)
                                    THEN \(HoldClass.segment.sql) ELSE \(HoldClass.validation.sql) END,
                               json_extract(h.value, '$.message'), j.participant_code
                        FROM report_held j, json_each(j.hold_reasons) h
                        UNION ALL
                        SELECT \(HoldClass.duplicateEmail.sql), ?2, participant_code
                        FROM report_held WHERE email_conflict = 1
                        UNION ALL
                        SELECT \(HoldClass.emailCycle.sql), backfill_email_cycle(email_cycle), participant_code
                        FROM report_held WHERE email_cycle IS NOT NULL)
                    WHERE msg IS NOT NULL
                    GROUP BY cls, template))
            WHERE rank <= ?1
            ORDER BY n DESC, cls, template
            """), arguments: [top, emailConflictMessage]).map { row in
            let example: String = row["example"]
            let parts = example.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
            return Template(reportClass: row["cls"], template: row["template"], count: row["n"],
                            exampleParticipant: parts.first.flatMap { $0.isEmpty ? nil : String($0) },
                            exampleMessage: parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// How many jobs used how many attempts (429s and interrupted attempts excluded), by attempts.
    package static func attemptsPerJob(_ db: Database, scope: TargetScope) throws -> [(attempts: Int, jobs: Int)] {
        try Row.fetchAll(db, sql: scope.sql("""
            SELECT n, count(*) AS jobs FROM (
                SELECT count(*) AS n FROM target_attempt WHERE outcome NOT IN \([AttemptOutcome.rateLimited, .interrupted].sql)
                GROUP BY job_id)
            GROUP BY n ORDER BY n
            """)).map { ($0["n"], $0["jobs"]) }
    }

    /// The target's attempts grouped by outcome and latency, with how many of them timed out.
    package static func outcomesByLatency(_ db: Database, scope: TargetScope)
        throws -> [(outcome: AttemptOutcome, latencyMs: Int64, count: Int, timeouts: Int)] {
        try Row.fetchAll(db, sql: scope.sql("""
            SELECT outcome, latency_ms, count(*), count(CASE WHEN error_class = \(ErrorClass.timeout.sql) THEN 1 END)
            FROM target_attempt GROUP BY outcome, latency_ms
            """)).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    /// Rejected input rows by reason code (`unknown` when none was stored), largest first.
    package static func rejectedByCode(_ db: Database) throws -> [(code: String, count: Int)] {
        try Row.fetchAll(db, sql: """
            SELECT coalesce(reject_code, 'unknown') AS code, count(*) AS n FROM input_row WHERE status = \(RowStatus.rejected.sql)
            GROUP BY reject_code ORDER BY n DESC, code
            """).map { ($0["code"], $0["n"]) }
    }

    /// The target's runs, oldest first.
    package static func runs(_ db: Database, scope: TargetScope) throws -> [StoredRun] {
        guard let targetID = scope.stored?.id else { return [] }
        return try RunRecord.all().on(target: targetID).fetchAll(db).map { run in
            let attempts = AttemptRow.all().of(run: run.id)
            let lastAnswer = run.endedAt == nil
                ? try attempts.select(max(AttemptRow.Columns.endedAt), as: Int64.self).fetchOne(db) : nil
            return StoredRun(id: run.id, startedAt: run.startedAt, endedAt: run.endedAt, lastAnswerAt: lastAnswer,
                             rate: run.rate, concurrency: run.concurrency, exitCode: run.exitCode, stop: run.stop,
                             attempts: try attempts.answered().fetchCount(db), version: run.version,
                             lockouts: run.lockouts, lockoutSeconds: run.lockoutSeconds)
        }
    }
}

/// The store's reads of the ledger for the page's charts.
package enum LedgerReads {
    /// Attempts that measured a latency (a crashed run's interrupted attempts did not), by latency, with how many
    /// of them timed out.
    package static func latencies(_ db: Database, scope: TargetScope) throws -> [(latencyMs: Int64, count: Int, timeouts: Int)] {
        try Row.fetchAll(db, sql: scope.sql("""
            SELECT latency_ms, count(*) AS n, count(CASE WHEN error_class = \(ErrorClass.timeout.sql) THEN 1 END) AS t
            FROM target_attempt WHERE outcome != \(AttemptOutcome.interrupted.sql)
            GROUP BY latency_ms ORDER BY latency_ms
            """)).map { ($0[0], $0[1], $0[2]) }
    }

    /// The first and last answer times of the target's attempts.
    package static func span(_ db: Database, scope: TargetScope) throws -> (first: Int64, last: Int64)? {
        guard let row = try Row.fetchOne(db, sql: scope.sql("SELECT min(ended_at) AS first, max(ended_at) AS last FROM target_attempt")),
              let first: Int64 = row["first"], let last: Int64 = row["last"] else { return nil }
        return (first, last)
    }

    /// Answers per bucket of `width` ms from `origin`: succeeded, retried, failed (or stopped), rate limited.
    package static func buckets(_ db: Database, scope: TargetScope, origin: Int64, width: Int64)
        throws -> [(index: Int, succeeded: Int, retried: Int, failed: Int, rateLimited: Int)] {
        try Row.fetchAll(db, sql: scope.sql("""
            SELECT (ended_at - ?1) / ?2 AS b,
                   count(CASE WHEN outcome = \(AttemptOutcome.succeeded.sql) THEN 1 END),
                   count(CASE WHEN outcome = \(AttemptOutcome.retry.sql) THEN 1 END),
                   count(CASE WHEN outcome IN \([AttemptOutcome.failed, .stopped].sql) THEN 1 END),
                   count(CASE WHEN outcome = \(AttemptOutcome.rateLimited.sql) THEN 1 END)
            FROM target_attempt WHERE outcome != \(AttemptOutcome.interrupted.sql) GROUP BY b ORDER BY b
            """), arguments: [origin, width]).map { ($0[0], $0[1], $0[2], $0[3], $0[4]) }
    }

    /// When the 429 answers in `[from, to)` came (at most 10,000).
    package static func rateLimitedAnswers(_ db: Database, scope: TargetScope, from: Int64, to: Int64) throws -> [Int64] {
        try Int64.fetchAll(db, sql: scope.sql("""
            SELECT ended_at FROM target_attempt
            WHERE ended_at >= ? AND ended_at < ? AND outcome = \(AttemptOutcome.rateLimited.sql) ORDER BY ended_at LIMIT 10000
            """), arguments: [from, to])
    }

    /// The start of the first request that began at or after `t` and ended after it.
    package static func firstStart(_ db: Database, scope: TargetScope, after t: Int64) throws -> Int64? {
        try Int64.fetchOne(db, sql: scope.sql("""
            SELECT started_at FROM target_attempt
            WHERE ended_at > ?1 AND started_at >= ?1 AND outcome != \(AttemptOutcome.interrupted.sql) ORDER BY ended_at LIMIT 1
            """), arguments: [t])
    }
}
