@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import ParticipantAPI
import Testing

/// The run loop's decisions in simulated time: the in-flight window follows the latency so the pacer's rate
/// holds, slow start spends one request on a run that cannot succeed, a 429 pauses everyone, a signal drains.
struct SendLoopTests {
    /// `--rate 1900/10s` with the default ceiling (256).
    static func settings(ceiling: Int = 256, rate: RateLimit? = RateLimit(count: 1900, window: .seconds(10))) -> SendLoop.Settings {
        SendLoop.Settings(rate: rate, ceiling: ceiling)
    }

    @Test(arguments: [5, 250, 2000])
    func windowConvergesAndTheRateHoldsAtLatency(ms: Int) {
        // At 2 s the rate needs 380 in flight: give it a ceiling above the window it will want.
        var sim = SendLoopSimulation(settings: Self.settings(ceiling: 1024), jobs: 20_000) { _ in .milliseconds(ms) }
        sim.run(until: .seconds(40))
        let latency = Double(ms) / 1000
        let expected = Int((190 * latency * InFlightWindow.headroom).rounded(.up)) + 2
        #expect(sim.loop.window.size == expected)
        #expect(!sim.loop.window.slowStart)
        // From the end of slow start's single round trip: at least 97% of 190/s, never over the rolling limit.
        let rate = sim.startRate(from: .milliseconds(ms), to: .seconds(40))
        #expect(rate >= 0.97 * 190, "achieved \(rate)/s at \(ms) ms")
        #expect(sim.mostStarts(inAnyRolling: .seconds(10)) <= 1900)
        // In flight follows rate × latency, well under the window's headroom.
        #expect(sim.peakInFlight <= expected)
    }

    @Test func atOneSecondTheWindowWantsMoreThanTheCeilingButTheRateHoldsAndNothingIsBlamed() {
        // 190/s at 1 s needs 190 in flight; the window's headroom wants 287, above the default 256.
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 20_000) { _ in .seconds(1) }
        sim.run(until: .seconds(40))
        #expect(sim.loop.window.hitCeiling)
        #expect(!sim.loop.ceilingHeldBack)
        let rate = sim.startRate(from: .seconds(1), to: .seconds(40))
        #expect(rate >= 0.97 * 190, "achieved \(rate)/s")
    }

    @Test func atTwoSecondsTheDefaultCeilingLimitsTheRateAndSaysSo() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 20_000) { _ in .seconds(2) }
        sim.run(until: .seconds(40))
        #expect(sim.loop.window.size == 256)
        #expect(sim.loop.window.hitCeiling)
        #expect(sim.loop.ceilingHeldBack)
        #expect(sim.peakInFlight == 256)
        let rate = sim.startRate(from: .seconds(10), to: .seconds(40))
        #expect(abs(rate - 128) < 1, "256 in flight at 2 s each is 128/s, got \(rate)")
    }

    @Test func timeoutsArrivingTogetherAtTheEndOfARunDoNotStopIt() {
        // Every 50th request times out after 30 s. At the end only those answers are left, one after another
        // with no success between them; later requests succeeded, so they are not a server that stopped answering.
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 3_000) { n in
            n % 50 == 49 ? .seconds(30) : .milliseconds(250)
        }
        sim.status = { n in n % 50 == 49 ? nil : 200 }
        sim.run(until: .seconds(200))
        #expect(sim.ending == .drained)
        #expect(sim.loop.summary.succeeded == 3_000)
    }

    @Test func aServerThatStopsAnsweringStillStopsTheRun() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 3_000) { _ in .milliseconds(250) }
        sim.status = { n in n < 500 ? 200 : nil }
        sim.run(until: .seconds(200))
        guard case .stopped(let code, let message) = sim.ending else {
            Issue.record("the run was not stopped: \(String(describing: sim.ending))")
            return
        }
        #expect(code == "repeated")
        #expect(message.hasPrefix("20 consecutive answers were the same (connection reset by peer)"))
        #expect(sim.starts.count < 600)
    }

    @Test func theRateHoldsWhileTwoPercentOfAnswersTake35Seconds() {
        // 250 ms, but every 50th request is slow: 2% at 35 s.
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 20_000) { n in
            n % 50 == 49 ? .seconds(35) : .milliseconds(250)
        }
        sim.run(until: .seconds(100))
        let rate = sim.startRate(from: .seconds(10), to: .seconds(100))
        #expect(rate >= 0.97 * 190, "achieved \(rate)/s")
        #expect(sim.mostStarts(inAnyRolling: .seconds(10)) <= 1900)
        // 35 s × 3.8 slow starts/s ≈ 133 stragglers beside about 48 fast ones: under the ceiling.
        #expect(sim.peakInFlight <= 256)
        #expect(sim.peakInFlight > 150)
    }

    @Test func slowStartMeetsA401AfterOneRequest() {
        var sim = SendLoopSimulation(settings: Self.settings(rate: RateLimit(count: 2000, window: .seconds(10))), jobs: 1_000) { _ in
            .milliseconds(250)
        }
        sim.status = { _ in 401 }
        sim.run(until: .seconds(10))
        #expect(sim.starts.count == 1)
        #expect(sim.ending == .stopped(code: "unauthorized", message: "401 Unauthorized: Invalid signature"))
    }

    @Test func slowStartSendsOneRequestThenItsSuccessOpensTheWindow() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 10_000) { _ in .milliseconds(250) }
        sim.run(until: .milliseconds(200))
        #expect(sim.starts.count == 1)
        #expect(sim.loop.window.slowStart)
        sim.run(until: .milliseconds(300))
        // 190/s × 250 ms × 1.5 + 2.
        #expect(sim.loop.window.size == 74)
        #expect(!sim.loop.window.slowStart)
    }

    @Test func answersThatAreNotSuccessesDoubleTheWindow() {
        var sim = SendLoopSimulation(settings: Self.settings(ceiling: 64, rate: nil), jobs: 10_000) { _ in .milliseconds(100) }
        sim.status = { _ in 400 }
        sim.run(until: .milliseconds(150))
        #expect(sim.loop.window.size == 2)
        sim.run(until: .milliseconds(250))
        #expect(sim.loop.window.size == 8)
        sim.run(until: .milliseconds(450))
        #expect(sim.loop.window.size == 64)
    }

    @Test func aTransportFailureDoesNotOpenTheWindow() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 10_000) { _ in .milliseconds(100) }
        sim.status = { _ in nil }
        sim.run(until: .milliseconds(550))
        #expect(sim.loop.window.size == 1)
        #expect(sim.peakInFlight == 1)
    }

    @Test func a429PausesEveryStartAndKeepsTheWindow() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 20_000) { _ in .milliseconds(250) }
        sim.status = { n in n == 2_000 ? 429 : 200 }
        var pausedAt: Duration?
        var windowBefore = 0
        sim.run(until: .seconds(60)) { s in
            if pausedAt == nil, s.loop.summary.rateLimited == 1 {
                pausedAt = s.now
                windowBefore = s.loop.window.size
            }
            return pausedAt != nil
        }
        let pause = try! #require(pausedAt)
        let startsBefore = sim.starts.count
        sim.run(until: pause + .seconds(10))
        // The requests already in flight finish, nothing new starts during the 11 s pause.
        #expect(sim.starts.count == startsBefore)
        #expect(sim.loop.window.size >= windowBefore)
        sim.run(until: pause + .seconds(40))
        #expect(sim.starts.count > startsBefore + 1_000)
        // After the pause the rate was halved and climbs back; the rolling limit held throughout.
        #expect(sim.mostStarts(inAnyRolling: .seconds(10)) <= 1900)
    }

    @Test func aSignalDrainsTheRequestsInFlightAndEnds() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 20_000) { _ in .milliseconds(250) }
        sim.run(until: .seconds(5))
        let startsAtSignal = sim.starts.count
        sim.inject(.signal(SIGINT))
        #expect(sim.interruptions == 1)
        sim.run(until: .seconds(10))
        #expect(sim.starts.count == startsAtSignal)
        #expect(sim.ending == .interrupted(signal: SIGINT))
        #expect(sim.loop.summary.attempts == startsAtSignal)
    }

    @Test func aSecondSignalAsksToExitAtOnce() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 20_000) { _ in .seconds(5) }
        sim.run(until: .seconds(2))
        sim.inject(.signal(SIGTERM))
        sim.inject(.signal(SIGTERM))
        #expect(sim.exitedOn == SIGTERM)
        #expect(sim.ending == nil)
    }

    @Test func aDrainedRunEndsWhenNothingIsLeftOrDue() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 300) { _ in .milliseconds(50) }
        sim.run(until: .seconds(60))
        #expect(sim.ending == .drained)
        #expect(sim.starts.count == 300)
        #expect(sim.loop.summary.succeeded == 300)
    }

    @Test func aRetryIsSentAgainWhenItsBackoffIsDue() {
        var sim = SendLoopSimulation(settings: Self.settings(), jobs: 10) { _ in .milliseconds(50) }
        sim.status = { n in n == 0 ? 503 : 200 }
        sim.run(until: .seconds(600))
        #expect(sim.ending == .drained)
        #expect(sim.starts.count == 11)
        #expect(sim.loop.summary.retried == 1 && sim.loop.summary.succeeded == 10)
    }

    @Test func theLimitCountsClaimedJobs() {
        var settings = Self.settings()
        settings.limit = 7
        var sim = SendLoopSimulation(settings: settings, jobs: 100) { _ in .milliseconds(50) }
        sim.run(until: .seconds(60))
        #expect(sim.ending == .drained)
        #expect(sim.starts.count == 7)
    }
}

extension SendLoopTests {
    /// A server that answers more slowly the more it is sent (queueing): the window does not chase its own
    /// latency. 1 ms of service time per request in flight, at a rate the server cannot follow.
    @Test func aServerThatQueuesDoesNotDriveTheWindowUp() {
        var sim = SendLoopSimulation(settings: Self.settings(rate: RateLimit(count: 1000, window: .seconds(1))), jobs: 20_000) { _ in
            .milliseconds(2)
        }
        sim.latencyFromLoad = { inFlight in .milliseconds(2 + 2 * inFlight) }
        sim.run(until: .seconds(20))
        // The fastest success took 4 ms (2 ms + 2 ms for itself): the window is sized for at most 16 ms.
        #expect(sim.loop.window.size <= 1000 * 16 / 1000 * 3 / 2 + 2)
        #expect(sim.peakInFlight <= 40)
    }
}
