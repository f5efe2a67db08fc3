@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// `0004_targets` on a database an older backfill left (schema 0003, one sending state per job): its sending
/// state moves to the target of its latest run, `job.state` keeps only what ingest decided, every attempt and
/// run belongs to a target, and status counts what it counted before.
struct TargetMigrationTests {
    let scratch = ScratchDirectory()

    static let sandboxURL = "http://127.0.0.1:8080"
    static let certURL = "https://api.cert.zerohash.com"
    /// The first run (on a sandbox) starts here; the second and latest (on cert) a second later.
    static let firstRun = testNow
    static let latestRun = testNow + 1_000

    /// The jobs of the old database: (participant, is_current, state, attempts, next_attempt_at, last_status, error_class).
    static let oldJobs: [(code: String, current: Bool, state: String, attempts: Int, next: Int64?, status: Int?, errorClass: String?)] = [
        ("OKAY01", true, "succeeded", 1, nil, 200, nil),
        ("FAIL01", true, "failed", 1, nil, 400, "validation"),
        ("RETRY1", true, "pending", 2, latestRun + 60_000, 503, "server"),
        ("HOLD01", true, "held", 0, nil, nil, nil),
        ("FRESH1", true, "pending", 0, nil, nil, nil),
        ("FLYING", true, "in_flight", 0, nil, nil, nil),
        ("OLDV01", false, "succeeded", 1, nil, 200, nil),
        ("OLDV01", true, "pending", 0, nil, nil, nil),
        ("UNSENT", false, "superseded", 0, nil, nil, nil),
        ("UNSENT", true, "pending", 0, nil, nil, nil),
    ]

    /// A WAL database at schema 0003 holding `oldJobs`, two runs (sandbox, then cert) and their attempts.
    func makeOldDatabase(_ name: String = "old.sqlite") throws -> String {
        let path = scratch.file(name)
        let files = BackfillDatabaseTests.migrationsDirectory.path
        let steps = try FileManager.default.contentsOfDirectory(atPath: files).filter { $0.hasSuffix(".sql") }.sorted().prefix(3)
        #expect(steps.map { String($0.dropLast(4)) } == ["0001_init", "0002_run_lock", "0003_ledger"])
        var migrator = DatabaseMigrator()
        for file in steps {
            let sql = try String(contentsOfFile: files + "/" + file, encoding: .utf8)
            migrator.registerMigration(String(file.dropLast(4))) { db in try db.execute(sql: sql) }
        }
        let queue = try DatabaseQueue(path: path)
        _ = try queue.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode = WAL") }
        try migrator.migrate(queue)
        try queue.write { db in
            for (n, job) in Self.oldJobs.enumerated() {
                let sent = job.state != "pending" && job.state != "held" && job.state != "superseded" || job.attempts > 0
                try db.execute(sql: """
                    INSERT INTO job (id, participant_code, is_current, state, request_id, body, row_count, created_at, updated_at,
                                     attempts, next_attempt_at, last_attempt_at, last_status, error_class, last_message, response)
                    VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [n + 1, job.code, job.current, job.state, "req-\(n + 1)", Data("{\"n\":\(n + 1)}".utf8),
                                     testNow - 10_000, testNow - 10_000, job.attempts, job.next,
                                     sent ? Self.latestRun + 100 + Int64(n) : nil, job.status, job.errorClass,
                                     job.errorClass.map { "the \($0) message" }, job.status == 200 ? Data("{\"message\":{}}".utf8) : nil])
            }
            try db.execute(sql: """
                INSERT INTO run (id, started_at, ended_at, base_url, rate, concurrency, exit_code) VALUES
                    (1, ?1, ?1 + 500, ?3, '1000/10s', 8, 0),
                    (2, ?2, NULL, ?4, '1000/10s', 8, NULL)
                """, arguments: [Self.firstRun, Self.latestRun, Self.sandboxURL, Self.certURL])
            // OLDV01's first version was sent in the first run; the others in the latest.
            try db.execute(sql: """
                INSERT INTO attempt (id, job_id, number, request_id, started_at, ended_at, latency_ms, http_status, outcome, error_class) VALUES
                    (1, 7, 1, 'req-7', ?1 + 50, ?1 + 60, 10, 200, 'succeeded', NULL),
                    (2, 1, 1, 'req-1', ?2 + 100, ?2 + 110, 10, 200, 'succeeded', NULL),
                    (3, 2, 1, 'req-2', ?2 + 101, ?2 + 111, 10, 400, 'failed', 'validation'),
                    (4, 3, 1, 'req-3', ?2 + 102, ?2 + 112, 10, 503, 'retry', 'server'),
                    (5, 3, 2, 'req-3', ?2 + 202, ?2 + 212, 10, 503, 'retry', 'server')
                """, arguments: [Self.firstRun, Self.latestRun])
        }
        try queue.close()
        return path
    }

    /// Current jobs by state as schema 0003 counted them.
    func oldCounts(_ path: String) throws -> [String: Int] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        var counts = Dictionary(uniqueKeysWithValues: JobStatus.latest.map { ($0.rawValue, 0) })
        for row in try queue.read({ try Row.fetchAll($0, sql: "SELECT state, count(*) AS n FROM job WHERE is_current = 1 GROUP BY state") }) {
            counts[row["state"]] = row["n"]
        }
        return counts
    }

    static let cert = Target(profile: .zerohash, baseURL: certURL)
    static let sandbox = Target(profile: .zerohash, baseURL: sandboxURL)

    @Test func eachBaseURLOfTheOldRunsBecomesATargetAndEachRunBelongsToIts() throws {
        let queue = try BackfillDatabase.open(path: try makeOldDatabase(), mode: .existing)
        let targets = try queue.read(TargetStore.all)
        #expect(targets.map(\.target) == [Self.sandbox, Self.cert])
        #expect(try queue.read { try String.fetchAll($0, sql: "SELECT name FROM target ORDER BY id") } == [Self.sandboxURL, "cert"])
        let runs = try queue.read { try Row.fetchAll($0, sql: "SELECT target_id, profile FROM run ORDER BY id") }
        #expect(runs.map { $0["target_id"] as Int64 } == targets.map(\.id))
        #expect(runs.map { $0["profile"] as String } == ["zerohash", "zerohash"])
        #expect(try queue.read { try TargetStore.latest($0) }?.target == Self.cert)
    }

    @Test func theSendingStateMovesToTheLatestRunsTarget() throws {
        let queue = try BackfillDatabase.open(path: try makeOldDatabase(), mode: .existing)
        let cert = try #require(try queue.read { try TargetStore.find($0, Self.cert) })
        let sends = try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT target_id, job_id, state, attempts, next_attempt_at, last_status, error_class, last_message,
                       response IS NOT NULL AS has_response
                FROM job_send ORDER BY job_id
                """)
        }
        #expect(sends.allSatisfy { $0["target_id"] == cert.id })
        // Jobs that were never claimed (held, fresh, unsent versions) have no sending row: pending everywhere.
        #expect(sends.map { $0["job_id"] as Int64 } == [1, 2, 3, 6, 7])
        #expect(sends.map { $0["state"] as String } == ["succeeded", "failed", "pending", "in_flight", "succeeded"])
        let retry = sends[2]
        #expect(retry["attempts"] as Int == 2)
        #expect(retry["next_attempt_at"] as Int64? == Self.latestRun + 60_000)
        #expect(retry["last_status"] as Int? == 503)
        #expect(retry["error_class"] as String? == "server")
        #expect(retry["last_message"] as String? == "the server message")
        #expect(sends[0]["has_response"] as Bool)
    }

    @Test func jobStateKeepsOnlyWhatIngestDecided() throws {
        let queue = try BackfillDatabase.open(path: try makeOldDatabase(), mode: .existing)
        let states = try queue.read { try String.fetchAll($0, sql: "SELECT state FROM job ORDER BY id") }
        #expect(states == ["pending", "pending", "pending", "held", "pending", "pending", "superseded", "pending", "superseded", "pending"])
        let columns = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('job')") }
        for gone in ["attempts", "next_attempt_at", "last_attempt_at", "last_status", "error_class", "last_message", "response"] {
            #expect(!columns.contains(gone), "job.\(gone) moved to job_send")
        }
    }

    @Test func statusCountsWhatItCountedBefore() throws {
        let path = try makeOldDatabase()
        let before = try oldCounts(path)
        #expect(before == ["pending": 4, "held": 1, "in_flight": 1, "succeeded": 1, "failed": 1])
        let queue = try BackfillDatabase.open(path: path, mode: .existing)
        let status = try queue.read { try StatusSummary.read($0) }
        #expect(status.target == "cert")
        #expect(status.jobs.byName == before)
        #expect(status.earlierJobs == 2)
        // The older target saw none of the sending state: every ready job is pending there.
        #expect(status.targets.map(\.name) == [Self.sandboxURL, "cert"])
        #expect(status.targets[0].jobs == ["pending": 7, "held": 1, "in_flight": 0, "succeeded": 0, "failed": 0])
        #expect(status.targets[1].jobs.byName == before)
    }

    @Test func eachAttemptBelongsToTheRunStartedBeforeItAndThatRunsTarget() throws {
        let queue = try BackfillDatabase.open(path: try makeOldDatabase(), mode: .existing)
        let ids = try queue.read(TargetStore.all).map(\.id)
        let attempts = try queue.read { try Row.fetchAll($0, sql: "SELECT id, target_id, run_id FROM attempt ORDER BY id") }
        #expect(attempts.map { $0["target_id"] as Int64 } == [ids[0], ids[1], ids[1], ids[1], ids[1]])
        #expect(attempts.map { $0["run_id"] as Int64 } == [1, 2, 2, 2, 2])
        let certScope = try queue.read { try TargetScope.resolve($0, target: Self.cert) }
        #expect(try queue.read { try Int.fetchOne($0, sql: certScope.sql("SELECT count(*) FROM target_attempt")) } == 4)
    }

    @Test func theRunLockRecordsTheHoldersProcessStartAndCommand() throws {
        let queue = try BackfillDatabase.open(path: try makeOldDatabase(), mode: .existing)
        let columns = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('run_lock')") }
        #expect(columns == ["id", "pid", "host", "started_at", "process_start", "command"])
    }

    @Test func aRunOnTheLatestTargetContinuesWhereTheOldDatabaseStood() throws {
        let queue = try BackfillDatabase.open(path: try makeOldDatabase(), mode: .existing)
        let store = try RunStore(database: queue, target: Self.cert)
        #expect(try store.recoverInterrupted(now: Self.latestRun + 120_000) == 1)
        let claimed = try store.claim(limit: 100, now: Self.latestRun + 120_000)
        // FLYING (resent), RETRY1 (its backoff over), and the never-sent current jobs; not OKAY01, FAIL01, HOLD01.
        #expect(claimed.map(\.participantCode).sorted() == ["FLYING", "FRESH1", "OLDV01", "RETRY1", "UNSENT"])
        #expect(claimed.first { $0.participantCode == "RETRY1" }?.attempts == 2)
        #expect(claimed.first { $0.participantCode == "RETRY1" }?.requestID == "req-3")
    }

    @Test func explainShowsTheMovedSendingStateOnItsTarget() throws {
        let queue = try BackfillDatabase.open(path: try makeOldDatabase(), mode: .existing)
        let e = try #require(try queue.read { try Explanation.read($0, participantCode: "retry1") })
        #expect(e.target == "cert")
        #expect(e.stateOnTarget == "pending")
        let send = try #require(e.jobs.first?.sends.first)
        #expect(e.jobs.first?.sends.count == 1)
        #expect(send.target == "cert")
        #expect(send.state == "pending")
        #expect(send.attempts == 2)
        #expect(send.lastStatus == 503)
        #expect(send.errorClass == "server")
        #expect(send.message == "the server message")
        #expect(send.lastAttemptAt == ISOTime.text(epochMilliseconds: Self.latestRun + 102))
    }

    @Test func aReadOnlyOpenUpgradesInMemoryAndLeavesTheFileAsItWas() throws {
        let path = try makeOldDatabase()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let counts = try oldCounts(path)
        do {
            let queue = try BackfillDatabase.open(path: path, mode: .readOnly)
            #expect(try queue.read { try StatusSummary.read($0) }.jobs.byName == counts)
            try queue.close()
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let untouched = try DatabaseQueue(path: path)
        #expect(try untouched.read(BackfillDatabase.appliedMigrations) == ["0001_init", "0002_run_lock", "0003_ledger"])
    }

    @Test func aDatabaseWithNoRunsGetsNoTargetAndEveryReadyJobStaysPending() throws {
        let path = scratch.file("unsent.sqlite")
        do {
            let old = try makeOldDatabase("unsent.sqlite")
            let queue = try DatabaseQueue(path: old)
            try queue.write { db in
                try db.execute(sql: "DELETE FROM attempt")
                try db.execute(sql: "DELETE FROM run")
                try db.execute(sql: "DELETE FROM job WHERE state NOT IN ('pending', 'held', 'superseded') OR attempts > 0")
            }
            try queue.close()
        }
        let queue = try BackfillDatabase.open(path: path, mode: .existing)
        #expect(try queue.read(TargetStore.all).isEmpty)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM job_send") } == 0)
        let status = try queue.read { try StatusSummary.read($0) }
        #expect(status.target == nil)
        #expect(status.jobs == ["pending": 3, "held": 1, "in_flight": 0, "succeeded": 0, "failed": 0])
    }
}
