@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// `backfill purge`: personal data cleared from every table and, after checkpoint and VACUUM, from the
/// database files themselves; the audit trail, `status` and the summary stay.
struct PurgeTests {
    let scratch = ScratchDirectory()

    /// The bytes of the database file and its WAL (if any), as one buffer.
    func fileBytes(_ fixture: ReportFixture) throws -> Data {
        var data = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        if FileManager.default.fileExists(atPath: fixture.path + "-wal") {
            data.append(try Data(contentsOf: URL(fileURLWithPath: fixture.path + "-wal")))
        }
        return data
    }

    func contains(_ data: Data, _ value: String) -> Bool {
        data.range(of: Data(value.utf8)) != nil
    }

    @Test func succeededParticipantsLeaveNoTraceInTheFiles() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let before = try fileBytes(fixture)
        #expect(ReportFixture.succeededValues.allSatisfy { contains(before, $0) }, "the check below must be able to fail")
        let statusBefore = try fixture.queue.read { try StatusSummary.read($0) }

        let result = try PurgeStore.purge(fixture.queue, path: fixture.path, scope: .succeeded)
        #expect(result.participants == 3)
        #expect(result.jobs == 3)
        #expect(result.inputRows == 3)
        #expect(result.attempts == 4)

        let after = try fileBytes(fixture)
        for value in ReportFixture.succeededValues { #expect(!contains(after, value), "'\(value)' survived") }
        // Failed and held participants keep their data: they still need fixing.
        for value in ["zoe.ohara@example.com", "Halvard", "beatrix@@badwell", "ursula.unusabel@example.com"] {
            #expect(contains(after, value), "'\(value)' should stay")
        }
        #expect(try fixture.queue.read { try StatusSummary.read($0) } == statusBefore)
        let kept = try #require(try fixture.queue.read { try Row.fetchOne($0, sql: $0.onLatestTarget("SELECT request_id, platform_updated_at, state, attempts, body FROM target_job WHERE participant_code = 'OKAY02' AND is_current = 1")) })
        #expect((kept["request_id"] as String?)?.count == 36)
        #expect(kept["platform_updated_at"] as Int64? == 1_704_164_646_000)
        #expect(kept["state"] as String == "succeeded")
        #expect(kept["attempts"] as Int == 1)
        #expect(kept["body"] as Data? == nil)
    }

    @Test func allLeavesNoPersonalValueInTheFilesAndReportsStillWork() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let summaryBefore = try fixture.queue.read { try ReportSummary.read($0) }
        let result = try PurgeStore.purge(fixture.queue, path: fixture.path, scope: .all)
        #expect(result.participants == 10)
        #expect(result.inputRows == 12)

        let after = try fileBytes(fixture)
        for value in ReportFixture.failingValues + ReportFixture.succeededValues {
            #expect(!contains(after, value), "'\(value)' survived")
        }
        var walSize = 0
        if FileManager.default.fileExists(atPath: fixture.path + "-wal") {
            walSize = try FileManager.default.attributesOfItem(atPath: fixture.path + "-wal")[.size] as? Int ?? -1
        }
        #expect(walSize == 0)

        let status = try fixture.queue.read { try StatusSummary.read($0) }
        #expect(status.jobs == summaryBefore.jobs)
        #expect(status.rowsRejected == 2)
        let summary = try fixture.queue.read { try ReportSummary.read($0) }
        #expect(summary.jobs == summaryBefore.jobs)
        #expect(summary.errorsByClass == summaryBefore.errorsByClass)
        #expect(summary.latency == summaryBefore.latency)
        #expect(summary.attemptsPerJob == summaryBefore.attemptsPerJob)
        #expect(summary.rejectedRows == summaryBefore.rejectedRows)
        #expect(summary.topMessages.contains { $0.message == PurgeStore.purgedReason })
        // The failures export and the page still come out, with codes, classes and sources.
        let export = try fixture.failures(.csv)
        #expect(export.contains("HOLD01,"))
        #expect(export.contains("Data segment validation failed"))
        _ = try fixture.queue.read { try HTMLReport().render($0, title: "purged", now: testNow) }
    }

    @Test func refusesWhileALiveRunHoldsTheDatabase() throws {
        let fixture = try ReportFixture(scratch: scratch)
        try fixture.queue.write { db in
            try db.execute(sql: "INSERT INTO run_lock (id, pid, host, started_at) VALUES (1, 1, ?, ?)",
                           arguments: [ProcessInfo.processInfo.hostName, testNow])
        }
        let error = try #require(throws: BackfillError.self) {
            try PurgeStore.purge(fixture.queue, path: fixture.path, scope: .all)
        }
        #expect(error.message == "the database is held by a running `backfill run` (pid 1 on host \(ProcessInfo.processInfo.hostName) (backfill run, since 2025-01-01T00:00:00Z)); purge is refused until it finishes or is stopped")
        #expect(contains(try fileBytes(fixture), "zoe.ohara@example.com"))
    }
}
