import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

extension EndToEnd {
    /// `backfill rate`: the running run's ceiling changed from another process, through the database.
    @Suite struct RateCommandTests {
        let workspace = Workspace()

        /// Attempts the run started in `[from, to)` (epoch ms), from the ledger.
        static func started(_ path: String, from: Int64, to: Int64) -> Int {
            (try? Ledger.peek(path) { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM attempt WHERE started_at >= ? AND started_at < ?", arguments: [from, to]) ?? 0
            }) ?? -1
        }

        @Test func aRunAt200PerSecondLoweredTo20SendsAtMost25PerSecondOverTheNextFiveSeconds() async throws {
            let db = try workspace.openDatabase()
            _ = try workspace.ingestParticipants(4_000, into: db)
            try db.close()
            let path = workspace.databasePath
            try await withSandbox { sandbox in
                let environment = HistoryRunTests.environment(sandbox)
                // No run yet: nothing to change, and nothing is recorded.
                let early = try BuiltBinary(["rate", "20/1s", "--db", path], environment: [:], outputIn: workspace.path, name: "rate-early")
                let earlyExit = try await early.waitForExit()
                #expect(earlyExit.status != 0)
                #expect(early.output.contains("no run holds this database"))

                let run = try BuiltBinary(["run", "--db", path, "--base-url", sandbox.baseURL, "--rate", "200/1s", "--log-level", "warning"],
                                          environment: environment, outputIn: workspace.path, name: "run")
                defer { run.killIfRunning() }
                #expect(await eventually(timeout: .seconds(30)) { Ledger.succeededCount(atPath: path) >= 400 })
                let before = EpochClock.milliseconds()
                let fast = Self.started(path, from: before - 2_000, to: before) / 2
                #expect(fast >= 150, "the run was going at about 200/s: \(fast)/s")

                let lower = try BuiltBinary(["rate", "20/1s", "--db", path], environment: [:], outputIn: workspace.path, name: "rate")
                let lowered = try await lower.waitForExit()
                #expect(lowered.status == 0, "\(lower.output)")
                #expect(lower.output.contains("rate 20/1s recorded"))
                let at = EpochClock.milliseconds()
                // Within a second or two: the next five seconds after that.
                let (from, to) = (at + 1_500, at + 6_500)
                #expect(await eventually(timeout: .seconds(20)) { EpochClock.milliseconds() >= to + 200 })
                let slow = Double(Self.started(path, from: from, to: to)) / 5
                #expect(slow <= 25, "achieved \(slow)/s after backfill rate 20/1s")
                #expect(slow >= 10, "and still sending: \(slow)/s")
                #expect(run.isRunning)
                run.signal(SIGINT)
                let exit = try await run.waitForExit(timeout: .seconds(30))
                #expect(exit.reason == .exit && exit.status == 130)
            }
            // A run started later starts from its own --rate: the request was cleared when the run ended.
            let left = try Ledger.peek(path) { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE name = 'run_rate'") }
            #expect(left == nil)
        }
    }
}
