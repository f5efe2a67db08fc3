import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import ParticipantAPI
import Testing

extension EndToEnd {
    /// Both `GET /time` shapes Zero Hash documents are read: with the sandbox's clock two minutes ahead (beyond
    /// the API's 60 s window), every request is accepted only if the offset was measured from the answer.
    @Suite struct TimeShapeTests {
        let workspace = Workspace()

        static let ahead: Int64 = 120_000

        func runWithTheServerAhead(_ format: SandboxConfiguration.TimeFormat) async throws -> RunSummary {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(10, into: db)
            return try await withSandbox({ c in
                c.timeFormat = format
                c.wallClock = { SandboxClock.systemMilliseconds() + TimeShapeTests.ahead }
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(sandbox.snapshot().updatesApplied == 10)
                #expect(sandbox.snapshot().requestsByStatus[401] == nil)
                return summary
            }
        }

        @Test func theMessageShapeInMillisecondsIsRead() async throws {
            let summary = try await runWithTheServerAhead(.message)
            #expect(summary.ending == .drained)
            #expect(summary.succeeded == 10)
            let offset = try #require(summary.clockOffsetMilliseconds)
            #expect(abs(offset - Self.ahead) < 500, "offset \(offset) ms")
        }

        @Test func theTopLevelSecondsShapeIsRead() async throws {
            let summary = try await runWithTheServerAhead(.seconds)
            #expect(summary.ending == .drained)
            #expect(summary.succeeded == 10)
            // Whole seconds: the offset is up to a second short.
            let offset = try #require(summary.clockOffsetMilliseconds)
            #expect(offset > Self.ahead - 1_500 && offset < Self.ahead + 500, "offset \(offset) ms")
        }

        @Test func theSandboxRefusesAnUnknownTimeFormat() async throws {
            let process = try BuiltBinary(["sandbox", "--port", "0", "--time-format", "iso"], environment: [:],
                                          outputIn: workspace.path, name: "sandbox-time-format")
            defer { process.killIfRunning() }
            let exit = try await process.waitForExit(timeout: .seconds(20))
            #expect(exit.reason == .exit && exit.status == 64, "\(process.output)")
            let stderr = (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? ""
            #expect(stderr.contains("--time-format: expected message or seconds, got 'iso'"), "\(stderr)")
        }
    }
}
