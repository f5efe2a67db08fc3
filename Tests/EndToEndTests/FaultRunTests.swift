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
    /// 5% 5xx, 2% applied-but-answered-after-the-timeout, 1% connection resets: every job still ends succeeded,
    /// each participant is updated exactly once, and no retry is ever refused as a reused request_id.
    @Suite struct FaultRunTests {
        let workspace = Workspace()

        @Test func everyJobSucceedsOnceDespiteFailuresSlowAnswersAndResets() async throws {
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(400, into: db)
            try await withSandbox({ c in
                c.failRate = 0.05
                c.slowRate = 0.02
                c.slowDelay = .seconds(1)
                c.resetRate = 0.01
            }) { sandbox in
                let configuration = sandbox.runConfiguration { $0.timeout = .milliseconds(300) }
                let summary = try await runOffThePool(database: db, configuration: configuration,
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained)
                #expect(summary.exitCode == 0)
                #expect(summary.succeeded == 400)
                #expect(summary.failed == 0)

                let state = sandbox.snapshot()
                #expect(state.updatesApplied == 400)
                for code in codes {
                    #expect(state.participant(code)?.updatesApplied == 1, "participant \(code)")
                }
                // The faults did happen: a slow answer's retry was answered from the idempotency memory.
                #expect(state.idempotentReplays >= 1)
                #expect(state.connectionResets >= 1)
                #expect((state.requestsByStatus[500] ?? 0) + (state.requestsByStatus[502] ?? 0) + (state.requestsByStatus[503] ?? 0) >= 1)
            }

            let jobs = try Ledger.jobs(db)
            #expect(jobs.allSatisfy { $0.state == "succeeded" })
            let attempts = try Ledger.attempts(db)
            #expect(!attempts.contains { $0.errorClass == "idempotency_conflict" })
            #expect(!attempts.contains { $0.status == 400 })
            let classes = Set(attempts.compactMap(\.errorClass))
            #expect(classes.isSubset(of: ["server", "timeout", "network"]))
            #expect(classes.contains("timeout"))
            #expect(classes.contains("server"))
            #expect(classes.contains("network"))
            // A retry resends the same request_id; every job's attempts are its ledger rows.
            let requestIDs = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0.requestID) })
            #expect(attempts.allSatisfy { requestIDs[$0.jobID] == $0.requestID })
            let perJob = Dictionary(attempts.map { ($0.jobID, 1) }, uniquingKeysWith: +)
            #expect(jobs.allSatisfy { perJob[$0.id] == $0.attempts })
            #expect(attempts.filter { $0.outcome == "succeeded" }.count == 400)
        }
    }
}
