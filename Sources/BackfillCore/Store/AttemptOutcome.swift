import GRDB

/// What one attempt came to (`attempt.outcome`), as the ledger, the summary and the metrics count it.
public enum AttemptOutcome: String, Sendable, CaseIterable, Codable, CodingKeyRepresentable, SQLWord, DatabaseValueConvertible {
    /// 200: the update is applied.
    case succeeded
    /// Refused for good (or no attempts left): the job failed.
    case failed
    /// Worth another try: the job goes back to pending, due after a backoff.
    case retry
    /// 429: every worker paused; the attempt is not counted against the job.
    case rateLimited = "rate_limited"
    /// An answer that stopped the run (401, a wrong host, ...): the job is left as it was.
    case stopped
    /// A crashed run's attempt, found in flight at the next start (its request may have reached the server).
    case interrupted
}
