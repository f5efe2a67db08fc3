import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB

/// One row of the `job` table as the latest run's target sees it (its state there), as the tests compare it.
struct JobSnapshot: Equatable, CustomStringConvertible {
    var participantCode: String
    var isCurrent: Bool
    var state: String
    var requestID: String?
    /// The stored body bytes, exactly: compare these (never their text, whose `==` and `contains` follow Unicode
    /// canonical equivalence and so cannot see a byte-level difference).
    var body: [UInt8]?
    var holdReasons: String?
    var emailConflict: Bool

    /// The body decoded as UTF-8, for messages and descriptions only: never assert on it.
    var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }

    /// Whether the body holds `fragment`'s UTF-8 bytes as one contiguous run (false without a body).
    func bodyContains(_ fragment: String) -> Bool {
        body?.containsUTF8(of: fragment) ?? false
    }

    var description: String {
        "\(participantCode) current=\(isCurrent) \(state) \(requestID ?? "-") \(bodyText ?? "-") \(holdReasons ?? "-")"
    }
}

/// Byte-level searches in a body: `fragment` is looked for as its UTF-8 bytes, never through `String`, so text that
/// is merely canonically equivalent (NFC "é" and NFD "e\u{301}") does not match.
extension Array where Element == UInt8 {
    /// Whether these bytes hold `fragment`'s UTF-8 bytes as one contiguous run (an empty fragment always matches).
    func containsUTF8(of fragment: String) -> Bool {
        countUTF8(of: fragment) > 0 || fragment.utf8.isEmpty
    }

    /// Whether these bytes end with `fragment`'s UTF-8 bytes.
    func hasUTF8Suffix(_ fragment: String) -> Bool {
        let needle = Array(fragment.utf8)
        return needle.count <= count && Array(self[(count - needle.count)...]) == needle
    }

    /// How many non-overlapping runs of `fragment`'s UTF-8 bytes these bytes hold (0 for an empty fragment).
    func countUTF8(of fragment: String) -> Int {
        let needle = Array(fragment.utf8)
        guard !needle.isEmpty, needle.count <= count else { return 0 }
        var found = 0
        var i = 0
        while i + needle.count <= count {
            if self[i..<(i + needle.count)].elementsEqual(needle) {
                found += 1
                i += needle.count
            } else {
                i += 1
            }
        }
        return found
    }
}

/// Read-only views of a job database for assertions.
enum DatabaseInspection {
    /// Every job, oldest first.
    static func jobs(_ queue: DatabaseQueue) throws -> [JobSnapshot] {
        try queue.read { db in
            try Row.fetchAll(db, sql: db.onLatestTarget("""
                SELECT participant_code, is_current, state, request_id, body, hold_reasons, email_conflict
                FROM target_job ORDER BY id
                """)).map { row in
                let body: Data? = row["body"]
                return JobSnapshot(participantCode: row["participant_code"], isCurrent: row["is_current"],
                                   state: row["state"], requestID: row["request_id"],
                                   body: body.map { Array($0) },
                                   holdReasons: row["hold_reasons"], emailConflict: row["email_conflict"])
            }
        }
    }

    /// The current job of each participant.
    static func currentJobs(_ queue: DatabaseQueue) throws -> [String: JobSnapshot] {
        Dictionary(uniqueKeysWithValues: try jobs(queue).filter(\.isCurrent).map { ($0.participantCode, $0) })
    }

    /// Participant codes whose current job is in `state`, sorted.
    static func participants(_ queue: DatabaseQueue, state: String) throws -> [String] {
        try currentJobs(queue).values.filter { $0.state == state }.map(\.participantCode).sorted()
    }

    /// The schema and every row of every table, each value quoted by SQLite (blobs as `X'..'`), in rowid order:
    /// two equal dumps mean the databases hold exactly the same rows.
    static func dump(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { db in
            var out = try String.fetchAll(db, sql: """
                SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name
                """)
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
                """)
            for table in tables {
                let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table])
                let values = columns.map { "quote(\"\($0)\")" }.joined(separator: " || '|' || ")
                // A WITHOUT ROWID table (job_send) has no rowid: its primary key orders it.
                let withoutRowID = try Bool.fetchOne(db, sql: "SELECT wr FROM pragma_table_list WHERE name = ?", arguments: [table]) ?? false
                out += try String.fetchAll(db, sql: "SELECT '\(table): ' || \(values) FROM \"\(table)\" ORDER BY \(withoutRowID ? "1" : "rowid")")
            }
            return out
        }
    }

    /// The main database file's bytes after everything committed has been checkpointed into it.
    static func checkpointedFileBytes(_ queue: DatabaseQueue, path: String) throws -> [UInt8] {
        try queue.writeWithoutTransaction { db in
            _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Every input row with its file path, line, raw text and fate, in input order.
    static func inputRows(_ queue: DatabaseQueue) throws -> [Row] {
        try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT f.path, r.line, r.participant_code, r.platform_updated_at, r.raw, r.status,
                       r.reject_code, r.reject_column, r.reject_message
                FROM input_row r JOIN source_file f ON f.id = r.file_id ORDER BY r.id
                """)
        }
    }
}

extension DatabaseInspection {
    /// Marks every current job `state` on a test target (recorded as the latest run's), as a run would have.
    static func markCurrentJobs(_ queue: DatabaseQueue, state: SendState) throws {
        try queue.write { db in
            let target = try TargetStore.findOrCreate(db, Target(profile: .zerohash, baseURL: "http://127.0.0.1:9"), now: testNow)
            try db.execute(sql: "INSERT INTO run (started_at, ended_at, base_url, rate, concurrency, target_id) VALUES (?, ?, ?, '1000/10s', 8, ?)",
                           arguments: [testNow, testNow, target.target.baseURL, target.id])
            try db.execute(sql: """
                INSERT OR REPLACE INTO job_send (target_id, job_id, state, attempts, updated_at)
                SELECT ?, id, ?, 1, ? FROM job WHERE is_current = 1
                """, arguments: [target.id, state, testNow])
        }
    }
}

extension Database {
    /// `sql` over the latest run's target: it reads `target_job`, `target_attempt` and `target_run`, which have
    /// the columns of the one-target schema (a job's state there, its attempts, its last status...).
    func onLatestTarget(_ sql: String) throws -> String {
        try TargetScope.resolve(self, target: nil).sql(sql)
    }
}
