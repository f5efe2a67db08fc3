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
    /// Per-participant refusals fail only their job; answers that prove every request will fail stop the run
    /// at once with the remaining jobs untouched.
    @Suite struct StopConditionTests {
        let workspace = Workspace()

        @Test func participantRefusalsFailTheirJobWithTheAPIMessageAndTheRunGoesOn() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(10, into: db)
            try await withSandbox({ c in
                c.roster = (1...5).map { RosterEntry(participantCode: Participants.code($0)) }
                    + [RosterEntry(participantCode: Participants.code(6), isCustomer: false)]
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained)
                #expect(summary.exitCode == 2)
                #expect(summary.succeeded == 5)
                #expect(summary.failed == 5)
            }
            let jobs = try Ledger.jobs(db)
            let attempts = try Ledger.attempts(db)
            #expect(jobs.prefix(5).allSatisfy { $0.state == "succeeded" })
            #expect(jobs.dropFirst(5).allSatisfy { $0.state == "failed" && $0.attempts == 1 })
            let byJob = Dictionary(uniqueKeysWithValues: attempts.map { ($0.jobID, $0) })
            let sixth = try #require(byJob[jobs[5].id])
            #expect(sixth.status == 400)
            #expect(sixth.errorClass == "not_customer")
            #expect(sixth.message == APIMessage.notACustomer("P00006"))
            let seventh = try #require(byJob[jobs[6].id])
            #expect(seventh.status == 403)
            #expect(seventh.errorClass == "not_customer")
            #expect(seventh.message == APIMessage.notACustomerOf("P00007", platform: "PLAT01"))
        }

        @Test func anUnapprovedPlatformStopsTheRunAtTheFirst403() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(30, into: db)
            try await withSandbox({ $0.approved = false }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration { $0.concurrency = 1 },
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .stopped(code: "forbidden", message: "403: \(APIMessage.platformNotAllowed("PLAT01"))"))
                #expect(summary.exitCode == 1)
                #expect(summary.attempts == 1)
            }
            #expect(try Ledger.attempts(db).count == 1)
            #expect(try Ledger.jobs(db).allSatisfy { $0.state == "pending" && $0.attempts == 0 })
        }

        @Test func aWrongRouteStopsTheRunAtTheFirst404() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(30, into: db)
            try await withSandbox { sandbox in
                let configuration = sandbox.runConfiguration {
                    $0.baseURL = sandbox.baseURL + "/v2"
                    $0.concurrency = 1
                }
                let summary = try await runOffThePool(database: db, configuration: configuration,
                                                      credentials: sandbox.clientCredentials)
                guard case .stopped(let code, _) = summary.ending else {
                    Issue.record("expected a stop, got \(summary.ending)")
                    return
                }
                #expect(code == "not_found")
                #expect(summary.exitCode == 1)
                #expect(summary.attempts == 1)
                #expect(sandbox.snapshot().updatesApplied == 0)
            }
            #expect(try Ledger.attempts(db).map(\.status) == [404])
            #expect(try Ledger.jobs(db).allSatisfy { $0.state == "pending" })
        }

        @Test func theSameAnswerTooManyTimesInARowStopsTheRun() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(60, into: db)
            try await withSandbox({ $0.failRate = 1 }) { sandbox in
                let configuration = sandbox.runConfiguration {
                    $0.stopAfter = 3
                    $0.concurrency = 1
                }
                let summary = try await runOffThePool(database: db, configuration: configuration,
                                                      credentials: sandbox.clientCredentials)
                guard case .stopped(let code, let message) = summary.ending else {
                    Issue.record("expected a stop, got \(summary.ending)")
                    return
                }
                #expect(code == "repeated")
                #expect(message.hasPrefix("3 consecutive answers were the same (5"))
                #expect(summary.exitCode == 1)
                #expect(sandbox.snapshot().updatesApplied == 0)
            }
            let attempts = try Ledger.attempts(db)
            let lastThree = attempts.suffix(3)
            #expect(lastThree.count == 3)
            #expect(Set(lastThree.map(\.status)).count == 1)
            #expect(try Ledger.jobs(db).allSatisfy { $0.state == "pending" })
        }
    }
}
