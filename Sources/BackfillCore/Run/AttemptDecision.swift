import BackfillStore
/// Turns one attempt's outcome into the job's next state and the ledger's outcome. Pure.
public enum AttemptDecision {
    /// - Parameters:
    ///   - attemptsBefore: attempts the job had used before this one.
    ///   - now: wall clock, epoch ms.
    ///   - pauseEnd: when the pacer resumes after a 429, epoch ms.
    ///   - random: `0..<1`, for the backoff's jitter.
    public static func decide(outcome: Outcome, attemptsBefore: Int, policy: RetryPolicy, now: Int64,
                              pauseEnd: Int64?, random: Double) -> (outcome: AttemptOutcome, transition: JobTransition) {
        switch outcome {
        case .succeeded:
            return (.succeeded, .succeeded)
        case .failed:
            return (.failed, .failed)
        case .retry(_, let retryAfter):
            switch policy.decide(attempts: attemptsBefore + 1, retryAfter: retryAfter, random: random) {
            case .giveUp:
                return (.failed, .failed)
            case .retry(let after):
                return (.retry, .pending(notBefore: now + Int64(after.seconds * 1000), countsAttempt: true))
            }
        case .rateLimited:
            return (.rateLimited, .pending(notBefore: pauseEnd ?? now, countsAttempt: false))
        case .stop:
            return (.stopped, .pending(notBefore: nil, countsAttempt: false))
        }
    }
}
