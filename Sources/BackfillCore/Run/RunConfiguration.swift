import BackfillStore
import Foundation
import ParticipantAPI

/// How `backfill run` sends. Every property has a default; `validate()` names the field at fault.
public struct RunConfiguration: Sendable {
    /// Header names and default host. Default: `.zerohash`.
    public var profile: Profile = .zerohash
    /// Which documented host. Default: `.cert`.
    public var environment: Environment = .cert
    /// Overrides the documented host, e.g. a sandbox's URL. Default: nil.
    public var baseURL: String?
    /// Needed to send to a production host. Default: false.
    public var confirmProduction = false
    /// The ceiling of the in-flight window: never more requests in flight at once. The window itself follows
    /// the need (rate × measured latency, with headroom), starting at 1. Default: 256.
    public var concurrency = 256
    /// Never more than this many starts in any rolling window; nil = unpaced (benchmarks against a local
    /// sandbox only). Default: 1000/10s (half the documented limit).
    public var rate: RateLimit? = RateLimit(count: 1000, window: .seconds(10))
    /// Per-request timeout. Default: 30 s.
    public var timeout: Duration = .seconds(30)
    /// Backoff and attempt limit. Default: `RetryPolicy()` (8 attempts, cap 5 minutes).
    public var retry = RetryPolicy()
    /// Stop after this many consecutive answers with the same status and message. Default: 20.
    public var stopAfter = 20
    /// `--max-lockouts`: stop once the run has caused this many lockouts of the IP (each 429 locks out everything
    /// the IP sends for 10 s, the platform's own traffic included).
    public var maxLockouts = 3
    /// Send at most this many jobs (a canary). Default: nil (all).
    public var limit: Int?
    /// PEM file of CA certificates to trust besides the system's (a TLS-inspecting proxy, a test server).
    public var caFile: String?
    /// Install SIGINT/SIGTERM handlers (the CLI does; in-process tests do not). Default: false.
    public var handleSignals = false
    /// Jobs claimed per database transaction. Default: 64.
    public var claimBatch = 64
    /// Results written per database transaction (at most); pending results are also flushed every 250 ms. Default: 256.
    public var writeBatch = 256
    /// The contract of the database's bodies (set by `Runner` from the database): how answers are classified and
    /// what a 200's echo is compared with. Default: `.ndax`.
    public var contract: Contract = .ndax
    /// Set by `Runner` when `GET /time` answered 404 (a wrong path): a 404 to a PATCH then stops the run as the
    /// route's, instead of failing one participant as unknown to Zero Hash.
    public var notFoundIsRoute = false

    public init() {}

    /// Sends to `choice`'s target (its profile, environment and base URL); every other property has its default.
    public init(_ choice: TargetChoice) {
        profile = choice.profile
        environment = choice.environment
        baseURL = choice.baseURL
    }

    /// The base URL requests go to.
    public var resolvedBaseURL: String {
        var url = baseURL ?? profile.baseURL(environment: environment)
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Where requests go: the profile plus the base URL.
    public var target: Target { Target(profile: profile, baseURL: resolvedBaseURL) }

    /// The host part of the base URL.
    public var host: String? { target.host }

    /// True when the base URL names a production host.
    public var isProduction: Bool { target.isProduction }


    /// Every check, the production confirmation included.
    public func validate() throws {
        try validateOptions()
        if isProduction && !confirmProduction {
            throw BackfillError("production_unconfirmed",
                                "\(resolvedBaseURL) is a production host: pass --confirm-production (or answer yes on a terminal) to send real updates")
        }
    }

    /// Every check but the production confirmation (asked for after the options are known good).
    public func validateOptions() throws {
        guard let components = URLComponents(string: resolvedBaseURL), let scheme = components.scheme,
              scheme == "http" || scheme == "https", components.host?.isEmpty == false else {
            throw BackfillError("bad_option", "--base-url '\(resolvedBaseURL)': expected http(s)://host[:port]")
        }
        if concurrency < 1 || concurrency > 512 { throw BackfillError("bad_option", "--concurrency \(concurrency): expected 1 to 512") }
        if timeout <= .zero { throw BackfillError("bad_option", "--timeout: must be positive") }
        if retry.maxAttempts < 1 { throw BackfillError("bad_option", "--max-attempts \(retry.maxAttempts): expected at least 1") }
        if stopAfter < 1 { throw BackfillError("bad_option", "--stop-after \(stopAfter): expected at least 1") }
        if maxLockouts < 1 { throw BackfillError("bad_option", "--max-lockouts \(maxLockouts): expected at least 1") }
        if let limit, limit < 1 { throw BackfillError("bad_option", "--limit \(limit): expected at least 1") }
        if rate == nil && !target.isLoopback {
            throw BackfillError("bad_option", "--rate unlimited is for a local sandbox only (127.0.0.1 or localhost)")
        }
        if let rate { try target.checkRate(rate, label: "--rate \(rate)") }
    }
}
