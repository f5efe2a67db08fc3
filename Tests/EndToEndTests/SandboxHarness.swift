import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import GRDB
import Logging
import ParticipantAPI

/// Starts a sandbox in-process on an ephemeral loopback port (unlimited rate and a fixed seed unless told
/// otherwise), hands it to `body`, and shuts it down whatever happens.
func withSandbox<T>(_ configure: (inout SandboxConfiguration) -> Void = { _ in },
                    _ body: (RunningSandbox) async throws -> T) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.seed = 20_250_101
    configuration.rateLimit = nil
    configure(&configuration)
    let sandbox = try await Sandbox.start(configuration, logger: Logger(label: "sandbox") { _ in SwiftLogNoOpLogHandler() })
    do {
        let result = try await body(sandbox)
        await sandbox.shutdown()
        return result
    } catch {
        await sandbox.shutdown()
        throw error
    }
}

extension RunningSandbox {
    /// The credentials the sandbox accepts, as the run takes them.
    var clientCredentials: Credentials {
        Credentials(apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, passphrase: credentials.passphrase)
    }

    /// A run configuration aimed at this sandbox: fast enough for a test unless the test says otherwise.
    func runConfiguration(_ configure: (inout RunConfiguration) -> Void = { _ in }) -> RunConfiguration {
        var c = RunConfiguration()
        c.baseURL = baseURL
        c.rate = RateLimit(count: 1000, window: .seconds(1))
        c.timeout = .seconds(5)
        configure(&c)
        return c
    }
}

/// `Runner.run` blocks its thread (Dispatch workers): run it on a thread of its own, off the cooperative pool.
func runOffThePool(database: DatabaseQueue, configuration: RunConfiguration, credentials: Credentials,
                   logger: Logger = Logger(label: "backfill.run") { _ in SwiftLogNoOpLogHandler() },
                   events: RunEvents = RunEvents()) async throws -> RunSummary {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RunSummary, any Error>) in
        Thread {
            continuation.resume(with: Result {
                try Runner.run(database: database, configuration: configuration, credentials: credentials,
                               logger: logger, events: events)
            })
        }.start()
    }
}

/// Fresh random Base64 secret that no sandbox accepts.
func randomSecret() -> String {
    var rng = SystemRandomNumberGenerator()
    return Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
}
