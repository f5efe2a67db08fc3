@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import ParticipantAPI
import Testing

/// The run loop one event at a time, with no I/O and no simulated clock: each step hands `SendLoop` one event
/// and checks the exact actions it returns (and, where it matters, its lifecycle), as AsyncHTTPClient's
/// `Transaction+StateMachineTests` do. `SendLoopTests` measure the same loop over thousands of events.
///
/// Times are milliseconds since the run began, on both clocks (`wallNow` is `wall0` plus the same amount); the
/// backoff's jitter is seeded (seed 7: the first draw is 0.3898..., 390 ms of the first retry's 1 s).
struct SendLoopTransitionTests {
    static let wall0: Int64 = 1_735_689_600_000

    /// A loop driven by hand.
    struct Driver {
        var loop: SendLoop

        init(_ settings: SendLoop.Settings) {
            loop = SendLoop(settings: settings, seed: 7)
        }

        /// Delivers `event` at `ms` milliseconds since the run began.
        mutating func on(_ event: SendLoop.Event, at ms: Int64) -> [SendLoop.Action] {
            loop.handle(event, now: .milliseconds(ms), wallNow: SendLoopTransitionTests.wall0 + ms)
        }

        var lifecycle: SendLoop.Lifecycle { loop.lifecycle }
    }

    static func job(_ id: Int64, attempts: Int = 0) -> ClaimedJob {
        ClaimedJob(id: id, participantCode: "P\(id)", requestID: "rid-\(id)", body: Array(#"{"first_name":"A"}"#.utf8),
                   attempts: attempts)
    }

    static func jobs(_ ids: ClosedRange<Int64>) -> [ClaimedJob] { ids.map { job($0) } }

    /// The answer to `job`, sent at `sent` and back at `at` (ms): an HTTP status, or nil for a timeout.
    static func answered(_ job: ClaimedJob, _ status: Int?, sent: Int64, at: Int64, body: String = "",
                         retryAfter: Duration? = nil) -> SendLoop.Event {
        let answer = SendResult(status: status, retryAfter: retryAfter, body: Array(body.utf8),
                                failure: status == nil ? .timeout("no answer within 30 s") : nil,
                                startedAt: wall0 + sent, endedAt: wall0 + at)
        return .answered(job, answer, latency: .milliseconds(at - sent))
    }

    /// The ledger row the loop makes of that answer.
    static func record(_ job: ClaimedJob, _ status: Int?, sent: Int64, at: Int64, _ outcome: AttemptOutcome,
                       _ errorClass: ErrorClass?, message: String? = nil, body: String = "",
                       _ transition: JobTransition) -> AttemptRecord {
        AttemptRecord(jobID: job.id, number: job.attempts + 1, requestID: job.requestID, startedAt: wall0 + sent,
                      endedAt: wall0 + at, status: status, outcome: outcome, errorClass: errorClass, message: message,
                      responseBody: body.isEmpty ? nil : Array(body.utf8), transition: transition)
    }

    static func succeeded(_ job: ClaimedJob, sent: Int64, at: Int64) -> AttemptRecord {
        record(job, 200, sent: sent, at: at, "succeeded", nil, .succeeded)
    }

    static let invalidSignature = #"{"error":true,"message":"Invalid signature"}"#
    static let unauthorized = RunSummary.Ending.stopped(code: "unauthorized", message: "401 Unauthorized: Invalid signature")

    /// Unpaced, two in flight at most, claims of 8 (the queue is low under 4 + the window).
    static let unpaced = SendLoop.Settings(rate: nil, ceiling: 2, claimBatch: 8)
    /// Unpaced, one in flight, claims of 4 (low under 2 + 1).
    static let single = SendLoop.Settings(rate: nil, ceiling: 1, claimBatch: 4)

    /// The unpaced loop after `begin` and a claim of jobs 1-6: job 1 in flight (slow start), 2-6 queued.
    static func oneInFlightFiveQueued() -> Driver {
        var d = Driver(unpaced)
        _ = d.on(.begin, at: 0)
        _ = d.on(.claimed(jobs(1...6)), at: 0)
        return d
    }

    // MARK: - Claiming and starting

    @Test func beginClaimsABatch() {
        var d = Driver(Self.unpaced)
        #expect(d.lifecycle == .running(.init()))
        #expect(d.on(.begin, at: 0) == [.claim(limit: 8, records: [])])
        #expect(d.lifecycle == .running(.init(storeRequest: .claim)))
    }

    @Test func aClaimStartsOneRequestInSlowStartAndWakesWhenItWouldBecomeAStraggler() {
        var d = Driver(Self.unpaced)
        _ = d.on(.begin, at: 0)
        // The window is 1 until the first answer; the oldest request becomes a straggler after 1 s.
        #expect(d.on(.claimed(Self.jobs(1...6)), at: 0) == [.start(Self.job(1)), .wake(at: .seconds(1))])
        #expect(d.lifecycle == .running(.init()))
        #expect(d.loop.inFlightCount == 1 && d.loop.readyCount == 5)
    }

    @Test func thePacerSpacesTheStartsOnceTheFirstSuccessOpensTheWindow() {
        // 10/s: one start every 100 ms.
        var d = Driver(SendLoop.Settings(rate: RateLimit(count: 10, window: .seconds(1)), ceiling: 4, claimBatch: 4))
        #expect(d.on(.begin, at: 0) == [.claim(limit: 4, records: [])])
        #expect(d.on(.claimed(Self.jobs(1...4)), at: 0) == [.start(Self.job(1)), .wake(at: .seconds(1))])
        // 50 ms: the window opens to 10/s × 50 ms × 1.5 + 2 = 3; the queue is low (3 < 2 + 3) and the pacer's
        // next slot is at 100 ms.
        #expect(d.on(Self.answered(Self.job(1), 200, sent: 0, at: 50), at: 50)
            == [.claim(limit: 4, records: [Self.succeeded(Self.job(1), sent: 0, at: 50)]), .wake(at: .milliseconds(100))])
        #expect(d.loop.window.size == 3 && !d.loop.window.slowStart)
        #expect(d.on(.tick, at: 100) == [.start(Self.job(2)), .wake(at: .milliseconds(200))])
        #expect(d.on(.tick, at: 200) == [.start(Self.job(3)), .wake(at: .milliseconds(300))])
        // A tick before the slot starts nothing, and asks for no new wake (the one at 300 ms stands).
        #expect(d.on(.tick, at: 250) == [])
        #expect(d.lifecycle == .running(.init(storeRequest: .claim)))
    }

    // MARK: - Draining the queue

    @Test func anEmptyClaimAsksWhenTheNextJobIsDue() {
        var d = Driver(Self.unpaced)
        _ = d.on(.begin, at: 0)
        #expect(d.on(.claimed([]), at: 5) == [.checkDue])
        #expect(d.lifecycle == .running(.init(storeRequest: .dueCheck, drained: true)))
        // A tick while the due-check is out asks nothing more.
        #expect(d.on(.tick, at: 6) == [])
    }

    @Test func nothingDueWithNothingInFlightEndsTheRunDrained() {
        var d = Driver(Self.unpaced)
        _ = d.on(.begin, at: 0)
        _ = d.on(.claimed([]), at: 5)
        #expect(d.on(.nextDue(nil), at: 10) == [.end(.drained, records: [])])
        #expect(d.lifecycle == .ended && d.loop.ended)
        #expect(d.loop.summary.ending == .drained)
        // Once ended, every event returns nothing.
        #expect(d.on(.tick, at: 20) == [])
        #expect(d.on(.signal(SIGINT), at: 20) == [])
        #expect(d.on(.claimed(Self.jobs(1...2)), at: 20) == [])
    }

    @Test func aJobDueLaterWakesTheLoopWhichClaimsAgainThen() {
        var d = Driver(Self.unpaced)
        _ = d.on(.begin, at: 0)
        _ = d.on(.claimed([]), at: 5)
        #expect(d.on(.nextDue(Self.wall0 + 5_000), at: 10) == [.wake(at: .seconds(5))])
        #expect(d.lifecycle == .running(.init()))
        #expect(d.on(.tick, at: 5_000) == [.claim(limit: 8, records: [])])
        #expect(d.lifecycle == .running(.init(storeRequest: .claim)))
    }

    // MARK: - Answers

    @Test func a200IsRecordedAndItsRecordGoesWithTheNextClaim() {
        var d = Driver(Self.single)
        #expect(d.on(.begin, at: 0) == [.claim(limit: 4, records: [])])
        #expect(d.on(.claimed(Self.jobs(1...4)), at: 0) == [.start(Self.job(1))])
        let body = #"{"id":"c-1"}"#
        // Job 2 starts; the queue (2) is then under 2 + 1, so the loop claims, writing the record first.
        #expect(d.on(Self.answered(Self.job(1), 200, sent: 0, at: 100, body: body), at: 100) == [
            .start(Self.job(2)),
            .claim(limit: 4, records: [Self.record(Self.job(1), 200, sent: 0, at: 100, "succeeded", nil, body: body, .succeeded)]),
        ])
        #expect(d.loop.summary.attempts == 1 && d.loop.summary.succeeded == 1)
    }

    @Test func aRetryable503GoesBackToPendingWithItsBackoff() {
        var d = Driver(Self.single)
        _ = d.on(.begin, at: 0)
        _ = d.on(.claimed(Self.jobs(1...4)), at: 0)
        let body = #"{"message":"Service Unavailable"}"#
        // Full jitter over the first retry's 1 s: the seeded draw gives 390 ms, so due at 100 + 390 ms.
        let retry = Self.record(Self.job(1), 503, sent: 0, at: 100, "retry", "server", message: "Service Unavailable",
                                body: body, .pending(notBefore: Self.wall0 + 490, countsAttempt: true))
        #expect(d.on(Self.answered(Self.job(1), 503, sent: 0, at: 100, body: body), at: 100)
            == [.start(Self.job(2)), .claim(limit: 4, records: [retry])])
        #expect(d.loop.summary.attempts == 1 && d.loop.summary.retried == 1)
        #expect(d.loop.summary.succeeded == 0 && d.loop.summary.failed == 0)
    }

    @Test func a429PausesThePacerAndDoesNotCountAnAttempt() {
        var d = Driver(SendLoop.Settings(rate: RateLimit(count: 10, window: .seconds(1)), ceiling: 1, claimBatch: 4))
        _ = d.on(.begin, at: 0)
        #expect(d.on(.claimed(Self.jobs(1...4)), at: 0) == [.start(Self.job(1))])
        // Retry-After 2 s: every start waits until 2.1 s, the rate drops below what the lockout measured (the run sent
        // one request in the window: the floor), and the job is due when the pause ends.
        #expect(d.on(Self.answered(Self.job(1), 429, sent: 0, at: 100, retryAfter: .seconds(2)), at: 100)
            == [.wake(at: .milliseconds(2_100))])
        #expect(d.loop.pacer?.pausedUntil == .milliseconds(2_100))
        #expect(d.loop.pacer?.factor == 0.05)
        #expect(d.loop.summary.lockouts == 1 && d.loop.summary.lockoutSeconds == 2)
        #expect(d.loop.summary.rateLimited == 1 && d.loop.summary.retried == 0 && d.loop.summary.failed == 0)
        // The pause ends: the record is written (no claim is out), job 2 starts, and the loop claims.
        let limited = Self.record(Self.job(1), 429, sent: 0, at: 100, "rate_limited", "rate_limited",
                                  .pending(notBefore: Self.wall0 + 2_100, countsAttempt: false))
        #expect(d.on(.tick, at: 2_100) == [.write([limited]), .start(Self.job(2)), .claim(limit: 4, records: [])])
    }

    // MARK: - Stopping

    @Test func a401ReleasesTheQueueAndTheRunEndsOnlyOnceTheRequestsInFlightAnswer() {
        var d = Self.oneInFlightFiveQueued()
        // The first success opens the window to the ceiling (2): jobs 2 and 3 start, and a claim goes out.
        #expect(d.on(Self.answered(Self.job(1), 200, sent: 0, at: 100), at: 100) == [
            .claim(limit: 8, records: [Self.succeeded(Self.job(1), sent: 0, at: 100)]),
            .start(Self.job(2)), .start(Self.job(3)),
        ])
        #expect(d.on(.claimed([]), at: 110) == [])
        #expect(d.lifecycle == .running(.init(drained: true)))
        // 401: the queued jobs go back to pending; job 3 is still in flight.
        #expect(d.on(Self.answered(Self.job(2), 401, sent: 100, at: 200, body: Self.invalidSignature), at: 200)
            == [.release([4, 5, 6])])
        #expect(d.lifecycle == .draining(ending: Self.unauthorized, awaitingClaim: false))
        // Draining still writes what came back.
        let stopped = Self.record(Self.job(2), 401, sent: 100, at: 200, "stopped", "unauthorized", message: "Invalid signature",
                                  body: Self.invalidSignature, .pending(notBefore: nil, countsAttempt: false))
        #expect(d.on(.tick, at: 250) == [.write([stopped])])
        #expect(d.on(Self.answered(Self.job(3), 200, sent: 100, at: 300), at: 300)
            == [.end(Self.unauthorized, records: [Self.succeeded(Self.job(3), sent: 100, at: 300)])])
        #expect(d.lifecycle == .ended)
        #expect(d.loop.summary.ending == Self.unauthorized && d.loop.summary.attempts == 3)
    }

    @Test func aStoreFailureStopsTheRunWithTheDatabaseCodeAtOnceWhenNothingIsInFlight() {
        var d = Driver(Self.unpaced)
        _ = d.on(.begin, at: 0)
        // The claim that was out is not waited for: the store is failing.
        #expect(d.on(.storeFailed("database is locked"), at: 5)
            == [.end(.stopped(code: "database", message: "database: database is locked"), records: [])])
        #expect(d.lifecycle == .ended)
        #expect(d.on(.claimed(Self.jobs(1...2)), at: 10) == [])
    }

    @Test func aStoreFailureWithARequestInFlightReleasesTheQueueAndEndsAfterItsAnswer() {
        var d = Self.oneInFlightFiveQueued()
        let ending = RunSummary.Ending.stopped(code: "database", message: "database: disk I/O error")
        #expect(d.on(.storeFailed("disk I/O error"), at: 50) == [.release([2, 3, 4, 5, 6])])
        #expect(d.lifecycle == .draining(ending: ending, awaitingClaim: false))
        #expect(d.on(Self.answered(Self.job(1), 200, sent: 0, at: 100), at: 100)
            == [.end(ending, records: [Self.succeeded(Self.job(1), sent: 0, at: 100)])])
    }

    @Test func aFirstSignalSaysSoReleasesTheQueueAndDrains() {
        var d = Self.oneInFlightFiveQueued()
        #expect(d.on(.signal(SIGINT), at: 50) == [.interrupting(signal: SIGINT, inFlight: 1), .release([2, 3, 4, 5, 6])])
        #expect(d.lifecycle == .draining(ending: .interrupted(signal: SIGINT), awaitingClaim: false))
        // Nothing new starts while draining.
        #expect(d.on(.tick, at: 60) == [])
        #expect(d.on(Self.answered(Self.job(1), 200, sent: 0, at: 100), at: 100)
            == [.end(.interrupted(signal: SIGINT), records: [Self.succeeded(Self.job(1), sent: 0, at: 100)])])
    }

    @Test func aSecondSignalAsksToExitAtOnce() {
        var d = Self.oneInFlightFiveQueued()
        _ = d.on(.signal(SIGTERM), at: 50)
        #expect(d.on(.signal(SIGTERM), at: 60) == [.exitNow(signal: SIGTERM)])
        // The executable exits; the loop itself has not ended (the next run recovers what was in flight).
        #expect(d.lifecycle == .draining(ending: .interrupted(signal: SIGTERM), awaitingClaim: false))
        #expect(!d.loop.ended)
    }

    @Test func aDrainWaitsForTheClaimThatIsOutAndReleasesWhatItBrings() {
        var d = Driver(Self.unpaced)
        #expect(d.on(.begin, at: 0) == [.claim(limit: 8, records: [])])
        #expect(d.on(.signal(SIGTERM), at: 10) == [.interrupting(signal: SIGTERM, inFlight: 0)])
        #expect(d.lifecycle == .draining(ending: .interrupted(signal: SIGTERM), awaitingClaim: true))
        // Nothing in flight, but the claim is out: the run cannot end yet.
        #expect(d.on(.tick, at: 250) == [])
        #expect(d.on(.claimed(Self.jobs(1...2)), at: 300) == [.release([1, 2]), .end(.interrupted(signal: SIGTERM), records: [])])
        #expect(d.lifecycle == .ended)
    }

    @Test func theLimitStopsClaimingAndTheRunEndsDrainedThoughARetryIsDue() {
        var settings = Self.single
        settings.limit = 3
        var d = Driver(settings)
        #expect(d.on(.begin, at: 0) == [.claim(limit: 3, records: [])])
        // The queue runs low after job 1 starts, but 3 jobs are claimed: the loop claims no more.
        #expect(d.on(.claimed(Self.jobs(1...3)), at: 0) == [.start(Self.job(1))])
        #expect(d.lifecycle == .running(.init(drained: true)))
        let retry = Self.record(Self.job(1), 503, sent: 0, at: 100, "retry", "server",
                                .pending(notBefore: Self.wall0 + 490, countsAttempt: true))
        #expect(d.on(Self.answered(Self.job(1), 503, sent: 0, at: 100), at: 100) == [.start(Self.job(2))])
        #expect(d.on(Self.answered(Self.job(2), 200, sent: 100, at: 200), at: 200) == [.start(Self.job(3))])
        #expect(d.on(Self.answered(Self.job(3), 200, sent: 200, at: 300), at: 300) == [
            .write([retry, Self.succeeded(Self.job(2), sent: 100, at: 200), Self.succeeded(Self.job(3), sent: 200, at: 300)]),
            .checkDue,
        ])
        #expect(d.on(.nextDue(Self.wall0 + 490), at: 310) == [.end(.drained, records: [])])
    }

    // MARK: - Writing

    @Test func answersAreWrittenOnATickOrOnceABatchIsFullButNotWhileAClaimIsOut() {
        var settings = Self.unpaced
        settings.writeBatch = 2
        var d = Driver(settings)
        _ = d.on(.begin, at: 0)
        _ = d.on(.claimed(Self.jobs(1...6)), at: 0)
        #expect(d.on(Self.answered(Self.job(1), 200, sent: 0, at: 100), at: 100) == [
            .claim(limit: 8, records: [Self.succeeded(Self.job(1), sent: 0, at: 100)]),
            .start(Self.job(2)), .start(Self.job(3)),
        ])
        #expect(d.on(Self.answered(Self.job(2), 200, sent: 100, at: 150), at: 150) == [.start(Self.job(4))])
        // The claim is out: job 2's record waits.
        #expect(d.on(.tick, at: 200) == [])
        #expect(d.on(.claimed([]), at: 210) == [])
        #expect(d.on(.tick, at: 250) == [.write([Self.succeeded(Self.job(2), sent: 100, at: 150)])])
        #expect(d.on(Self.answered(Self.job(3), 200, sent: 100, at: 300), at: 300) == [.start(Self.job(5))])
        // The second record fills the batch of 2: written at once.
        #expect(d.on(Self.answered(Self.job(4), 200, sent: 150, at: 350), at: 350) == [
            .write([Self.succeeded(Self.job(3), sent: 100, at: 300), Self.succeeded(Self.job(4), sent: 150, at: 350)]),
            .start(Self.job(6)),
        ])
    }

    @Test func historyModeClaimsAgainAfterASuccessWhereLatestModeAsksWhenTheNextJobIsDue() {
        for history in [false, true] {
            var settings = Self.single
            settings.claimAfterSuccess = history
            var d = Driver(settings)
            _ = d.on(.begin, at: 0)
            #expect(d.on(.claimed([Self.job(1)]), at: 0) == [.claim(limit: 4, records: []), .start(Self.job(1))])
            #expect(d.on(.claimed([]), at: 10) == [])
            #expect(d.lifecycle == .running(.init(drained: true)))
            let done = Self.succeeded(Self.job(1), sent: 0, at: 100)
            // History mode: the success released the participant's next step, so the loop claims again.
            #expect(d.on(Self.answered(Self.job(1), 200, sent: 0, at: 100), at: 100)
                == (history ? [.claim(limit: 4, records: [done])] : [.write([done]), .checkDue]))
        }
    }
}
