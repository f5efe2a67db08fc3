import BackfillStore
import ParticipantAPI

/// Decides when the next request may start. Pure: time comes in as `now` (a `Duration` since the run began).
///
/// Two rules, both always:
/// - **even pacing**: starts are spaced `window / (count * factor)` apart, so a rate of 1000/10s sends one
///   request every 10 ms rather than bursts;
/// - **the rolling window**: never more than `count` starts in any rolling `window` (the N-th most recent
///   start must be at least `window` ago), retries included, whatever the factor.
///
/// After a 429 every start waits until the pause ends (Retry-After, else 11 s: the documented 10 s lockout plus
/// margin) and the rate is halved (multiplicative decrease, down to 5% of the configured rate); each full window
/// without a 429 then adds back 10% of the configured rate (additive increase) until it is whole again.
public struct Pacer: Sendable {
    public let limit: RateLimit
    /// The share of the configured rate in use, in `minimumFactor ... 1`.
    public private(set) var factor: Double = 1
    /// Starts are held until this instant after a 429.
    public private(set) var pausedUntil: Duration?

    public static let defaultPause: Duration = .seconds(11)
    static let minimumFactor = 0.05
    static let decrease = 0.5
    static let increase = 0.1

    private var ring: [Duration]
    private var next = 0
    private var lastStart: Duration?
    private var lastChange: Duration = .zero

    public init(limit: RateLimit) {
        self.limit = limit
        ring = []
        ring.reserveCapacity(limit.count)
    }

    /// The current spacing between starts.
    public var interval: Duration { limit.window / (Double(limit.count) * factor) }

    /// The earliest instant, not before `now`, at which a request may start.
    public func earliestStart(now: Duration) -> Duration {
        var t = now
        if let lastStart { t = max(t, lastStart + interval) }
        if ring.count == limit.count { t = max(t, ring[next] + limit.window) }
        if let pausedUntil { t = max(t, pausedUntil) }
        return t
    }

    /// Records a start. `at` must not be before `earliestStart(now:)` (a precondition: the pool asks first).
    public mutating func recordStart(at t: Duration) {
        precondition(t >= earliestStart(now: t), "a start before the pacer allowed it")
        if ring.count < limit.count {
            ring.append(t)
        } else {
            ring[next] = t
            next = (next + 1) % limit.count
        }
        lastStart = t
        if let pausedUntil, t >= pausedUntil { self.pausedUntil = nil }
        if factor < 1, t - lastChange >= limit.window {
            // Rounded so that five steps from 0.5 land on 1 exactly (0.1 is not exact in binary).
            factor = min(1, ((factor + Pacer.increase) * 1e6).rounded() / 1e6)
            lastChange = t
        }
    }

    /// A 429 arrived at `now`: pause every start, and slow down.
    public mutating func rateLimited(now: Duration, retryAfter: Duration?) {
        let until = now + (retryAfter ?? Pacer.defaultPause)
        // The other in-flight requests of the same burst answer 429 too: one episode, one decrease.
        let sameEpisode = pausedUntil.map { now < $0 } ?? false
        pausedUntil = max(pausedUntil ?? until, until)
        if !sameEpisode { factor = max(Pacer.minimumFactor, factor * Pacer.decrease) }
        lastChange = pausedUntil!
    }
}
