import Hummingbird
import Logging
import NIOCore
import ParticipantAPI
// Hummingbird's own lifecycle dependency (not declared by this package): used for a graceful stop.
import ServiceLifecycle

/// A local server that behaves like `PATCH /participants/customers/{participant_code}`:
/// same authentication, validation, idempotency and rate limit, and faults on demand, under the contract
/// `SandboxConfiguration.contract` names (Zero Hash's published one, or the seed's).
///
/// ```swift
/// var configuration = SandboxConfiguration()
/// configuration.rateLimit = nil
/// let sandbox = try await Sandbox.start(configuration, logger: Logger(label: "sandbox"))
/// print(sandbox.baseURL)          // http://127.0.0.1:54321
/// // ... send requests signed with sandbox.credentials ...
/// let state = sandbox.snapshot()  // records, update counts, answers by status
/// await sandbox.shutdown()
/// ```
public enum Sandbox {
    /// Validates `configuration`, binds, and returns once the server is listening.
    /// - Throws: `SandboxConfigurationError` for a bad value, or the bind error (port in use, unknown host).
    public static func start(_ configuration: SandboxConfiguration, logger: Logger) async throws -> RunningSandbox {
        try configuration.validate()
        let seed = configuration.seed ?? UInt64.random(in: 0...UInt64.max)
        let ledger = SharedLedger(SandboxLedger(configuration: configuration, seed: seed))
        let responder = SandboxResponder(
            ledger: ledger,
            contract: configuration.contract,
            authenticator: try RequestAuthenticator(profile: configuration.profile, credentials: configuration.credentials),
            rules: SegmentRules(
                contract: configuration.contract, extraIDTypes: configuration.extraIDTypes,
                vendorReliance: configuration.vendorReliance
            ),
            wallClock: configuration.wallClock,
            timeFormat: configuration.timeFormat,
            latency: configuration.latency,
            slowDelay: configuration.slowDelay,
            maxBodySize: configuration.maxBodySize,
            isRateLimited: configuration.rateLimit != nil,
            faultsInert: configuration.failRate == 0 && configuration.slowRate == 0 && configuration.resetRate == 0
        )

        let (listening, listener) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                listener.yield(channel.localAddress?.port ?? configuration.port)
                listener.finish()
            },
            logger: logger
        )
        var lifecycle = ServiceGroupConfiguration(services: [app], logger: logger)
        // Answers in progress get this long to finish at shutdown; a slow fault's answer is then dropped.
        lifecycle.maximumGracefulShutdownDuration = .milliseconds(500)
        let group = ServiceGroup(configuration: lifecycle)
        let server = Task {
            defer { listener.finish() }
            try await group.run()
        }
        var ports = listening.makeAsyncIterator()
        guard let port = await ports.next() else {
            // The server stopped before listening: its error says why.
            try await server.value
            throw CancellationError()
        }
        return RunningSandbox(configuration: configuration, port: port, seed: seed, ledger: ledger, group: group, server: server)
    }
}

/// A started sandbox: where it listens, what it accepts, what it has seen so far, and how to stop it.
public final class RunningSandbox: Sendable {
    /// The configuration it was started with.
    public let configuration: SandboxConfiguration
    /// The bound port (the system's pick when the configuration said 0).
    public let port: Int
    /// The seed of the fault draws, to replay this run with `--seed`.
    public let seed: UInt64
    private let ledger: SharedLedger
    private let group: ServiceGroup
    private let server: Task<Void, any Error>

    init(
        configuration: SandboxConfiguration, port: Int, seed: UInt64, ledger: SharedLedger,
        group: ServiceGroup, server: Task<Void, any Error>
    ) {
        self.configuration = configuration
        self.port = port
        self.seed = seed
        self.ledger = ledger
        self.group = group
        self.server = server
    }

    /// `http://host:port`, e.g. `http://127.0.0.1:54321` (IPv6 hosts in brackets).
    public var baseURL: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)"
    }

    /// The credentials the sandbox accepts.
    public var credentials: SandboxCredentials { configuration.credentials }

    /// Every participant's current record and update count, and the answers given so far.
    public func snapshot() -> SandboxState {
        ledger.withLock { $0.snapshot() }
    }

    /// Test hook: the platform changes a participant's email outside any PATCH this sandbox receives (support
    /// freed an address for someone else), as Zero Hash's record would change behind a backfill's back. The old
    /// address becomes free; the new one must not be someone else's. Returns false when the participant is unknown
    /// or the address is taken.
    @discardableResult
    public func changeEmail(of participantCode: String, to email: String) -> Bool {
        ledger.withLock { $0.changeEmail(of: participantCode, to: email) }
    }

    /// Writes `snapshot()` as JSON to `path`.
    public func writeState(to path: String) throws {
        try snapshot().write(to: path)
    }

    /// Stops listening, lets answers in progress finish for up to 500 ms, then drops the rest
    /// (an answer held back by the slow fault is never sent). Calling it again does nothing more.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = await server.result
    }
}
