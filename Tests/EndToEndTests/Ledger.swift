import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB

/// A current job as the run left it.
struct JobRow: Equatable {
    var id: Int64
    var participantCode: String
    var state: String
    var attempts: Int
    var requestID: String
    var body: [UInt8]
}

/// One row of the attempt ledger.
struct AttemptRow: Equatable {
    var jobID: Int64
    var number: Int
    var requestID: String
    var startedAt: Int64
    var endedAt: Int64
    var status: Int?
    var outcome: String
    var errorClass: String?
    var message: String?
}

/// Read-only views of the job table and the ledger, for assertions.
enum Ledger {
    static func jobs(_ db: DatabaseQueue) throws -> [JobRow] {
        try db.read { db in
            try Row.fetchAll(db, sql: db.onLatestTarget("""
                SELECT id, participant_code, state, attempts, request_id, body FROM target_job WHERE is_current = 1 ORDER BY id
                """)).map { row in
                JobRow(id: row["id"], participantCode: row["participant_code"], state: row["state"],
                       attempts: row["attempts"], requestID: row["request_id"], body: Array(row["body"] as Data))
            }
        }
    }

    static func attempts(_ db: DatabaseQueue) throws -> [AttemptRow] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT job_id, number, request_id, started_at, ended_at, http_status, outcome, error_class, message
                FROM attempt ORDER BY id
                """).map { row in
                AttemptRow(jobID: row["job_id"], number: row["number"], requestID: row["request_id"],
                           startedAt: row["started_at"], endedAt: row["ended_at"], status: row["http_status"],
                           outcome: row["outcome"], errorClass: row["error_class"], message: row["message"])
            }
        }
    }

    /// Current jobs by state.
    static func states(_ db: DatabaseQueue) throws -> [String: Int] {
        try Dictionary(jobs(db).map { ($0.state, 1) }, uniquingKeysWith: +)
    }

    /// The schema and every row of every table, each value quoted by SQLite: equal dumps mean equal databases.
    static func dump(_ db: DatabaseQueue) throws -> [String] {
        try db.read { db in
            var out = try String.fetchAll(db, sql: "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for table in tables {
                let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table])
                let values = columns.map { "quote(\"\($0)\")" }.joined(separator: " || '|' || ")
                // A WITHOUT ROWID table (job_send) has no rowid: order it by its text.
                let withoutRowID = try Bool.fetchOne(db, sql: "SELECT wr FROM pragma_table_list WHERE name = ?", arguments: [table]) ?? false
                out += try String.fetchAll(db, sql: "SELECT '\(table): ' || \(values) FROM \"\(table)\" ORDER BY \(withoutRowID ? "1" : "rowid")")
            }
            return out
        }
    }

    /// Opens a database another process may be writing, for one read (no migration, no write).
    static func peek<T>(_ path: String, _ read: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read(read)
    }

    /// How many current jobs of a database another process is writing have succeeded.
    static func succeededCount(atPath path: String) -> Int {
        (try? peek(path) { db in
            try Int.fetchOne(db, sql: db.onLatestTarget("SELECT count(*) FROM target_job WHERE is_current = 1 AND state = 'succeeded'")) ?? 0
        }) ?? 0
    }
}

extension Database {
    /// `sql` over the latest run's target: it reads `target_job`, `target_attempt` and `target_run`, which have
    /// the columns of the one-target schema (a job's state there, its attempts, its last status...).
    func onLatestTarget(_ sql: String) throws -> String {
        try TargetScope.resolve(self, target: nil).sql(sql)
    }
}
