import Foundation
import ParticipantAPI

/// Everything a sandbox needs to start: where to listen, whom to accept, which participants exist, and which faults to inject.
///
/// ```swift
/// var configuration = SandboxConfiguration()
/// configuration.rateLimit = RateLimit(count: 5, window: .seconds(1))
/// configuration.failRate = 0.1
/// configuration.seed = 42
/// let sandbox = try await Sandbox.start(configuration, logger: logger)
/// defer { Task { await sandbox.shutdown() } }
/// ```
public struct SandboxConfiguration: Sendable {
    /// The address to bind. Default: `127.0.0.1` (loopback).
    public var host: String = "127.0.0.1"
    /// The port to bind; 0 lets the system pick a free one. Default: 0.
    public var port: Int = 0
    /// Which authentication headers to expect (`X-SCX-` or `X-NDAX-`). Default: `.zerohash`.
    public var profile: Profile = .zerohash
    /// The API key, Base64 secret and passphrase the sandbox accepts. Default: freshly generated demo credentials.
    public var credentials: SandboxCredentials = .generated()
    /// The platform the credentials belong to, used in the API's messages and responses. Default: `PLAT01`.
    public var platformCode: String = "PLAT01"
    /// The known participants; nil means every code of 6 upper-case letters or digits is a customer. Default: nil.
    public var roster: [RosterEntry]? = nil
    /// Whether the platform may update customers; false answers every update with 403. Default: true.
    public var approved: Bool = true
    /// The rolling-window limit on arriving requests; nil means unlimited (for benchmarks). Default: `RateLimit.documented`.
    public var rateLimit: RateLimit? = .documented
    /// How long every request is refused with 429 once the limit is exceeded. Default: 10 s.
    public var lockout: Duration = RateLimit.documentedLockout
    /// `id_number_type` values accepted on top of `IDType.supported`. Default: none.
    public var extraIDTypes: [String] = []
    /// Share of authenticated requests answered 500, 502 or 503 without applying anything. Default: 0.
    public var failRate: Double = 0
    /// Share of authenticated requests applied normally but answered only after `slowDelay`. Default: 0.
    public var slowRate: Double = 0
    /// How long a slow answer is held back: longer than the client's timeout makes the ambiguous case. Default: 35 s.
    public var slowDelay: Duration = .seconds(35)
    /// Share of authenticated requests whose connection is closed without an answer, nothing applied. Default: 0.
    public var resetRate: Double = 0
    /// A fixed delay before every authenticated request is handled. Default: 0.
    public var latency: Duration = .zero
    /// The seed of the fault draws, so a run can be replayed; nil picks a random one (see `RunningSandbox.seed`). Default: nil.
    public var seed: UInt64? = nil
    /// The shape of the `GET /time` answer (Zero Hash documents both). Default: `.message`.
    public var timeFormat: TimeFormat = .message
    /// The server's wall clock in epoch milliseconds, for the timestamp window and `GET /time`. Default: the system clock.
    public var wallClock: @Sendable () -> Int64 = SandboxClock.systemMilliseconds
    /// The largest body accepted, in bytes. Default: 64 KiB.
    public var maxBodySize: Int = 64 * 1024
    /// Answer 400 `platform_updated_at is older than the participant's last update` to an update older than
    /// the last applied one (not a documented rule of the real API: it shows that history mode never sends
    /// out of order).
    public var rejectStaleUpdates: Bool = false
    /// Which published form of the endpoint to speak (`Contract`): body keys, rules, idempotency key, answers.
    /// Default: `.ndax`, the seed's, which in-process tests and harnesses have always started; `backfill sandbox`
    /// defaults to `.zerohash`. Every answer names it in `X-Backfill-Contract`.
    public var contract: Contract = .ndax
    /// Zero Hash's vendor-reliance track: `address_one` and `address_two` up to 200 characters (80 and 50 otherwise).
    /// Only the `zerohash` contract has these limits. Default: false.
    public var vendorReliance: Bool = false
    /// Share of first-time 200 answers whose echo shows a different value in one field (the stored record is
    /// right; only the answer drifts), drawn from the seed; for testing a client's echo check. Default: 0.
    public var echoDriftRate: Double = 0

    public init() {}

    public var apiKey: String {
        get { credentials.apiKey }
        set { credentials.apiKey = newValue }
    }

    public var apiSecret: String {
        get { credentials.apiSecret }
        set { credentials.apiSecret = newValue }
    }

    public var passphrase: String {
        get { credentials.passphrase }
        set { credentials.passphrase = newValue }
    }

    /// Fresh random demo credentials: a hex key, a Base64 secret of 32 random bytes, a hex passphrase.
    public static func generatedCredentials() -> SandboxCredentials { .generated() }

    /// Checks every value; the error names the offending property.
    public func validate() throws(SandboxConfigurationError) {
        func fail(_ field: String, _ message: String) -> SandboxConfigurationError {
            SandboxConfigurationError(field: field, message: message)
        }
        if host.isEmpty { throw fail("host", "must not be empty") }
        if !(0...65535).contains(port) { throw fail("port", "must be between 0 and 65535, got \(port)") }
        if credentials.apiKey.isEmpty { throw fail("apiKey", "must not be empty") }
        if credentials.passphrase.isEmpty { throw fail("passphrase", "must not be empty") }
        do {
            _ = try RequestSigner(base64Secret: credentials.apiSecret)
        } catch {
            throw fail("apiSecret", error.description)
        }
        if platformCode.isEmpty || platformCode.contains(where: \.isWhitespace) {
            throw fail("platformCode", "must be a non-empty code without spaces, got '\(platformCode)'")
        }
        if let roster {
            var seen: Set<String> = []
            for entry in roster where !seen.insert(entry.participantCode).inserted {
                throw fail("roster", "participant \(entry.participantCode) is listed twice")
            }
        }
        if lockout < .zero { throw fail("lockout", "must not be negative, got \(lockout.shortText)") }
        for (name, rate) in [("failRate", failRate), ("slowRate", slowRate), ("resetRate", resetRate), ("echoDriftRate", echoDriftRate)]
        where !(rate >= 0 && rate <= 1) {
            throw fail(name, "must be between 0 and 1, got \(rate)")
        }
        if failRate + slowRate + resetRate > 1 {
            throw fail("failRate", "failRate + slowRate + resetRate must not exceed 1, got \(failRate + slowRate + resetRate)")
        }
        if slowDelay < .zero { throw fail("slowDelay", "must not be negative, got \(slowDelay.shortText)") }
        if latency < .zero { throw fail("latency", "must not be negative, got \(latency.shortText)") }
        if maxBodySize <= 0 { throw fail("maxBodySize", "must be positive, got \(maxBodySize)") }
        for type in extraIDTypes where type.isEmpty || type.contains(where: \.isWhitespace) {
            throw fail("extraIDTypes", "'\(type)' is not a usable id type")
        }
    }
}

extension SandboxConfiguration {
    /// The two `GET /time` shapes Zero Hash's documents show.
    public enum TimeFormat: String, Sendable, CaseIterable {
        /// `{"message": {"epoch": 1715459200000, "epoch_units": "milliseconds", "iso_8601": "..."}}`.
        case message
        /// `{"epoch": 1550174574}`: top level, whole seconds.
        case seconds
    }
}

/// A configuration value that cannot be used, named by its property.
public struct SandboxConfigurationError: Error, Sendable, CustomStringConvertible {
    /// Stable code for the kind of error.
    public let code = "invalid_sandbox_configuration"
    /// The property at fault, e.g. `failRate`.
    public let field: String
    /// What is wrong with it.
    public let message: String

    public var description: String { "\(field): \(message)" }
}

/// The credentials a sandbox accepts. The secret is Base64, as the API issues it.
public struct SandboxCredentials: Sendable, Equatable {
    public var apiKey: String
    public var apiSecret: String
    public var passphrase: String

    public init(apiKey: String, apiSecret: String, passphrase: String) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.passphrase = passphrase
    }

    /// Random demo credentials, different each time.
    public static func generated() -> SandboxCredentials {
        var rng = SystemRandomNumberGenerator()
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        func hex(_ b: [UInt8]) -> String { b.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
        return SandboxCredentials(
            apiKey: "sandbox-" + hex(bytes(12)),
            apiSecret: Data(bytes(32)).base64EncodedString(),
            passphrase: hex(bytes(10))
        )
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
