@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Testing

/// Exponential backoff with full jitter, capped at 5 minutes, never below Retry-After, giving up at maxAttempts.
struct RetryPolicyTests {
    static func delay(_ decision: RetryPolicy.Decision) -> Duration? {
        if case .retry(let after) = decision { return after }
        return nil
    }

    @Test func theDefaultsAreEightAttemptsFromOneSecondCappedAtFiveMinutes() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 8)
        #expect(policy.base == .seconds(1))
        #expect(policy.cap == .seconds(300))
    }

    @Test func theCeilingDoublesFromOneSecondAndIsCappedAtThreeHundred() {
        let policy = RetryPolicy(maxAttempts: 100)
        let ceilings = (1...12).map { Self.delay(policy.decide(attempts: $0, retryAfter: nil, random: 1)) }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map { Duration.seconds($0) })
    }

    @Test func theCapHoldsForAnyNumberOfAttempts() {
        let policy = RetryPolicy(maxAttempts: 10_000)
        #expect(Self.delay(policy.decide(attempts: 64, retryAfter: nil, random: 1)) == .seconds(300))
        #expect(Self.delay(policy.decide(attempts: 9_999, retryAfter: nil, random: 1)) == .seconds(300))
    }

    @Test func fullJitterSpansZeroToTheCeiling() {
        let policy = RetryPolicy(maxAttempts: 100)
        for attempts in 1...12 {
            #expect(Self.delay(policy.decide(attempts: attempts, retryAfter: nil, random: 0)) == .zero)
        }
        #expect(Self.delay(policy.decide(attempts: 3, retryAfter: nil, random: 0.5)) == .seconds(2))
        #expect(Self.delay(policy.decide(attempts: 1, retryAfter: nil, random: 0.25)) == .milliseconds(250))
    }

    @Test func retryAfterIsAFloorUnderTheJitter() {
        let policy = RetryPolicy(maxAttempts: 100)
        #expect(Self.delay(policy.decide(attempts: 1, retryAfter: .seconds(7), random: 0)) == .seconds(7))
        #expect(Self.delay(policy.decide(attempts: 1, retryAfter: .seconds(5), random: 1)) == .seconds(5))
        // A longer backoff wins over a shorter Retry-After.
        #expect(Self.delay(policy.decide(attempts: 5, retryAfter: .seconds(5), random: 1)) == .seconds(16))
        // The server's demand is honoured even beyond the cap.
        #expect(Self.delay(policy.decide(attempts: 1, retryAfter: .seconds(600), random: 0)) == .seconds(600))
    }

    @Test func aJobOutOfAttemptsIsGivenUp() {
        let policy = RetryPolicy()
        for attempts in 1...7 {
            #expect(Self.delay(policy.decide(attempts: attempts, retryAfter: nil, random: 0.5)) != nil)
        }
        #expect(policy.decide(attempts: 8, retryAfter: nil, random: 0.5) == .giveUp)
        #expect(policy.decide(attempts: 9, retryAfter: .seconds(1), random: 0.5) == .giveUp)
    }

    @Test func oneAttemptMeansNoRetry() {
        #expect(RetryPolicy(maxAttempts: 1).decide(attempts: 1, retryAfter: nil, random: 0) == .giveUp)
    }
}
