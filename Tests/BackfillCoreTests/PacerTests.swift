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

    @Test func burstOf429sInOneEpisodeHalvesTheRateOnce() {
        var pacer = Pacer(limit: RateLimit(count: 1000, window: .seconds(10)))
        _ = Self.drive(&pacer, starts: 10)
        pacer.rateLimited(now: .seconds(1), retryAfter: nil)
        // The other requests of the same burst answer 429 while the pause is on: the same episode.
        pacer.rateLimited(now: .seconds(1) + .milliseconds(3), retryAfter: nil)
        pacer.rateLimited(now: .seconds(2), retryAfter: nil)
        #expect(pacer.factor == 0.5)
        #expect(pacer.interval == .milliseconds(20))
        // The pause is extended to the latest 429's, never shortened.
        #expect(pacer.pausedUntil == .seconds(13))
    }

    @Test func a429AfterThePauseIsANewEpisodeAndHalvesAgainDownToTheFloor() {
        var pacer = Pacer(limit: RateLimit(count: 1000, window: .seconds(10)))
        var now = Duration.zero
        var factors: [Double] = []
        for _ in 0..<8 {
            pacer.rateLimited(now: now, retryAfter: .seconds(1))
            factors.append(pacer.factor)
            now += .seconds(2)
        }
        #expect(factors == [0.5, 0.25, 0.125, 0.0625, 0.05, 0.05, 0.05, 0.05])
    }

    @Test func eachWindowWithoutA429AddsBackATenthUntilTheRateIsWhole() {
        let limit = RateLimit(count: 100, window: .seconds(1))
        var pacer = Pacer(limit: limit)
        _ = Self.drive(&pacer, starts: 20)
        let hit = Duration.milliseconds(200)
        pacer.rateLimited(now: hit, retryAfter: .seconds(2))
        #expect(pacer.factor == 0.5)
        // Walk forward window by window with requests always waiting.
        var times = Self.drive(&pacer, starts: 1, from: hit)
        var seen: [Double] = [pacer.factor]
        while pacer.factor < 1, times.count < 10_000 {
            times += Self.drive(&pacer, starts: 1, from: times.last!)
            if pacer.factor != seen.last { seen.append(pacer.factor) }
        }
        #expect(pacer.factor == 1)
        // 0.5, 0.6, ... 1.0: a tenth of the configured rate per full window, never a jump.
        let steps = zip(seen, seen.dropFirst()).map { $1 - $0 }
        #expect(steps.allSatisfy { $0 > 0 && $0 <= 0.1 + 1e-9 })
        #expect(seen == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
        // The climb takes one window per step: at least 5 windows after the pause ended.
        #expect(times.last! - (hit + .seconds(2)) >= .seconds(5))
        #expect(Self.busiestWindow(times, window: limit.window) <= 100)
    }

    @Test func theRateDoesNotClimbWhileWindowsStillSee429s() {
        var pacer = Pacer(limit: RateLimit(count: 100, window: .seconds(1)))
        pacer.rateLimited(now: .zero, retryAfter: .milliseconds(100))
        let times = Self.drive(&pacer, starts: 20, from: .zero)
        // Less than a window after the pause: still halved.
        #expect(times.last! < .milliseconds(100) + .seconds(1))
        #expect(pacer.factor == 0.5)
    }

    @Test func aReducedRateSpacesStartsFurtherApart() {
        var pacer = Pacer(limit: RateLimit(count: 1000, window: .seconds(10)))
        pacer.rateLimited(now: .zero, retryAfter: .zero)
        let times = Self.drive(&pacer, starts: 50, from: .zero)
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        #expect(gaps.allSatisfy { $0 == .milliseconds(20) })
    }
}
