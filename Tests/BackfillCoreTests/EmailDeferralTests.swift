import BackfillRun
import BackfillStore
import ParticipantAPI
import Testing

/// "Email already used": the first refusal waits for the rest of the run, the second fails `email_taken`. Pure.
struct EmailDeferralTests {
    @Test(arguments: ["email is already used by another participant of this platform", "Email already in use",
                      "email address is already taken"])
    func aRefusalForAnEmailAnotherParticipantHoldsIsEmailTaken(message: String) {
        #expect(OutcomeClassifier.classify(status: 400, message: message, retryAfter: nil, failure: nil, contract: .zerohash) == .failed(.emailTaken))
        #expect(OutcomeClassifier.classify(status: 400, message: message, retryAfter: nil, failure: nil, contract: .ndax) == .failed(.emailTaken))
    }

    @Test func otherRefusalsAreNot() {
        #expect(OutcomeClassifier.classify(status: 400, message: "email must be a valid email", retryAfter: nil, failure: nil) == .failed(.validation))
        #expect(OutcomeClassifier.classify(status: 400, message: "request_id was already used", retryAfter: nil, failure: nil) == .failed(.idempotencyConflict))
    }

    @Test func theFirstRefusalDefersTheJobAndTheSecondFailsIt() {
        let first = AttemptDecision.decide(outcome: .failed(.emailTaken), attemptsBefore: 0, policy: RetryPolicy(), now: 1_000,
                                           pauseEnd: nil, random: 0.5, deferred: false)
        #expect(first.outcome == .retry && first.transition == .deferred)
        let second = AttemptDecision.decide(outcome: .failed(.emailTaken), attemptsBefore: 1, policy: RetryPolicy(), now: 2_000,
                                            pauseEnd: nil, random: 0.5, deferred: true)
        #expect(second.outcome == .failed && second.transition == .failed)
        // Any other permanent refusal fails at once, deferred or not.
        let other = AttemptDecision.decide(outcome: .failed(.validation), attemptsBefore: 0, policy: RetryPolicy(), now: 1_000,
                                           pauseEnd: nil, random: 0.5, deferred: false)
        #expect(other.transition == .failed)
    }
}
