@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// `backfill retry`: failed jobs back to pending (all, or by class, status, participant, time), keeping
/// request_id, body and the ledger; never touching anything else.
struct RetryTests {
    let scratch = ScratchDirectory()

    /// After the fixture's run: FAIL01 (400 validation, attempted at runStart), NETW01 (network, no status,
    /// last attempted at runStart+2100) and RETRY1 (503 server, last attempted at runStart+2500) are failed.
    func retry(_ filter: RetryFilter, _ fixture: ReportFixture) throws -> (moved: Int, pending: [String]) {
        let moved = try RetryStore.retry(fixture.queue, filter: filter, now: testNow)
        return (moved, try DatabaseInspection.participants(fixture.queue, state: "pending"))
    }

    @Test func allMovesEveryFailedJobAndNothingElse() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let before = try DatabaseInspection.currentJobs(fixture.queue)
        let result = try retry(RetryFilter(all: true), fixture)
        #expect(result.moved == 3)
        #expect(result.pending == ["FAIL01", "NETW01", "RETRY1"])
        #expect(try DatabaseInspection.participants(fixture.queue, state: "succeeded") == ["OKAY01", "OKAY02", "OKAY03"])
        #expect(try DatabaseInspection.participants(fixture.queue, state: "held") == ["BADEM1", "DUPE01", "DUPE02", "HOLD01"])
        #expect(try DatabaseInspection.participants(fixture.queue, state: "failed") == [])
        let after = try DatabaseInspection.currentJobs(fixture.queue)
        for code in ["FAIL01", "NETW01", "RETRY1"] {
            #expect(after[code]?.requestID == before[code]?.requestID)
            #expect(after[code]?.body == before[code]?.body)
        }
    }

    @Test func retriedJobsGetAFullSetOfAttemptsAndTheLedgerKeepsTheOldOnes() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let ledger = try DatabaseInspection.dump(fixture.queue).filter { $0.hasPrefix("attempt") }
        _ = try retry(RetryFilter(participants: ["RETRY1"]), fixture)
        let row = try #require(try fixture.queue.read { try Row.fetchOne($0, sql: $0.onLatestTarget("SELECT attempts, next_attempt_at FROM target_job WHERE participant_code = 'RETRY1' AND is_current = 1")) })
        #expect(row["attempts"] as Int == 0)
        #expect(row["next_attempt_at"] as Int64? == nil)
        #expect(try DatabaseInspection.dump(fixture.queue).filter { $0.hasPrefix("attempt") } == ledger)
        // The next run claims it with the stored request_id and bytes.
        let claimed = try RunStore(database: fixture.queue, target: ReportFixture.target).claim(limit: 10, now: testNow)
        let job = try #require(claimed.first)
        #expect(claimed.count == 1 && job.participantCode == "RETRY1" && job.attempts == 0)
        let stored = try DatabaseInspection.currentJobs(fixture.queue)["RETRY1"]
        #expect(job.requestID == stored?.requestID)
        #expect(job.body == stored?.body)
    }

    @Test func classFilterMatchesTheLastErrorClass() throws {
        let fixture = try ReportFixture(scratch: scratch)
        #expect(try retry(RetryFilter(classes: ["server"]), fixture) == (1, ["RETRY1"]))
        #expect(try retry(RetryFilter(classes: ["network", "timeout"]), fixture) == (1, ["NETW01", "RETRY1"]))
    }

    @Test func statusFilterMatchesTheLastHTTPStatus() throws {
        let fixture = try ReportFixture(scratch: scratch)
        #expect(try retry(RetryFilter(statuses: [400]), fixture) == (1, ["FAIL01"]))
        #expect(try retry(RetryFilter(statuses: [500, 502]), fixture).moved == 0)
    }

    @Test func participantFilterNormalizesCodesAndSkipsJobsThatDidNotFail() throws {
        let fixture = try ReportFixture(scratch: scratch)
        #expect(try retry(RetryFilter(participants: [" fail01 ", "OKAY01", "HOLD01"]), fixture) == (1, ["FAIL01"]))
        #expect(try DatabaseInspection.currentJobs(fixture.queue)["OKAY01"]?.state == "succeeded")
    }

    @Test func sinceFilterComparesTheLastAttemptTime() throws {
        let fixture = try ReportFixture(scratch: scratch)
        #expect(try retry(RetryFilter(since: ReportFixture.runStart + 2200), fixture) == (1, ["RETRY1"]))
        #expect(try retry(RetryFilter(since: ReportFixture.runStart + 2100), fixture) == (1, ["NETW01", "RETRY1"]))
    }

    @Test func filtersCombineWithAnd() throws {
        let fixture = try ReportFixture(scratch: scratch)
        #expect(try retry(RetryFilter(classes: ["server"], participants: ["NETW01"]), fixture).moved == 0)
        #expect(try retry(RetryFilter(classes: ["validation"], statuses: [400], since: ReportFixture.runStart), fixture) == (1, ["FAIL01"]))
    }

    @Test func refusesWithoutASelectionOrWithAnUnknownClass() throws {
        let fixture = try ReportFixture(scratch: scratch)
        #expect(throws: BackfillError("retry_nothing_selected", "say which failed jobs to retry: --all, or at least one of --class, --status, --participant, --since")) {
            try RetryStore.retry(fixture.queue, filter: RetryFilter(), now: testNow)
        }
        #expect(throws: BackfillError("retry_all_with_filter", "--all retries every failed job; leave it out to retry only those matching the filters")) {
            try RetryStore.retry(fixture.queue, filter: RetryFilter(all: true, classes: ["server"]), now: testNow)
        }
        let error = try #require(throws: BackfillError.self) {
            try RetryStore.retry(fixture.queue, filter: RetryFilter(classes: ["servr"]), now: testNow)
        }
        #expect(error.message.hasPrefix("--class 'servr': not an error class. Did you mean 'server'?"))
        #expect(try DatabaseInspection.participants(fixture.queue, state: "failed") == ["FAIL01", "NETW01", "RETRY1"])
    }

    @Test func refusesWhileALiveRunHoldsTheDatabase() throws {
        let fixture = try ReportFixture(scratch: scratch)
        // Another live process (pid 1 always exists) on this host holds the lock.
        try fixture.queue.write { db in
            try db.execute(sql: "INSERT INTO run_lock (id, pid, host, started_at) VALUES (1, 1, ?, ?)",
                           arguments: [ProcessInfo.processInfo.hostName, testNow])
        }
        let error = try #require(throws: BackfillError.self) {
            try RetryStore.retry(fixture.queue, filter: RetryFilter(all: true), now: testNow)
        }
        #expect(error.code == "database_locked")
        #expect(error.message == "the database is held by a running `backfill run` (pid 1 on host \(ProcessInfo.processInfo.hostName) (backfill run, since 2025-01-01T00:00:00Z)); retry is refused until it finishes or is stopped")
        #expect(try DatabaseInspection.participants(fixture.queue, state: "failed") == ["FAIL01", "NETW01", "RETRY1"])
    }
}
