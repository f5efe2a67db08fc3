import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import GRDB
import ParticipantAPI
import Testing

extension EndToEnd {
    /// SIGINT / SIGTERM: stop claiming, let in-flight requests finish and be recorded, exit 130 / 143;
    /// the next run finishes cleanly.
    @Suite struct BinarySignalTests {
        let workspace = Workspace()

        func interruptMidway(with signal: Int32, jobs: Int) async throws {
            let codes: [String]
            do {
                let db = try workspace.openDatabase()
                codes = try workspace.ingestParticipants(jobs, into: db)
                try db.close()
            }
            try await withSandbox { sandbox in
                let path = workspace.databasePath
                let environment = BinaryResumeTests.environment(sandbox)
                let run = try BuiltBinary(BinaryResumeTests.runArguments("run", sandbox, database: path),
                                          environment: environment, outputIn: workspace.path, name: "run")
                defer { run.killIfRunning() }
                let midway = await eventually(timeout: .seconds(20)) {
                    !run.isRunning || Ledger.succeededCount(atPath: path) >= 100
                }
                #expect(midway && run.isRunning, "the run did not reach 100 succeeded jobs while running\n\(run.output)")
                run.signal(signal)
                let ended = try await run.waitForExit(timeout: .seconds(15))
                #expect(ended.reason == .exit, "\(run.output)")
                #expect(ended.status == 128 + signal, "\(run.output)")

                // In-flight requests were finished and recorded; claimed-but-unsent jobs went back to pending.
                let (inFlight, succeeded, exitCode, reason) = try Ledger.peek(path) { db in
                    (try Int.fetchOne(db, sql: db.onLatestTarget("SELECT count(*) FROM target_job WHERE is_current = 1 AND state = 'in_flight'")) ?? -1,
                     try Int.fetchOne(db, sql: db.onLatestTarget("SELECT count(*) FROM target_job WHERE is_current = 1 AND state = 'succeeded'")) ?? 0,
                     try Int.fetchOne(db, sql: "SELECT exit_code FROM run ORDER BY id DESC LIMIT 1"),
                     try String.fetchOne(db, sql: "SELECT coalesce(stop_message, stop_code) FROM run ORDER BY id DESC LIMIT 1"))
                }
                #expect(inFlight == 0)
                #expect(succeeded < jobs)
                #expect(exitCode == Int(128 + signal))
                #expect(reason == (signal == SIGINT ? "SIGINT" : "SIGTERM"))

                let next = try BuiltBinary(BinaryResumeTests.runArguments("run", sandbox, database: path),
                                           environment: environment, outputIn: workspace.path, name: "next")
                defer { next.killIfRunning() }
                let finished = try await next.waitForExit(timeout: .seconds(30))
                #expect(finished.reason == .exit && finished.status == 0, "\(next.output)")

                let state = sandbox.snapshot()
                #expect(state.updatesApplied == jobs)
                for code in codes {
                    #expect(state.participant(code)?.updatesApplied == 1, "participant \(code)")
                }
                let db = try workspace.openDatabase()
                #expect(try Ledger.jobs(db).allSatisfy { $0.state == "succeeded" })
                let attempts = try Ledger.attempts(db)
                // A graceful stop loses nothing: no attempt had to be marked interrupted.
                #expect(!attempts.contains { $0.outcome == "interrupted" })
                #expect(!attempts.contains { $0.errorClass == "idempotency_conflict" })
                #expect(attempts.filter { $0.outcome == "succeeded" }.count == jobs)
            }
        }

        @Test func sigintExits130AndTheNextRunFinishesCleanly() async throws {
            try await interruptMidway(with: SIGINT, jobs: 600)
        }

        @Test func sigtermExits143AndTheNextRunFinishesCleanly() async throws {
            try await interruptMidway(with: SIGTERM, jobs: 400)
        }
    
        @Test func aSecondSignalExitsAtOnceAndTheNextRunRecoversWhatWasInFlight() async throws {
            let codes: [String]
            do {
                let db = try workspace.openDatabase()
                codes = try workspace.ingestParticipants(40, into: db)
                try db.close()
            }
            // Every answer takes 1 s, so 8 requests are always in flight when the signals arrive.
            try await withSandbox({ $0.latency = .seconds(1) }) { sandbox in
                let path = workspace.databasePath
                let environment = BinaryResumeTests.environment(sandbox)
                let run = try BuiltBinary(BinaryResumeTests.runArguments("run", sandbox, database: path),
                                          environment: environment, outputIn: workspace.path, name: "run")
                defer { run.killIfRunning() }
                let midway = await eventually(timeout: .seconds(20)) {
                    !run.isRunning || Ledger.succeededCount(atPath: path) >= 8
                }
                #expect(midway && run.isRunning, "the run did not reach 8 succeeded jobs while running\n\(run.output)")
                run.signal(SIGINT)
                // The first signal is seen (the run says so) before the second is sent.
                let seen = await eventually(timeout: .seconds(5)) { run.output.contains("SIGINT: finishing") }
                #expect(seen, "\(run.output)")
                run.signal(SIGINT)
                let ended = try await run.waitForExit(timeout: .seconds(15))
                #expect(ended.reason == .exit && ended.status == 130, "\(run.output)")
                #expect(run.output.contains("second signal: exiting at once"))
                // It did not wait for the requests in flight: they are still marked so.
                let inFlight = try Ledger.peek(path) { db in
                    try Set(Int64.fetchAll(db, sql: db.onLatestTarget("SELECT id FROM target_job WHERE is_current = 1 AND state = 'in_flight'")))
                }
                #expect(!inFlight.isEmpty)

                let next = try BuiltBinary(BinaryResumeTests.runArguments("run", sandbox, database: path),
                                           environment: environment, outputIn: workspace.path, name: "next")
                defer { next.killIfRunning() }
                let finished = try await next.waitForExit(timeout: .seconds(30))
                #expect(finished.reason == .exit && finished.status == 0, "\(next.output)")

                let state = sandbox.snapshot()
                for code in codes {
                    #expect(state.participant(code)?.updatesApplied == 1, "participant \(code)")
                }
                let db = try workspace.openDatabase()
                #expect(try Ledger.jobs(db).allSatisfy { $0.state == "succeeded" })
                let attempts = try Ledger.attempts(db)
                #expect(Set(attempts.filter { $0.outcome == "interrupted" }.map(\.jobID)) == inFlight)
                #expect(!attempts.contains { $0.errorClass == "idempotency_conflict" || $0.status == 400 })
            }
        }
    }
}
