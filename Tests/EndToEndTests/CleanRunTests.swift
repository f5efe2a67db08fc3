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
    /// A run against a well-behaved sandbox: every job sent once, applied once, recorded once.
    @Suite struct CleanRunTests {
        let workspace = Workspace()

        @Test func everyJobSucceedsAndEachParticipantIsUpdatedExactlyOnce() async throws {
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(300, into: db)
            try await withSandbox { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained)
                #expect(summary.exitCode == 0)
                #expect(summary.succeeded == 300)
                #expect(summary.failed == 0)
                #expect(summary.attempts == 300)
                #expect(summary.jobs["succeeded"] == 300)

                let state = sandbox.snapshot()
                #expect(state.updatesApplied == 300)
                #expect(state.idempotentReplays == 0)
                for code in codes {
                    let record = try #require(state.participant(code))
                    #expect(record.updatesApplied == 1)
                    // The stored bytes arrived as ingest built them.
                    #expect(record[.email] == code.lowercased() + "@example.com")
                    #expect(record[.country] == "United States")
                }
            }

            let jobs = try Ledger.jobs(db)
            #expect(jobs.count == 300)
            #expect(jobs.allSatisfy { $0.state == "succeeded" && $0.attempts == 1 })
            let attempts = try Ledger.attempts(db)
            #expect(attempts.count == 300)
            #expect(Set(attempts.map(\.jobID)) == Set(jobs.map(\.id)))
            #expect(attempts.allSatisfy { $0.status == 200 && $0.outcome == "succeeded" && $0.number == 1 && $0.errorClass == nil })
            let requestIDs = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0.requestID) })
            #expect(attempts.allSatisfy { requestIDs[$0.jobID] == $0.requestID && $0.endedAt >= $0.startedAt })
        }

        @Test func aSecondRunOfADrainedDatabaseSendsNothing() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(20, into: db)
            try await withSandbox { sandbox in
                let first = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                    credentials: sandbox.clientCredentials)
                #expect(first.exitCode == 0)
                let second = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                     credentials: sandbox.clientCredentials)
                #expect(second.ending == .drained)
                #expect(second.exitCode == 0)
                #expect(second.attempts == 0)
                #expect(sandbox.snapshot().updatesApplied == 20)
            }
            #expect(try Ledger.attempts(db).count == 20)
        }
    
        @Test func limitSendsAtMostThatManyJobsAndLeavesTheRestPending() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(30, into: db)
            try await withSandbox { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration { $0.limit = 7 },
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained)
                #expect(summary.attempts == 7)
                #expect(summary.succeeded == 7)
                #expect(sandbox.snapshot().updatesApplied == 7)
            }
            let jobs = try Ledger.jobs(db)
            // The first jobs in id order, as a canary would expect.
            #expect(jobs.prefix(7).allSatisfy { $0.state == "succeeded" })
            #expect(jobs.dropFirst(7).allSatisfy { $0.state == "pending" && $0.attempts == 0 })
            #expect(try Ledger.attempts(db).count == 7)
        }
    }
}
