import BackfillStore
/// When to try a job again: exponential backoff with full jitter, capped, honouring Retry-After. Pure.
///
/// The delay before attempt `n + 1` (after `n` failed attempts, n >= 1) is a uniform random value in
/// `0 ... min(cap, base * 2^(n-1))` ("full jitter", which spreads a burst of failures out instead of
/// synchronizing the retries), but never less than the server's Retry-After. With the defaults
/// (base 1 s, cap 5 min): up to 1 s, 2 s, 4 s, 8 s, ... 256 s, then 300 s.
/// A job that has used `maxAttempts` attempts is failed with its last error.
public struct RetryPolicy: Sendable {
    /// Attempts a job may use, the first included. Default: 8.
    public var maxAttempts: Int
    /// The first backoff ceiling. Default: 1 s.
    public var base: Duration
    /// The largest backoff. Default: 5 minutes.
    public var cap: Duration

    public init(maxAttempts: Int = 8, base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
    }

    public enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        case giveUp
    }

    /// - Parameters:
    ///   - attempts: attempts used so far (>= 1), not counting 429s.
    ///   - retryAfter: the server's Retry-After, if any.
    ///   - random: a value in `0..<1` (injected so tests are exact).
    public func decide(attempts: Int, retryAfter: Duration?, random: Double) -> Decision {
        guard attempts < maxAttempts else { return .giveUp }
        let exponent = min(attempts - 1, 40)
        let ceiling = min(cap.seconds, base.seconds * Double(1 << UInt64(exponent)))
        var delay = ceiling * min(max(random, 0), 1)
        if let retryAfter { delay = max(delay, retryAfter.seconds) }
        return .retry(after: .milliseconds(Int64((delay * 1000).rounded())))
    }
}
