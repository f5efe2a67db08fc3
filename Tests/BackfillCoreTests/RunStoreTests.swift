@testable import BackfillIngest
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// `RunStore` on a real SQLite file: what each method leaves in `job_send`, `attempt`, `run` and `run_lock`, read
/// back with SQL. (The run loop that calls it is tested without a database in `SendLoopTransitionTests`.)
struct RunStoreTests {
    let scratch = ScratchDirectory()
    static let target = Target(profile: .zerohash, baseURL: "http://127.0.0.1:9")

    /// `count` participants (P00001, ...) ingested in latest mode; their jobs' ids, in id order.
    func ingest(_ count: Int) throws -> (DatabaseQueue, [Int64]) {
        let queue = try scratch.database()
        let csv = try scratch.write("p.csv", "participant_code,platform_updated_at,first_name,last_name\n"
            + (1...count).map { String(format: "P%05d,1600000000000,Al,Bo", $0) }.joined(separator: "\n") + "\n")
        _ = try Ingester(database: queue, options: .testing()).ingest(path: csv)
        let ids = try queue.read { try Int64.fetchAll($0, sql: "SELECT id FROM job WHERE is_current = 1 ORDER BY id") }
        #expect(ids.count == count)
        return (queue, ids)
    }

    // MARK: - Reading the database back

    /// One `job_send` row.
    struct Send: Equatable {
        var state: SendState
        var attempts: Int
        var nextAttemptAt: Int64?
        var lastAttemptAt: Int64?
        var lastStatus: Int?
        var errorClass: ErrorClass?
        var lastMessage: String?
        var response: [UInt8]?

        init(_ state: SendState, attempts: Int = 0, next: Int64? = nil, last: Int64? = nil, status: Int? = nil,
             errorClass: ErrorClass? = nil, message: String? = nil, response: [UInt8]? = nil) {
            self.state = state
            self.attempts = attempts
            nextAttemptAt = next
            lastAttemptAt = last
            lastStatus = status
            self.errorClass = errorClass
            lastMessage = message
            self.response = response
        }
    }

    /// The store's target's `job_send` rows, by job id.
    static func sends(_ store: RunStore) throws -> [Int64: Send] {
        try store.database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT job_id, state, attempts, next_attempt_at, last_attempt_at, last_status, error_class, last_message,
                       response
                FROM job_send WHERE target_id = ? ORDER BY job_id
                """, arguments: [store.target.id]).reduce(into: [:]) { out, row in
                let response: Data? = row["response"]
                out[row["job_id"]] = Send(row["state"], attempts: row["attempts"], next: row["next_attempt_at"],
                                          last: row["last_attempt_at"], status: row["last_status"],
                                          errorClass: row["error_class"], message: row["last_message"],
                                          response: response.map { Array($0) })
            }
        }
    }

    /// One ledger row.
    struct Attempt: Equatable {
        var jobID: Int64
        var number: Int
        var requestID: String
        var startedAt: Int64
        var endedAt: Int64
        var latency: Int64
        var status: Int?
        var outcome: AttemptOutcome
        var errorClass: ErrorClass?
        var message: String?
        var responseBody: [UInt8]?
        var targetID: Int64?
        var runID: Int64?
    }

    static func attempts(_ queue: DatabaseQueue) throws -> [Attempt] {
        try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT job_id, number, request_id, started_at, ended_at, latency_ms, http_status, outcome, error_class,
                       message, response_body, target_id, run_id
                FROM attempt ORDER BY id
                """).map { row in
                let body: Data? = row["response_body"]
                return Attempt(jobID: row["job_id"], number: row["number"], requestID: row["request_id"],
                               startedAt: row["started_at"], endedAt: row["ended_at"], latency: row["latency_ms"],
                               status: row["http_status"], outcome: row["outcome"], errorClass: row["error_class"],
                               message: row["message"], responseBody: body.map { Array($0) }, targetID: row["target_id"],
                               runID: row["run_id"])
            }
        }
    }

    /// One `run` row.
    struct RunRow: Equatable {
        var startedAt: Int64
        var endedAt: Int64?
        var exitCode: Int32?
        var stopCode: RunStop.Code?
        var stopMessage: String?
    }

    static func run(_ queue: DatabaseQueue, _ id: Int64) throws -> RunRow? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT started_at, ended_at, exit_code, stop_code, stop_message FROM run WHERE id = ?",
                             arguments: [id]).map { row in
                RunRow(startedAt: row["started_at"], endedAt: row["ended_at"], exitCode: row["exit_code"],
                       stopCode: row["stop_code"], stopMessage: row["stop_message"])
            }
        }
    }

    static func lockPID(_ queue: DatabaseQueue) throws -> Int32? {
        try queue.read { try Int32.fetchOne($0, sql: "SELECT pid FROM run_lock WHERE id = 1") }
    }

    /// The record of `job`'s next attempt, started at `testNow + started` and ended 80 ms later.
    static func record(_ job: ClaimedJob, started: Int64 = 100, status: Int?, _ outcome: AttemptOutcome,
                       _ errorClass: ErrorClass? = nil, message: String? = nil, body: [UInt8]? = nil,
                       to transition: JobTransition) -> AttemptRecord {
        AttemptRecord(jobID: job.id, number: job.attempts + 1, requestID: job.requestID, startedAt: testNow + started,
                      endedAt: testNow + started + 80, status: status, outcome: outcome, errorClass: errorClass,
                      message: message, responseBody: body, transition: transition)
    }

    // MARK: - Claiming, starting, releasing

    @Test func aClaimMovesPendingJobsToClaimedInIDOrderAndNeverClaimsAJobTwice() throws {
        let (queue, ids) = try ingest(5)
        let store = try RunStore(database: queue, target: Self.target)
        let first = try store.claim(limit: 3, now: testNow)
        #expect(first.map(\.id) == Array(ids[0..<3]))
        // Each job as ingest stored it: its participant, request_id and exact bytes, no attempt used.
        let stored = try queue.read { try Row.fetchAll($0, sql: "SELECT id, participant_code, request_id, body FROM job ORDER BY id") }
        for (job, row) in zip(first, stored) {
            let body: Data = row["body"]
            #expect(job.id == row["id"] && job.participantCode == row["participant_code"])
            #expect(job.requestID == row["request_id"] && job.body == Array(body) && job.attempts == 0)
        }
        #expect(try Self.sends(store) == [ids[0]: Send("claimed"), ids[1]: Send("claimed"), ids[2]: Send("claimed")])
        #expect(try store.claim(limit: 3, now: testNow).map(\.id) == Array(ids[3..<5]))
        #expect(try store.claim(limit: 3, now: testNow).isEmpty)
        // Another store (a fresh cursor) finds nothing either: claimed jobs are not pending.
        #expect(try RunStore(database: queue, target: Self.target).claim(limit: 10, now: testNow).isEmpty)
        #expect(try Self.sends(store) == Dictionary(uniqueKeysWithValues: ids.map { ($0, Send("claimed")) }))
    }

    @Test func markStartedMovesClaimedJobsInFlightAndNothingElse() throws {
        let (queue, ids) = try ingest(3)
        let store = try RunStore(database: queue, target: Self.target)
        _ = try store.claim(limit: 2, now: testNow)
        try store.markStarted([ids[0]], now: testNow + 5)
        // A job never claimed gets no sending row.
        try store.markStarted([ids[2]], now: testNow + 5)
        #expect(try Self.sends(store) == [ids[0]: Send("in_flight", last: testNow + 5), ids[1]: Send("claimed")])
    }

    @Test func releaseReturnsClaimedJobsToPendingWithNoAttempt() throws {
        let (queue, ids) = try ingest(4)
        let store = try RunStore(database: queue, target: Self.target)
        _ = try store.claim(limit: 3, now: testNow)
        try store.markStarted([ids[2]], now: testNow + 5)
        // Only claimed jobs are released: a started one stays in flight.
        try store.release([ids[0], ids[1], ids[2]], now: testNow + 10)
        #expect(try Self.sends(store) == [ids[0]: Send("pending"), ids[1]: Send("pending"),
                                          ids[2]: Send("in_flight", last: testNow + 5)])
        #expect(try Self.attempts(queue).isEmpty)
        // They are claimed again, beside the next fresh job, with no attempt used.
        let again = try store.claim(limit: 3, now: testNow + 20)
        #expect(again.map(\.id) == [ids[0], ids[1], ids[3]])
        #expect(again.allSatisfy { $0.attempts == 0 })
    }

    // MARK: - Recording

    @Test func recordWritesTheLedgerAndEachJobsNextState() throws {
        let (queue, ids) = try ingest(4)
        let store = try RunStore(database: queue, target: Self.target)
        let (runID, _) = try store.beginRun(now: testNow, rate: "10/1s", concurrency: 4)
        let jobs = try store.claim(limit: 4, now: testNow)
        try store.markStarted(ids, now: testNow + 100)
        let ok = Array(#"{"id":"c-1"}"#.utf8)
        // A refusal's body longer than the ledger keeps.
        let long = Array(#"{"message":"first_name is too long","detail":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 5_000)
            + Array(#""}"#.utf8)
        try store.record([
            Self.record(jobs[0], status: 200, "succeeded", body: ok, to: .succeeded),
            Self.record(jobs[1], status: 400, "failed", "validation", message: "first_name is too long", body: long, to: .failed),
            Self.record(jobs[2], status: 503, "retry", "server", message: "Service Unavailable", to: .pending(notBefore: testNow + 1_200, countsAttempt: true)),
            Self.record(jobs[3], status: 429, "rate_limited", "rate_limited", to: .pending(notBefore: testNow + 11_000, countsAttempt: false)),
        ])
        let at = testNow + 100
        let expectedSends: [Int64: Send] = [
            ids[0]: Send("succeeded", attempts: 1, last: at, status: 200, response: ok),
            ids[1]: Send("failed", attempts: 1, last: at, status: 400, errorClass: "validation", message: "first_name is too long"),
            ids[2]: Send("pending", attempts: 1, next: testNow + 1_200, last: at, status: 503, errorClass: "server",
                         message: "Service Unavailable"),
            // A 429 does not use up an attempt.
            ids[3]: Send("pending", attempts: 0, next: testNow + 11_000, last: at, status: 429, errorClass: "rate_limited"),
        ]
        #expect(try Self.sends(store) == expectedSends)
        let target = store.target.id
        let expectedLedger: [Attempt] = [
            Attempt(jobID: ids[0], number: 1, requestID: jobs[0].requestID, startedAt: at, endedAt: at + 80, latency: 80,
                    status: 200, outcome: "succeeded", errorClass: nil, message: nil, responseBody: ok, targetID: target, runID: runID),
            Attempt(jobID: ids[1], number: 1, requestID: jobs[1].requestID, startedAt: at, endedAt: at + 80, latency: 80,
                    status: 400, outcome: "failed", errorClass: "validation", message: "first_name is too long",
                    responseBody: Array(long.prefix(RunStore.responseCap)), targetID: target, runID: runID),
            Attempt(jobID: ids[2], number: 1, requestID: jobs[2].requestID, startedAt: at, endedAt: at + 80, latency: 80,
                    status: 503, outcome: "retry", errorClass: "server", message: "Service Unavailable", responseBody: nil,
                    targetID: target, runID: runID),
            Attempt(jobID: ids[3], number: 1, requestID: jobs[3].requestID, startedAt: at, endedAt: at + 80, latency: 80,
                    status: 429, outcome: "rate_limited", errorClass: "rate_limited", message: nil, responseBody: nil,
                    targetID: target, runID: runID),
        ]
        #expect(try Self.attempts(queue) == expectedLedger)
    }

    @Test func aBackedOffJobIsDueAtItsNextAttemptAndA429KeepsItsAttempts() throws {
        let (queue, ids) = try ingest(2)
        let store = try RunStore(database: queue, target: Self.target)
        // Fresh jobs are found by a claim, not by nextDue.
        #expect(try store.nextDue() == nil)
        let jobs = try store.claim(limit: 2, now: testNow)
        try store.markStarted(ids, now: testNow)
        #expect(try store.nextDue() == nil)
        try store.record([
            Self.record(jobs[0], status: 503, "retry", "server", to: .pending(notBefore: testNow + 1_000, countsAttempt: true)),
            Self.record(jobs[1], status: 429, "rate_limited", "rate_limited", to: .pending(notBefore: testNow + 500, countsAttempt: false)),
        ])
        #expect(try store.nextDue() == testNow + 500)
        #expect(try store.claim(limit: 10, now: testNow + 499).isEmpty)
        let limited = try store.claim(limit: 10, now: testNow + 500)
        #expect(limited.map(\.id) == [ids[1]] && limited[0].attempts == 0)
        #expect(try store.nextDue() == testNow + 1_000)
        let retried = try store.claim(limit: 10, now: testNow + 1_000)
        #expect(retried.map(\.id) == [ids[0]] && retried[0].attempts == 1)
        #expect(try store.nextDue() == nil)
    }

    // MARK: - Runs

    @Test func recoveryLedgersTheJobsInFlightAsInterruptedAndReturnsClaimedOnesToPending() throws {
        let (queue, ids) = try ingest(3)
        let first = try RunStore(database: queue, target: Self.target)
        let (crashed, _) = try first.beginRun(now: testNow, rate: "10/1s", concurrency: 4)
        let claimed = try first.claim(limit: 3, now: testNow + 1)
        try first.markStarted([ids[0]], now: testNow + 10)
        // The process dies. The next run begins and recovers.
        let next = try RunStore(database: queue, target: Self.target)
        let (runID, _) = try next.beginRun(now: testNow + 100, rate: "10/1s", concurrency: 4)
        #expect(try next.recoverInterrupted(now: testNow + 200) == 1)
        #expect(try Self.attempts(queue) == [
            Attempt(jobID: ids[0], number: 1, requestID: claimed[0].requestID, startedAt: testNow + 10, endedAt: testNow + 200,
                    latency: 0, status: nil, outcome: "interrupted", errorClass: "interrupted",
                    message: "the run that sent this was stopped before it recorded an answer; sent again with the same request_id",
                    responseBody: nil, targetID: next.target.id, runID: crashed),
        ])
        // An interruption uses no attempt; the interrupted job is due at once, the claimed ones are plain pending.
        #expect(try Self.sends(next) == [ids[0]: Send("pending", next: 0, last: testNow + 10), ids[1]: Send("pending"),
                                         ids[2]: Send("pending")])
        let resent = try next.claim(limit: 3, now: testNow + 300)
        #expect(resent == claimed)
        #expect(runID != crashed)
    }

    @Test func beginRunTakesTheLockAndEndsANeverEndedRunAsCrashed() throws {
        let (queue, _) = try ingest(1)
        let store = try RunStore(database: queue, target: Self.target)
        let (first, tookOver) = try store.beginRun(now: testNow, rate: "10/1s", concurrency: 4)
        #expect(tookOver == nil)
        #expect(try Self.run(queue, first) == RunRow(startedAt: testNow))
        let columns = try #require(try queue.read {
            try Row.fetchOne($0, sql: "SELECT base_url, rate, concurrency, target_id, profile FROM run WHERE id = ?", arguments: [first])
        })
        #expect(columns["base_url"] as String == "http://127.0.0.1:9")
        #expect(columns["rate"] as String == "10/1s")
        #expect(columns["concurrency"] as Int == 4)
        #expect(columns["target_id"] as Int64 == store.target.id)
        #expect(columns["profile"] as String == "zerohash")
        #expect(try Self.lockPID(queue) == getpid())
        // The run records an answer ending at +180 ms, then its process dies: its lock names a pid that is gone.
        let jobs = try store.claim(limit: 1, now: testNow)
        try store.markStarted(jobs.map(\.id), now: testNow + 100)
        try store.record([Self.record(jobs[0], status: 200, "succeeded", to: .succeeded)])
        let gone: Int32 = 2_147_483_000
        try queue.write { try $0.execute(sql: "UPDATE run_lock SET pid = ?", arguments: [gone]) }

        let (second, stale) = try RunStore(database: queue, target: Self.target).beginRun(now: testNow + 1_000, rate: "10/1s",
                                                                                          concurrency: 4)
        #expect(stale?.pid == gone)
        #expect(try Self.lockPID(queue) == getpid())
        // Ended at its last recorded activity, with no exit code and no message.
        #expect(try Self.run(queue, first) == RunRow(startedAt: testNow, endedAt: testNow + 180, stopCode: "crashed"))
        #expect(try Self.run(queue, second) == RunRow(startedAt: testNow + 1_000))

        // A holder that is alive on this host (pid 1) refuses another run.
        try queue.write { try $0.execute(sql: "UPDATE run_lock SET pid = 1, process_start = NULL") }
        let refused = #expect(throws: BackfillError.self) {
            try RunStore(database: queue, target: Self.target).beginRun(now: testNow + 2_000, rate: "10/1s", concurrency: 4)
        }
        #expect(refused?.code == "database_locked")
        #expect(try Self.run(queue, second)?.endedAt == nil)
    }

    @Test func endRunStoresTheStopCodeAndMessageApartAndReleasesTheLock() throws {
        let (queue, _) = try ingest(1)
        let store = try RunStore(database: queue, target: Self.target)
        let (stopped, _) = try store.beginRun(now: testNow, rate: "10/1s", concurrency: 4)
        try store.endRun(stopped, now: testNow + 5_000, exitCode: 1, stop: RunStop(.unauthorized, "401 Unauthorized: Invalid signature"))
        #expect(try Self.run(queue, stopped) == RunRow(startedAt: testNow, endedAt: testNow + 5_000, exitCode: 1,
                                                       stopCode: "unauthorized", stopMessage: "401 Unauthorized: Invalid signature"))
        #expect(try Self.lockPID(queue) == nil)

        let (drained, _) = try store.beginRun(now: testNow + 6_000, rate: "10/1s", concurrency: 4)
        try store.endRun(drained, now: testNow + 7_000, exitCode: 0, stop: nil)
        #expect(try Self.run(queue, drained) == RunRow(startedAt: testNow + 6_000, endedAt: testNow + 7_000, exitCode: 0))

        let (interrupted, _) = try store.beginRun(now: testNow + 8_000, rate: "10/1s", concurrency: 4)
        try store.endRun(interrupted, now: testNow + 9_000, exitCode: 130, stop: RunStop(.interrupted, "SIGINT"))
        #expect(try Self.run(queue, interrupted) == RunRow(startedAt: testNow + 8_000, endedAt: testNow + 9_000, exitCode: 130,
                                                           stopCode: "interrupted", stopMessage: "SIGINT"))
        // The earlier runs are left as they ended (not taken for crashed).
        #expect(try Self.run(queue, stopped)?.stopCode == "unauthorized")
        #expect(try Self.lockPID(queue) == nil)
    }

    // MARK: - Counting

    @Test func countsLeftAndFailuresByClassReadTheTargetsJobs() throws {
        let (queue, ids) = try ingest(7)
        let store = try RunStore(database: queue, target: Self.target)
        _ = try store.beginRun(now: testNow, rate: "10/1s", concurrency: 4)
        // Six claimed and started; the seventh never claimed.
        let jobs = try store.claim(limit: 6, now: testNow)
        try store.markStarted(Array(ids[0..<6]), now: testNow)
        try store.record([
            Self.record(jobs[0], status: 200, "succeeded", to: .succeeded),
            Self.record(jobs[1], status: 400, "failed", "validation", message: "bad", to: .failed),
            Self.record(jobs[2], status: 400, "failed", "validation", message: "bad", to: .failed),
            Self.record(jobs[3], status: 503, "failed", "server", to: .failed),
            Self.record(jobs[4], status: 503, "retry", "server", to: .pending(notBefore: testNow + 60_000, countsAttempt: true)),
        ])
        #expect(try store.counts() == ["pending": 2, "held": 0, "in_flight": 1, "succeeded": 1, "failed": 3])
        #expect(try store.left(now: testNow) == RunStore.Left(pending: 1, retryLater: 1, inFlight: 1))
        #expect(try store.left(now: testNow + 60_000) == RunStore.Left(pending: 2, retryLater: 0, inFlight: 1))
        #expect(try store.left(now: testNow).total == 3)
        #expect(try store.failedByClass().map { "\($0.errorClass.rawValue) \($0.count)" } == ["validation 2", "server 1"])
    }

    // MARK: - History mode

    @Test func inHistoryModeASucceededStepReleasesTheNextAndAFailedOneDoesNot() throws {
        let queue = try scratch.database()
        let csv = try scratch.write("two.csv", """
            participant_code,platform_updated_at,first_name,last_name,email
            HISTAA,2022-01-01T00:00:00Z,Ann,Lee,ann@example.com
            HISTAA,2022-02-01T00:00:00Z,Anna,Lee,
            HISTAA,2022-03-01T00:00:00Z,,Lee-Park,
            HISTBB,2022-01-15T00:00:00Z,Bo,Kim,bo@example.com
            HISTBB,2022-02-15T00:00:00Z,Bob,,

            """)
        var options = IngestOptions.testing()
        options.mode = .history
        _ = try Ingester(database: queue, options: options).ingest(path: csv)
        let step = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT participant_code || step AS name, id FROM job WHERE is_current = 1")
                .reduce(into: [String: Int64]()) { out, row in out[row["name"] as String] = row["id"] as Int64 }
        }
        #expect(step.keys.sorted() == ["HISTAA1", "HISTAA2", "HISTAA3", "HISTBB1", "HISTBB2"])
        let store = try RunStore(database: queue, target: Self.target)
        #expect(store.mode == .history)

        // Only first steps are sendable, oldest instant first.
        let firsts = try store.claim(limit: 10, now: testNow)
        #expect(firsts.map(\.id) == [step["HISTAA1"]!, step["HISTBB1"]!])
        try store.markStarted(firsts.map(\.id), now: testNow)
        try store.record([
            Self.record(firsts[0], status: 200, "succeeded", to: .succeeded),
            Self.record(firsts[1], status: 400, "failed", "not_customer", message: "HISTBB is not a customer", to: .failed),
        ])
        // The success made HISTAA's step 2 pending in the same transaction; HISTBB's step 2 waits behind the failure.
        let sends = try Self.sends(store)
        #expect(sends[step["HISTAA2"]!] == Send("pending"))
        #expect(sends[step["HISTAA3"]!] == nil && sends[step["HISTBB2"]!] == nil)
        // Pending: HISTAA's steps 2 and 3; blocked: HISTBB's step 2.
        #expect(try store.left(now: testNow) == RunStore.Left(pending: 2, blocked: 1))

        let seconds = try store.claim(limit: 10, now: testNow + 1)
        #expect(seconds.map(\.id) == [step["HISTAA2"]!])
        try store.markStarted(seconds.map(\.id), now: testNow + 1)
        try store.record([Self.record(seconds[0], status: 200, "succeeded", to: .succeeded)])
        #expect(try Self.sends(store)[step["HISTAA3"]!] == Send("pending"))
        #expect(try store.claim(limit: 10, now: testNow + 2).map(\.id) == [step["HISTAA3"]!])
    }
}
