import BackfillStore
/// Turns one attempt's outcome into the job's next state and the ledger's outcome. Pure.
public enum AttemptDecision {
    /// - Parameters:
    ///   - attemptsBefore: attempts the job had used before this one.
    ///   - now: wall clock, epoch ms.
    ///   - pauseEnd: when the pacer resumes after a 429, epoch ms.
    ///   - random: `0..<1`, for the backoff's jitter.
    ///   - deferred: the job was refused for an email another participant holds once already, and waited for the
    ///     rest of the run; a second refusal fails it.
    public static func decide(outcome: Outcome, attemptsBefore: Int, policy: RetryPolicy, now: Int64,
                              pauseEnd: Int64?, random: Double, deferred: Bool = false) -> (outcome: AttemptOutcome, transition: JobTransition) {
        switch outcome {
        case .succeeded:
            return (.succeeded, .succeeded)
        case .failed(.emailTaken) where !deferred:
            // The holder may be a participant this run changes later: wait for every other job, then once more.
            return (.retry, .deferred)
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
