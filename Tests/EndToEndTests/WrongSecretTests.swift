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
    /// A typo in a credential stops the run at the first 401, leaves every other job untouched, and neither the
    /// secret nor the passphrase reaches the database, the logs or the output.
    @Suite struct WrongSecretTests {
        let workspace = Workspace()

        /// Runs with a wrong secret (the sandbox's key and passphrase) and returns what it left behind.
        func runWithWrongSecret(concurrency: Int, rate: RateLimit = RateLimit(count: 1000, window: .seconds(1))) async throws -> (summary: RunSummary, secrets: [String], logged: String, printed: String) {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(60, into: db)
            let logs = LogCapture()
            let output = OutputCapture()
            return try await withSandbox { sandbox in
                let wrong = Credentials(apiKey: sandbox.credentials.apiKey, apiSecret: randomSecret(),
                                        passphrase: sandbox.credentials.passphrase)
                let configuration = sandbox.runConfiguration {
                    $0.concurrency = concurrency
                    $0.rate = rate
                }
                let events = RunEvents(progressEvery: .milliseconds(100), progress: { output.sink("\($0)\n") })
                let summary = try await runOffThePool(database: db, configuration: configuration, credentials: wrong,
                                                      logger: logs.logger(label: "backfill.run"), events: events)
                #expect(sandbox.snapshot().updatesApplied == 0)
                #expect(sandbox.snapshot().requestsByStatus[401] == summary.attempts)
                return (summary, [wrong.apiSecret, sandbox.credentials.apiSecret, wrong.passphrase], logs.text, output.text)
            }
        }

        func expectNoSecretAnywhere(_ secrets: [String], logged: String, printed: String, summary: RunSummary) throws {
            let bytes = try workspace.databaseBytes()
            // The grep can find what is there: the participants' emails are in the file.
            #expect(bytes.contains(text: "p00001@example.com"))
            for secret in secrets {
                #expect(!bytes.contains(text: secret), "a secret is in the database file")
                #expect(!logged.contains(secret), "a secret was logged")
                #expect(!printed.contains(secret), "a secret was printed")
                #expect(!"\(summary.ending)".contains(secret))
            }
            // Decoded, too: the raw key bytes never reach the file.
            if let raw = Data(base64Encoded: secrets[0]) {
                #expect(!bytes.contains(bytes: Array(raw)))
            }
        }

        @Test func stopsAfterTheFirst401WithEveryOtherJobPending() async throws {
            let (summary, secrets, logged, printed) = try await runWithWrongSecret(concurrency: 1)
            guard case .stopped(let code, let message) = summary.ending else {
                Issue.record("expected the run to stop, got \(summary.ending)")
                return
            }
            #expect(code == "unauthorized")
            #expect(message == "401 Unauthorized: Invalid signature")
            #expect(summary.exitCode == 1)
            #expect(summary.attempts == 1)

            let db = try workspace.openDatabase()
            let attempts = try Ledger.attempts(db)
            #expect(attempts.count == 1)
            #expect(attempts.first?.status == 401)
            #expect(attempts.first?.outcome == "stopped")
            #expect(attempts.first?.errorClass == "unauthorized")
            #expect(attempts.first?.message == "Invalid signature")
            let jobs = try Ledger.jobs(db)
            #expect(jobs.count == 60)
            #expect(jobs.allSatisfy { $0.state == "pending" && $0.attempts == 0 })
            try expectNoSecretAnywhere(secrets, logged: logged, printed: printed, summary: summary)
            #expect(logged.contains("run stopped: 401 Unauthorized"))
        }

        @Test func slowStartCostsExactlyOne401AtTheDocumentedRateWithTheDefaultCeiling() async throws {
            let (summary, secrets, logged, printed) = try await runWithWrongSecret(concurrency: RunConfiguration().concurrency,
                                                                                  rate: RateLimit(count: 2000, window: .seconds(10)))
            #expect(summary.exitCode == 1)
            let db = try workspace.openDatabase()
            let attempts = try Ledger.attempts(db)
            #expect(attempts.count == 1)
            #expect(attempts.allSatisfy { $0.status == 401 })
            let jobs = try Ledger.jobs(db)
            #expect(jobs.allSatisfy { $0.state == "pending" && $0.attempts == 0 })
            try expectNoSecretAnywhere(secrets, logged: logged, printed: printed, summary: summary)
        }
    }
}
