@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Testing

/// An outcome becomes the job's next state and the ledger's label; 429s and stops never use up an attempt.
struct AttemptDecisionTests {
    static let now: Int64 = 1_735_689_600_000

    static func decide(_ outcome: Outcome, attemptsBefore: Int = 0, policy: RetryPolicy = RetryPolicy(),
                       pauseEnd: Int64? = nil, random: Double = 1) -> (label: AttemptOutcome, transition: JobTransition) {
        let d = AttemptDecision.decide(outcome: outcome, attemptsBefore: attemptsBefore, policy: policy, now: now,
                                       pauseEnd: pauseEnd, random: random)
        return (d.outcome, d.transition)
    }

    @Test func aSuccessSucceeds() {
        let d = Self.decide(.succeeded)
        #expect(d.label == "succeeded")
        #expect(d.transition == .succeeded)
    }

    @Test func aPermanentRefusalFails() {
        let d = Self.decide(.failed(.segment))
        #expect(d.label == "failed")
        #expect(d.transition == .failed)
    }

    @Test func aRetryableAnswerGoesBackToPendingAfterTheBackoffAndCountsTheAttempt() {
        let first = Self.decide(.retry(.server, retryAfter: nil), attemptsBefore: 0, random: 1)
        #expect(first.label == "retry")
        #expect(first.transition == .pending(notBefore: Self.now + 1_000, countsAttempt: true))
        let third = Self.decide(.retry(.timeout, retryAfter: nil), attemptsBefore: 2, random: 1)
        #expect(third.transition == .pending(notBefore: Self.now + 4_000, countsAttempt: true))
        let immediate = Self.decide(.retry(.network, retryAfter: nil), attemptsBefore: 5, random: 0)
        #expect(immediate.transition == .pending(notBefore: Self.now, countsAttempt: true))
    }

    @Test func retryAfterDelaysTheRetry() {
        let d = Self.decide(.retry(.server, retryAfter: .seconds(1)), attemptsBefore: 0, random: 0)
        #expect(d.transition == .pending(notBefore: Self.now + 1_000, countsAttempt: true))
    }

    @Test func theLastAttemptFailsTheJobWithItsError() {
        // Default policy: 8 attempts. Seven used, the eighth fails with a 503: out of attempts.
        let d = Self.decide(.retry(.server, retryAfter: nil), attemptsBefore: 7)
        #expect(d.label == "failed")
        #expect(d.transition == .failed)
        let seventh = Self.decide(.retry(.server, retryAfter: nil), attemptsBefore: 6)
        #expect(seventh.label == "retry")
    }

    @Test func a429WaitsForThePauseAndDoesNotUseAnAttempt() {
        let end = Self.now + 11_000
        let d = Self.decide(.rateLimited(retryAfter: nil), attemptsBefore: 7, pauseEnd: end)
        #expect(d.label == "rate_limited")
        #expect(d.transition == .pending(notBefore: end, countsAttempt: false))
        let noPause = Self.decide(.rateLimited(retryAfter: nil), attemptsBefore: 0, pauseEnd: nil)
        #expect(noPause.transition == .pending(notBefore: Self.now, countsAttempt: false))
    }

    @Test func aStopLeavesTheJobPendingWithItsAttemptsUntouched() {
        for errorClass in [ErrorClass.unauthorized, .forbidden, .notFound, .tls, .dns] {
            let d = Self.decide(.stop(errorClass), attemptsBefore: 3)
            #expect(d.label == "stopped")
            #expect(d.transition == .pending(notBefore: nil, countsAttempt: false))
        }
    }
}
