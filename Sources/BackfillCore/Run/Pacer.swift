import BackfillStore
import Foundation
import ParticipantAPI

/// Decides when the next request may start. Pure: time comes in as `now` (a `Duration` since the run began).
///
/// Two rules, both always:
/// - **even pacing**: starts are spaced `window / (count * factor)` apart, so a rate of 1000/10s sends one
///   request every 10 ms rather than bursts;
/// - **the rolling window**: never more than `count` starts in any rolling `window` (the N-th most recent
///   start must be at least `window` ago), retries included, whatever the factor.
///
/// **The IP's budget is shared.** Zero Hash counts `budget` (2,000 per rolling 10 s) per IP across every endpoint,
/// and the platform's own traffic spends it too; going over locks the whole IP out. So a 429 is a lockout the run
/// caused, and tells it how much room is left: when the window overflowed, the run's own starts in it were what
/// the others left free (`ceiling`, requests per second). After a 429:
/// - every start waits until the pause ends (Retry-After, else 11 s: the documented 10 s lockout plus margin);
/// - the run resumes at 90% of the ceiling (`resumeShare`);
/// - it probes upward slowly: a straight line from 90% to 98% of the ceiling over `plateau` (10 minutes), so
///   while the others' traffic stays steady it causes no second lockout for at least that long;
/// - past the plateau it grows by `growth` (15%) per `probePeriod`, so room the others gave back is taken back
///   within a minute or two of the plateau's end, up to the configured rate (then the ceiling is forgotten).
/// A 429 while the run already waits (the same burst) is the same episode: one lockout, one new ceiling.
public struct Pacer: Sendable {
    public private(set) var limit: RateLimit
    /// The IP's whole budget, shared with the platform's own traffic (the documented 2000/10s).
    public let budget: RateLimit
    /// The share of the configured rate in use, in `minimumFactor ... 1`.
    public private(set) var factor: Double = 1
    /// Starts are held until this instant after a 429.
    public private(set) var pausedUntil: Duration?
    /// What the last lockout said was left of the budget (requests per second); nil before any, or once the run
    /// is back at its configured rate.
    public private(set) var ceiling: Double?
    /// Lockouts the run caused (429 episodes), and the seconds each locked out everything the IP sends.
    public private(set) var lockouts = 0
    public private(set) var lockoutSeconds: Double = 0

    public static let defaultPause: Duration = .seconds(11)
    /// How long the API locks the IP out after the budget is exceeded (documented: 10 s).
    public static let lockoutPeriod: Duration = .seconds(10)
    static let minimumFactor = 0.05
    static let resumeShare = 0.9
    /// Where the plateau ends: a little under the ceiling, which a window shared with traffic that varies a little
    /// measures a little high.
    static let plateauTop = 0.98
    static let plateau: Duration = .seconds(600)
    static let probePeriod: Duration = .seconds(10)
    static let growth = 1.15

    private var ring: [Duration]
    private var next = 0
    private var lastStart: Duration?
    /// The run's own starts within the last `budget.window`, oldest first (from `recentHead`).
    private var recent: [Duration] = []
    private var recentHead = 0
    /// When the probe began (the end of the last pause), and the probe periods applied since.
    private var probeFrom: Duration = .zero
    private var probeSteps = 0

    public init(limit: RateLimit, budget: RateLimit = .documented) {
        self.limit = limit
        self.budget = budget
        ring = []
        ring.reserveCapacity(limit.count)
    }

    /// The current spacing between starts.
    public var interval: Duration { limit.window / (Double(limit.count) * factor) }

    /// The rate in use now, requests per second.
    public var currentRate: Double { limit.perSecond * factor }

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
        recent.append(t)
        trimRecent(now: t)
        if let pausedUntil, t >= pausedUntil { self.pausedUntil = nil }
        probe(now: t)
    }

    /// A 429 arrived at `now`: a lockout the run caused. Pause every start; resume below what was left.
    public mutating func rateLimited(now: Duration, retryAfter: Duration?) {
        let until = now + (retryAfter ?? Pacer.defaultPause)
        // The other in-flight requests of the same burst answer 429 too: one episode, one lockout.
        let sameEpisode = pausedUntil.map { now < $0 } ?? false
        pausedUntil = max(pausedUntil ?? until, until)
        guard !sameEpisode else { return }
        lockouts += 1
        lockoutSeconds += (retryAfter ?? Pacer.lockoutPeriod).seconds
        trimRecent(now: now)
        // The window was full: the others' traffic took the rest, so what the run sent in it is what was left.
        let own = Double(recent.count - recentHead) / budget.window.seconds
        let left = max(limit.perSecond * Pacer.minimumFactor, min(own, currentRate))
        ceiling = left
        setFactor(Pacer.resumeShare * left)
        probeFrom = pausedUntil!
        probeSteps = 0
    }

    /// A new configured rate while the run goes (`backfill rate`): what the pacer spaces and caps by from now on.
    /// A ceiling a lockout set still holds (the room left does not grow because the operator asked for more).
    public mutating func setLimit(_ newLimit: RateLimit) {
        guard newLimit != limit else { return }
        let rate = ceiling != nil ? min(currentRate, newLimit.perSecond) : newLimit.perSecond
        let kept = ring.count < limit.count ? ring : Array(ring[next...] + ring[..<next])
        limit = newLimit
        ring = Array(kept.suffix(newLimit.count))
        ring.reserveCapacity(newLimit.count)
        next = ring.count == newLimit.count ? 0 : ring.count
        factor = 1
        setFactor(rate)
    }

    // MARK: -

    private mutating func setFactor(_ rate: Double) {
        factor = min(1, max(Pacer.minimumFactor, rate / limit.perSecond))
    }

    /// The probe after a lockout: each `probePeriod` since the pause ended moves the rate along the plateau's line,
    /// then multiplies it by `growth`.
    private mutating func probe(now t: Duration) {
        guard let ceiling, t >= probeFrom else { return }
        let due = Int(((t - probeFrom) / Pacer.probePeriod).rounded(.down))
        guard due > probeSteps else { return }
        probeSteps = due
        let elapsed = Pacer.probePeriod * due
        let rate: Double
        if elapsed <= Pacer.plateau {
            rate = ceiling * (Pacer.resumeShare + (Pacer.plateauTop - Pacer.resumeShare) * (elapsed / Pacer.plateau))
        } else {
            let beyond = Double(due) - Pacer.plateau / Pacer.probePeriod
            rate = ceiling * Pacer.plateauTop * pow(Pacer.growth, beyond)
        }
        setFactor(rate)
        if factor >= 1 { self.ceiling = nil }
    }

    private mutating func trimRecent(now: Duration) {
        while recentHead < recent.count, now - recent[recentHead] >= budget.window { recentHead += 1 }
        if recentHead > 4096, recentHead * 2 > recent.count {
            recent.removeFirst(recentHead)
            recentHead = 0
        }
    }
}
