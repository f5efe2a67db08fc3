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
    /// Requests in flight at once. Default: 8.
    public var concurrency = 8
    /// Never more than this many starts in any rolling window; nil = unpaced (benchmarks against a local
    /// sandbox only). Default: 1000/10s (half the documented limit).
    public var rate: RateLimit? = RateLimit(count: 1000, window: .seconds(10))
    /// Per-request timeout. Default: 30 s.
    public var timeout: Duration = .seconds(30)
    /// Backoff and attempt limit. Default: `RetryPolicy()` (8 attempts, cap 5 minutes).
    public var retry = RetryPolicy()
    /// Stop after this many consecutive answers with the same status and message. Default: 20.
    public var stopAfter = 20
    /// Send at most this many jobs (a canary). Default: nil (all).
    public var limit: Int?
    /// Install SIGINT/SIGTERM handlers (the CLI does; in-process tests do not). Default: false.
    public var handleSignals = false
    /// Show a live progress line (on a terminal) or a status line every few seconds. Default: nil (no progress).
    public var progress: ProgressStyle?
    /// Jobs claimed per database transaction. Default: 64.
    public var claimBatch = 64
    /// Results written per database transaction (at most); pending results are also flushed every 250 ms. Default: 256.
    public var writeBatch = 256

    public enum ProgressStyle: Sendable {
        /// A single line rewritten in place.
        case terminal
        /// A line every `every`.
        case lines(every: Duration)
    }

    public init() {}

    /// The base URL requests go to.
    public var resolvedBaseURL: String {
        var url = baseURL ?? profile.baseURL(environment: environment)
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The host part of the base URL.
    public var host: String? { URLComponents(string: resolvedBaseURL)?.host }

    /// True when the base URL names a production host.
    public var isProduction: Bool {
        guard let host else { return false }
        return Profile.productionHosts.contains(host.lowercased())
    }

    public func validate() throws {
        guard let components = URLComponents(string: resolvedBaseURL), let scheme = components.scheme,
              scheme == "http" || scheme == "https", components.host?.isEmpty == false else {
            throw BackfillError("bad_option", "--base-url '\(resolvedBaseURL)': expected http(s)://host[:port]")
        }
        if concurrency < 1 || concurrency > 512 { throw BackfillError("bad_option", "--concurrency \(concurrency): expected 1 to 512") }
        if timeout <= .zero { throw BackfillError("bad_option", "--timeout: must be positive") }
        if retry.maxAttempts < 1 { throw BackfillError("bad_option", "--max-attempts \(retry.maxAttempts): expected at least 1") }
        if stopAfter < 1 { throw BackfillError("bad_option", "--stop-after \(stopAfter): expected at least 1") }
        if let limit, limit < 1 { throw BackfillError("bad_option", "--limit \(limit): expected at least 1") }
        if rate == nil && (isProduction || host.map { !["127.0.0.1", "localhost", "::1"].contains($0) } ?? true) {
            throw BackfillError("bad_option", "--rate unlimited is for a local sandbox only (127.0.0.1 or localhost)")
        }
        if isProduction && !confirmProduction {
            throw BackfillError("production_unconfirmed",
                                "\(resolvedBaseURL) is a production host: pass --confirm-production (or answer yes on a terminal) to send real updates")
        }
    }
}
