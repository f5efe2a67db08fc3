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
    /// The built `backfill` binary, killed with SIGKILL mid-run and resumed: every participant ends updated
    /// exactly once, the lost attempts are marked interrupted, and no resend is refused as a reused request_id.
    @Suite struct BinaryResumeTests {
        let workspace = Workspace()

        static func environment(_ sandbox: RunningSandbox) -> [String: String] {
            ["BACKFILL_API_KEY": sandbox.credentials.apiKey, "BACKFILL_API_SECRET": sandbox.credentials.apiSecret,
             "BACKFILL_API_PASSPHRASE": sandbox.credentials.passphrase]
        }

        static func runArguments(_ command: String, _ sandbox: RunningSandbox, database: String) -> [String] {
            [command, "--db", database, "--base-url", sandbox.baseURL, "--rate", "200/1s", "--concurrency", "8",
             "--log-level", "warning"]
        }

        @Test func aRunKilledMidwayAndResumedUpdatesEveryParticipantExactlyOnce() async throws {
            let codes: [String]
            do {
                let db = try workspace.openDatabase()
                codes = try workspace.ingestParticipants(1_000, into: db)
                try db.close()
            }
            // 50 ms a request: about ten are in flight (written, so marked) at any moment. With no latency the
            // few requests in flight may not have had their marks committed when the kill comes.
            try await withSandbox({ $0.latency = .milliseconds(50) }) { sandbox in
                let path = workspace.databasePath
                let first = try BuiltBinary(Self.runArguments("run", sandbox, database: path),
                                            environment: Self.environment(sandbox), outputIn: workspace.path, name: "run")
                defer { first.killIfRunning() }
                let midway = await eventually(timeout: .seconds(20)) {
                    !first.isRunning || Ledger.succeededCount(atPath: path) >= 300
                }
                #expect(midway && first.isRunning, "the run did not reach 300 succeeded jobs while running\n\(first.output)")
                first.signal(SIGKILL)
                let killed = try await first.waitForExit()
                #expect(killed.reason == .uncaughtSignal && killed.status == SIGKILL)

                // What the killed run left: some jobs done, some claimed or in flight, the rest pending.
                let (inFlight, succeeded) = try Ledger.peek(path) { db in
                    (try Set(Int64.fetchAll(db, sql: db.onLatestTarget("SELECT id FROM target_job WHERE is_current = 1 AND state = 'in_flight'"))),
                     try Int.fetchOne(db, sql: db.onLatestTarget("SELECT count(*) FROM target_job WHERE is_current = 1 AND state = 'succeeded'")) ?? 0)
                }
                #expect(!inFlight.isEmpty)
                #expect(succeeded >= 300 && succeeded < 1_000)

                let resume = try BuiltBinary(Self.runArguments("resume", sandbox, database: path),
                                             environment: Self.environment(sandbox), outputIn: workspace.path, name: "resume")
                defer { resume.killIfRunning() }
                let resumed = try await resume.waitForExit(timeout: .seconds(30))
                #expect(resumed.reason == .exit && resumed.status == 0, "\(resume.output)")
                #expect(resume.output.contains("resent after an interrupted run: \(inFlight.count)"))

                let state = sandbox.snapshot()
                #expect(state.updatesApplied == 1_000)
                for code in codes {
                    #expect(state.participant(code)?.updatesApplied == 1, "participant \(code)")
                }
                for output in [first.output, resume.output] {
                    #expect(!output.contains(sandbox.credentials.apiSecret))
                    #expect(!output.contains(sandbox.credentials.passphrase))
                }

                let db = try workspace.openDatabase()
                let jobs = try Ledger.jobs(db)
                #expect(jobs.count == 1_000)
                #expect(jobs.allSatisfy { $0.state == "succeeded" })
                let attempts = try Ledger.attempts(db)
                let interrupted = attempts.filter { $0.outcome == "interrupted" }
                #expect(Set(interrupted.map(\.jobID)) == inFlight)
                #expect(interrupted.count == inFlight.count)
                #expect(interrupted.allSatisfy { $0.errorClass == "interrupted" && $0.status == nil })
                #expect(!attempts.contains { $0.errorClass == "idempotency_conflict" })
                #expect(!attempts.contains { $0.status == 400 })
                // Resent with the stored request_id.
                let requestIDs = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0.requestID) })
                #expect(attempts.allSatisfy { requestIDs[$0.jobID] == $0.requestID })
                let lock = try await db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM run_lock") }
                #expect(lock == 0)
            }
        }

        /// At 300 ms a request, about sixty are in flight when the run is killed. The ledger may only call
        /// `interrupted` what may have reached the server: never more than the requests the sandbox received
        /// whose answers the ledger had not recorded. Jobs claimed but never sent go back with no attempt.
        @Test func afterASIGKILLTheInterruptedAttemptsAreNoMoreThanTheRequestsLeftUnanswered() async throws {
            do {
                let db = try workspace.openDatabase()
                try workspace.ingestParticipants(2_000, into: db)
                try db.close()
            }
            try await withSandbox({ $0.latency = .milliseconds(300) }) { sandbox in
                let path = workspace.databasePath
                let arguments = ["--db", path, "--base-url", sandbox.baseURL, "--rate", "200/1s", "--log-level", "warning"]
                let first = try BuiltBinary(["run"] + arguments, environment: Self.environment(sandbox),
                                            outputIn: workspace.path, name: "run-latency")
                defer { first.killIfRunning() }
                let midway = await eventually(timeout: .seconds(30)) {
                    !first.isRunning || Ledger.succeededCount(atPath: path) >= 300
                }
                #expect(midway && first.isRunning, "the run did not reach 300 succeeded jobs while running\n\(first.output)")
                first.signal(SIGKILL)
                _ = try await first.waitForExit()
                // Every request that reached the sandbox is answered (into a closed connection) 300 ms later.
                let settled = await eventually(timeout: .seconds(10)) { sandbox.snapshot().requestsInProgress == 0 }
                #expect(settled)
                let received = sandbox.snapshot().patchesReceived
                let (answered, inFlight, claimed) = try Ledger.peek(path) { db in
                    (try Int.fetchOne(db, sql: db.onLatestTarget("SELECT count(*) FROM target_attempt")) ?? 0,
                     try Int.fetchOne(db, sql: db.onLatestTarget("SELECT count(*) FROM target_job WHERE is_current = 1 AND state = 'in_flight'")) ?? 0,
                     try Int.fetchOne(db, sql: db.onLatestTarget("SELECT count(*) FROM target_job WHERE is_current = 1 AND state = 'claimed'")) ?? 0)
                }
                let unanswered = received - answered
                #expect(unanswered > 10, "received \(received), answers recorded \(answered)")
                #expect(inFlight > 0 && inFlight <= unanswered, "in flight \(inFlight), claimed \(claimed), unanswered \(unanswered)")

                let resume = try BuiltBinary(["resume"] + arguments, environment: Self.environment(sandbox),
                                             outputIn: workspace.path, name: "resume-latency")
                defer { resume.killIfRunning() }
                let resumed = try await resume.waitForExit(timeout: .seconds(60))
                #expect(resumed.reason == .exit && resumed.status == 0, "\(resume.output)")

                let db = try workspace.openDatabase()
                let attempts = try Ledger.attempts(db)
                let interrupted = attempts.filter { $0.outcome == "interrupted" }.count
                #expect(interrupted == inFlight)
                #expect(interrupted <= unanswered, "\(interrupted) interrupted, \(unanswered) received without a recorded answer")
                #expect(try Ledger.jobs(db).allSatisfy { $0.state == "succeeded" })
                let state = sandbox.snapshot()
                #expect(state.updatesApplied == 2_000)
                #expect(state.participants.allSatisfy { $0.updatesApplied <= 1 })
            }
        }
    }
}
