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
    /// A host that cannot be reached is said plainly, naming the host and port and what to check. At start-up
    /// (`GET /time`) a refused connection or a failed TLS handshake ends the run at once with exit status 1 and
    /// nothing sent; during the run a reset connection is retried.
    @Suite struct UnreachableTests {
        let workspace = Workspace()

        /// A loopback port nothing listens on: a sandbox bound it, then closed it.
        static func closedPort() async throws -> Int {
            try await withSandbox { $0.port }
        }

        static func refused(_ port: Int) -> String {
            "connection refused by 127.0.0.1:\(port): is the server running, and is --base-url right? Nothing was sent."
        }

        /// Runs to its end and returns the error it threw, with how long it took.
        func failingRun(_ configuration: RunConfiguration, credentials: Credentials) async throws -> (BackfillError, Duration) {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(5, into: db)
            let started = ContinuousClock.now
            do {
                let summary = try await runOffThePool(database: db, configuration: configuration, credentials: credentials)
                Issue.record("the run went ahead: \(summary.ending)")
                throw CancellationError()
            } catch let error as BackfillError {
                #expect(try Ledger.attempts(db).isEmpty)
                #expect(try Ledger.jobs(db).allSatisfy { $0.state == "pending" && $0.attempts == 0 })
                return (error, ContinuousClock.now - started)
            }
        }

        @Test func aRefusedConnectionAtStartUpFailsAtOnceNamingHostAndPort() async throws {
            let port = try await Self.closedPort()
            var configuration = RunConfiguration()
            configuration.baseURL = "http://127.0.0.1:\(port)"
            let credentials = Credentials(apiKey: "test-key", apiSecret: randomSecret(), passphrase: "test-passphrase")
            let (error, elapsed) = try await failingRun(configuration, credentials: credentials)
            #expect(error == BackfillError("unreachable", Self.refused(port)))
            #expect(elapsed < .seconds(3), "took \(elapsed)")
        }

        @Test func theBinaryExitsOneAtOnceWithThePlainMessage() async throws {
            let port = try await Self.closedPort()
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(5, into: db)
            try db.close()
            let secret = randomSecret()
            let started = ContinuousClock.now
            let process = try BuiltBinary(
                ["run", "--db", workspace.databasePath, "--base-url", "http://127.0.0.1:\(port)", "--log-level", "warning"],
                environment: ["BACKFILL_API_KEY": "test-key", "BACKFILL_API_SECRET": secret, "BACKFILL_API_PASSPHRASE": "test-passphrase"],
                outputIn: workspace.path, name: "run-refused")
            defer { process.killIfRunning() }
            let exit = try await process.waitForExit(timeout: .seconds(30))
            let elapsed = ContinuousClock.now - started
            #expect(exit.reason == .exit && exit.status == 1, "\(process.output)")
            #expect(elapsed < .seconds(3), "took \(elapsed)")
            let stderr = (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? ""
            #expect(stderr.split(separator: "\n").last.map(String.init) == "error: \(Self.refused(port))", "\(stderr)")
            #expect(!stderr.contains(secret) && !stderr.contains("test-passphrase"))
        }

        @Test func httpsToAPlainHTTPServerFailsTheTLSHandshakeAtStartUp() async throws {
            try await withSandbox { sandbox in
                let configuration = sandbox.runConfiguration { $0.baseURL = "https://127.0.0.1:\(sandbox.port)" }
                let (error, elapsed) = try await failingRun(configuration, credentials: sandbox.clientCredentials)
                #expect(error.code == "unreachable")
                #expect(error.message == "TLS handshake with 127.0.0.1:\(sandbox.port) failed: wrong version number: does 127.0.0.1:\(sandbox.port) speak HTTPS, with a certificate valid for 127.0.0.1? Nothing was sent.")
                #expect(elapsed < .seconds(3), "took \(elapsed)")
                #expect(sandbox.snapshot().updatesApplied == 0)
            }
        }

        @Test func aConnectionResetDuringTheRunIsRetriedAsNetwork() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(5, into: db)
            try await withSandbox({ $0.resetRate = 1 }) { sandbox in
                let configuration = sandbox.runConfiguration {
                    $0.concurrency = 1
                    $0.stopAfter = 3
                    $0.retry = RetryPolicy(maxAttempts: 8, base: .milliseconds(10), cap: .milliseconds(20))
                }
                let summary = try await runOffThePool(database: db, configuration: configuration,
                                                      credentials: sandbox.clientCredentials)
                let reset = "connection reset by 127.0.0.1:\(sandbox.port) (retried)"
                #expect(summary.ending == .stopped(
                    code: "repeated",
                    message: "3 consecutive answers were the same (\(reset)); stopping so that every remaining job is not spent on it (--stop-after 3)"))
                let attempts = try Ledger.attempts(db)
                #expect(attempts.count == 3)
                #expect(attempts.allSatisfy { $0.status == nil && $0.errorClass == "network" && $0.message == reset },
                        "\(attempts.map { $0.message ?? "nil" })")
                #expect(sandbox.snapshot().updatesApplied == 0)
            }
        }
    }
}
