@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// The pacer on an injected clock: even spacing, never more than N starts in any rolling W, the 429 pause,
/// multiplicative decrease once per episode and additive increase back to the full rate.
struct PacerTests {
    /// Starts `count` requests, each exactly at the earliest instant the pacer allows (a worker always ready),
    /// beginning at `from`; returns the start times.
    static func drive(_ pacer: inout Pacer, starts count: Int, from: Duration = .zero) -> [Duration] {
        var times: [Duration] = []
        times.reserveCapacity(count)
        var now = from
        for _ in 0..<count {
            let t = pacer.earliestStart(now: now)
            pacer.recordStart(at: t)
            times.append(t)
            now = t
        }
        return times
    }

    /// The most starts found in any half-open rolling window `[t, t + window)`, by a sliding two-pointer
    /// over the (sorted) start times.
    static func busiestWindow(_ times: [Duration], window: Duration) -> Int {
        var most = 0
        var left = 0
        for right in times.indices {
            while times[right] - times[left] >= window { left += 1 }
            most = max(most, right - left + 1)
        }
        return most
    }

    @Test func noRollingWindowEverHoldsMoreThanTheLimitOverTwentyThousandStarts() {
        let limit = RateLimit(count: 1000, window: .seconds(10))
        var pacer = Pacer(limit: limit)
        let times = Self.drive(&pacer, starts: 20_000)
        #expect(Self.busiestWindow(times, window: limit.window) <= 1000)
        // Exactly at the limit, not below it: the pacer uses the rate it was given.
        #expect(Self.busiestWindow(times, window: limit.window) == 1000)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func startsAreEvenlySpacedAtWindowOverCount() {
        let limit = RateLimit(count: 1000, window: .seconds(10))
        var pacer = Pacer(limit: limit)
        #expect(pacer.interval == .milliseconds(10))
        let times = Self.drive(&pacer, starts: 20_000)
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        #expect(gaps.allSatisfy { $0 == .milliseconds(10) })
        #expect(times.last == .milliseconds(10 * 19_999))
    }

    @Test func aSmallBurstyRateNeverExceedsItsWindowEither() {
        // 7 per 1 s with a start time that does not divide evenly: the ring rule, not only the spacing, holds.
        let limit = RateLimit(count: 7, window: .seconds(1))
        var pacer = Pacer(limit: limit)
        let times = Self.drive(&pacer, starts: 5_000, from: .milliseconds(3))
        #expect(Self.busiestWindow(times, window: limit.window) <= 7)
    }

    @Test func earliestStartIsNeverBeforeNow() {
        var pacer = Pacer(limit: RateLimit(count: 10, window: .seconds(1)))
        #expect(pacer.earliestStart(now: .seconds(5)) == .seconds(5))
        pacer.recordStart(at: .seconds(5))
        #expect(pacer.earliestStart(now: .seconds(5)) == .seconds(5) + .milliseconds(100))
        #expect(pacer.earliestStart(now: .seconds(9)) == .seconds(9))
    }

    @Test func a429PausesEveryStartForElevenSecondsByDefault() {
        var pacer = Pacer(limit: RateLimit(count: 1000, window: .seconds(10)))
        _ = Self.drive(&pacer, starts: 50)
        let at = Duration.milliseconds(500)
        pacer.rateLimited(now: at, retryAfter: nil)
        #expect(Pacer.defaultPause == .seconds(11))
        #expect(pacer.pausedUntil == at + .seconds(11))
        #expect(pacer.earliestStart(now: at) == at + .seconds(11))
        #expect(pacer.earliestStart(now: at + .seconds(10)) == at + .seconds(11))
        pacer.recordStart(at: at + .seconds(11))
        #expect(pacer.pausedUntil == nil)
    }

    @Test func a429HonoursRetryAfter() {
        var pacer = Pacer(limit: RateLimit(count: 1000, window: .seconds(10)))
        _ = Self.drive(&pacer, starts: 5)
        pacer.rateLimited(now: .seconds(1), retryAfter: .seconds(3))
        #expect(pacer.pausedUntil == .seconds(4))
        #expect(pacer.earliestStart(now: .seconds(1)) == .seconds(4))
    }

    @Test func noStartFallsInsideThePauseAndTheWindowStillHolds() throws {
        let limit = RateLimit(count: 100, window: .seconds(1))
        var pacer = Pacer(limit: limit)
        var times = Self.drive(&pacer, starts: 150)
        let hit = times.last!
        pacer.rateLimited(now: hit, retryAfter: nil)
        let until = try #require(pacer.pausedUntil)
        times += Self.drive(&pacer, starts: 3_000, from: hit)
        #expect(!times.contains { $0 > hit && $0 < until })
        #expect(times.first { $0 > hit } == until)
        #expect(Self.busiestWindow(times, window: limit.window) <= 100)
    }


    @Test func a429SetsTheCeilingToWhatTheRunSentInTheWindowAndResumesBelowIt() {
        var pacer = Pacer(limit: RateLimit(count: 1900, window: .seconds(10)))
        // 1,400 starts at 190/s: the window overflowed with the others' 600.
        let times = Self.drive(&pacer, starts: 1_400)
        pacer.rateLimited(now: times.last! + .milliseconds(50), retryAfter: nil)
        #expect(pacer.lockouts == 1 && pacer.lockoutSeconds == 10)
        #expect(abs(pacer.ceiling! - 140) < 0.5)
        #expect(abs(pacer.currentRate - 0.9 * pacer.ceiling!) < 0.01)
        // The rest of the burst answers 429 too: the same episode.
        pacer.rateLimited(now: times.last! + .milliseconds(60), retryAfter: nil)
        #expect(pacer.lockouts == 1)
        // Retry-After sets the pause and the lockout's length.
        pacer.rateLimited(now: .seconds(100), retryAfter: .seconds(4))
        #expect(pacer.lockouts == 2 && pacer.lockoutSeconds == 14)
    }

    @Test func afterALockoutTheRateRisesAlongThePlateauForTenMinutesThenGrows() {
        var pacer = Pacer(limit: RateLimit(count: 1900, window: .seconds(10)))
        let times = Self.drive(&pacer, starts: 1_400)
        pacer.rateLimited(now: times.last!, retryAfter: nil)
        let ceiling = pacer.ceiling!
        var samples: [(Duration, Double)] = []
        var now = pacer.pausedUntil!
        while now < pacer.pausedUntil.map({ $0 }) ?? .zero { now += .milliseconds(1) }
        let start = now
        while now - start < .seconds(800), pacer.factor < 1 {
            let t = pacer.earliestStart(now: now)
            pacer.recordStart(at: t)
            now = t
            if samples.last.map({ now - $0.0 >= .seconds(10) }) ?? true { samples.append((now, pacer.currentRate)) }
        }
        let at = { (seconds: Double) in samples.last { $0.0 - start <= .seconds(seconds) }!.1 }
        #expect(abs(at(1) - 0.9 * ceiling) < 1)
        #expect(at(300) > 0.9 * ceiling && at(300) < 0.98 * ceiling)
        #expect(at(595) <= 0.98 * ceiling + 0.01)
        #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.1 <= $1.1 + 1e-9 }, "never lower without a 429")
        // Past the plateau: +15% per 10 s, to the configured rate, and the ceiling is forgotten.
        #expect(pacer.factor == 1 && pacer.ceiling == nil)
        #expect(now - start < .seconds(700))
    }
}
