@testable import BackfillRun
import ParticipantAPI
import Testing

/// The pacer against a server that counts 2,000 requests per rolling 10 s per IP, the run's and the platform's
/// own traffic together (refused ones included, as the sandbox and Zero Hash count them), and locks the IP out for
/// 10 s when the window overflows. Simulated time, no I/O: the run starts every request at the instant its pacer
/// allows; each answer comes back `latency` later; the background sends at `background(t)` requests per second.
struct SharedBudgetSimulation {
    var background: (Duration) -> Double
    var latency: Duration = .milliseconds(50)
    let budget = RateLimit.documented
    let lockout: Duration = .seconds(10)

    struct Result {
        /// Start instants of the run's requests.
        var starts: [Duration] = []
        /// Lockouts of the IP (whichever request overflowed the window: the others' traffic alone never does here,
        /// so each is one the run caused).
        var lockoutsCaused: [Duration] = []
        /// Background requests refused (429) because the IP was locked out.
        var backgroundRefused = 0
        var backgroundSent = 0

        func rate(from a: Duration, to b: Duration) -> Double {
            Double(starts.filter { $0 >= a && $0 < b }.count) / (b - a).seconds
        }
    }

    func run(rate: RateLimit = RateLimit(count: 1900, window: .seconds(10)), for total: Duration) -> (Result, Pacer) {
        var pacer = Pacer(limit: rate)
        var result = Result()
        var arrivals: [Duration] = []       // every arrival at the server, in order
        var head = 0
        var lockedUntil: Duration = .zero
        var answers: [Duration] = []        // when the run hears its 429s
        var nextBackground: Duration = .zero
        var now: Duration = .zero
        // The platform's traffic was there before the run: a full window of it.
        let before = background(.zero)
        if before > 0 {
            var t = Duration.zero - budget.window
            while t < .zero { arrivals.append(t); t += .seconds(1 / before) }
        }
        // One arrival at the server: true when admitted.
        func admit(_ t: Duration, own: Bool) -> Bool {
            while head < arrivals.count, t - arrivals[head] >= budget.window { head += 1 }
            let exceeded = arrivals.count - head >= budget.count
            arrivals.append(t)
            if t < lockedUntil { return false }
            if exceeded {
                lockedUntil = t + lockout
                result.lockoutsCaused.append(t)
                return false
            }
            return true
        }
        while now < total {
            let ownAt = pacer.earliestStart(now: now)
            let bgRate = background(nextBackground)
            let bgAt = bgRate > 0 ? nextBackground : Duration.seconds(1_000_000)
            let heardAt = answers.first ?? Duration.seconds(1_000_000)
            if heardAt <= ownAt && heardAt <= bgAt {
                answers.removeFirst()
                now = heardAt
                pacer.rateLimited(now: now, retryAfter: nil)
            } else if bgAt < ownAt {
                now = bgAt
                result.backgroundSent += 1
                if !admit(now, own: false) { result.backgroundRefused += 1 }
                nextBackground = now + .seconds(1 / bgRate)
            } else {
                now = ownAt
                pacer.recordStart(at: now)
                result.starts.append(now)
                if !admit(now, own: true) { answers.append(now + latency) }
            }
            if bgRate == 0 { nextBackground = now + .milliseconds(100) }
        }
        return (result, pacer)
    }

    /// The share of the free room (200/s less the background) the run used between `a` and `b`.
    static func shareOfFreeRoom(_ result: Result, background: Double, from a: Duration, to b: Duration) -> Double {
        result.rate(from: a, to: b) / (200 - background)
    }
}

/// Issue 22: at most one lockout per episode, then the room that is left.
struct SharedBudgetTests {
    @Test(arguments: [0.0, 60.0, 150.0])
    func steadyBackgroundCostsAtMostOneLockoutThenUsesTheRoomLeft(background: Double) {
        let sim = SharedBudgetSimulation(background: { _ in background })
        let (result, pacer) = sim.run(for: .seconds(120))
        if background == 0 {
            #expect(result.lockoutsCaused.isEmpty, "alone, 1900/10s never overflows 2000/10s")
            #expect(result.rate(from: .seconds(10), to: .seconds(120)) >= 0.97 * 190)
        } else {
            #expect(result.lockoutsCaused.count == 1, "\(result.lockoutsCaused)")
            #expect(pacer.lockouts == 1 && pacer.lockoutSeconds == 10)
            let settled = result.lockoutsCaused[0] + .seconds(15)
            let share = SharedBudgetSimulation.shareOfFreeRoom(result, background: background, from: settled, to: .seconds(120))
            #expect(share >= 0.85, "used \(share) of the free room")
            #expect(share <= 1.0)
        }
        // The platform's own traffic lost at most one lockout's worth of requests.
        #expect(Double(result.backgroundRefused) <= background * 10 + 1)
    }

    @Test func steadyBackgroundCausesNoSecondLockoutForTenMinutes() {
        let sim = SharedBudgetSimulation(background: { _ in 60 })
        let (result, _) = sim.run(for: .seconds(660))
        #expect(!result.lockoutsCaused.isEmpty)
        let second = result.lockoutsCaused.dropFirst().first
        #expect(second == nil || second! - result.lockoutsCaused[0] >= .seconds(600), "\(result.lockoutsCaused)")
        let share = SharedBudgetSimulation.shareOfFreeRoom(result, background: 60, from: .seconds(60), to: .seconds(660))
        #expect(share >= 0.9, "\(share)")
    }

    @Test func aStepUpIsANewEpisodeAndTheRunSettlesBelowWhatIsLeft() {
        let sim = SharedBudgetSimulation(background: { $0 < .seconds(120) ? 60 : 150 })
        let (result, _) = sim.run(for: .seconds(300))
        let afterStep = result.lockoutsCaused.filter { $0 >= .seconds(120) }
        // The first lockout after the step still measures the old room (the window held the old traffic):
        // the run resumes above what is left and is locked out once more, which measures it. Two, not more.
        #expect(result.lockoutsCaused.filter { $0 < .seconds(120) }.count == 1)
        #expect(afterStep.count <= 2, "\(afterStep)")
        let share = SharedBudgetSimulation.shareOfFreeRoom(result, background: 150, from: .seconds(200), to: .seconds(300))
        #expect(share >= 0.85 && share <= 1.0, "\(share)")
    }

    @Test func aStepDownIsTakenBackOnceThePlateauEnds() {
        let sim = SharedBudgetSimulation(background: { $0 < .seconds(60) ? 150 : 0 })
        let (result, _) = sim.run(for: .seconds(900))
        #expect(result.lockoutsCaused.count == 1, "\(result.lockoutsCaused)")
        // No second lockout, and the room comes back: within two minutes of the plateau's end (10 minutes after the
        // lockout), not within two minutes of the step (the price of never probing into a second lockout sooner).
        let back = result.rate(from: result.lockoutsCaused[0] + .seconds(11 + 600 + 120), to: .seconds(900))
        #expect(back >= 0.97 * 190, "\(back)")
    }

    /// Bursts above the whole budget: each is an episode of its own. A lockout in a burst measures the room left
    /// during the burst (little or none), and the plateau keeps the run that low for ten minutes: the price of never
    /// probing into a second lockout sooner. What is asserted is the safety (one lockout per burst at most), and
    /// that the run keeps going.
    @Test func burstsOfTheOthersTrafficCostAtMostOneLockoutEach() {
        // 40/s, with a burst of 300/s for 3 s every minute.
        let sim = SharedBudgetSimulation(background: { t in
            Int(t.seconds) % 60 < 3 ? 300 : 40
        })
        let (result, _) = sim.run(for: .seconds(300))
        let bursts = 5
        #expect(result.lockoutsCaused.count <= bursts + 1, "\(result.lockoutsCaused)")
        let share = SharedBudgetSimulation.shareOfFreeRoom(result, background: 40, from: .seconds(60), to: .seconds(300))
        #expect(share > 0, "\(share)")
    }

    @Test func aLoweredRateTakesEffectAtOnceAndALockoutCeilingOutlivesARaise() {
        var pacer = Pacer(limit: RateLimit(count: 1900, window: .seconds(10)))
        _ = PacerTests.drive(&pacer, starts: 1_000)
        pacer.setLimit(RateLimit(count: 20, window: .seconds(1)))
        #expect(pacer.currentRate == 20)
        let from = pacer.earliestStart(now: .seconds(6))
        let times = PacerTests.drive(&pacer, starts: 100, from: from)
        #expect(PacerTests.busiestWindow(times, window: .seconds(1)) <= 20)
        #expect(times.last! - times.first! >= .seconds(4.9))
    }
}


/// `--max-lockouts`: the run loop stops once the run has caused that many lockouts.
struct MaxLockoutsTests {
    @Test(arguments: [1, 3])
    func theRunStopsCleanlyAtMaxLockouts(max: Int) {
        var settings = SendLoop.Settings(rate: RateLimit(count: 1900, window: .seconds(10)), ceiling: 16)
        settings.maxLockouts = max
        var sim = SendLoopSimulation(settings: settings, jobs: 5_000) { _ in .milliseconds(50) }
        sim.status = { _ in 429 }
        sim.run(until: .seconds(600))
        guard case .stopped(let code, let message)? = sim.ending else {
            Issue.record("the run did not stop: \(String(describing: sim.ending))")
            return
        }
        #expect(code == .lockouts)
        #expect(message.contains("caused \(max) lockouts") && message.contains("backfill resume"))
        #expect(sim.loop.summary.lockouts == max && sim.loop.summary.lockoutSeconds == Double(max) * 10)
        #expect(RunSummary(ending: sim.ending!).exitCode == 1)
    }
}
