import GRDB

/// What ingest decided about a job (`job.state`); the same on every target.
public enum JobState: String, Sendable, CaseIterable, Codable, SQLWord, DatabaseValueConvertible {
    /// Ready to send.
    case pending
    /// Not to be sent: see its hold reasons or email conflict.
    case held
    /// Replaced by a newer fold; kept for the audit trail (and the targets it was sent to).
    case superseded
}

/// Where a job stands on one target (`job_send.state`).
public enum SendState: String, Sendable, CaseIterable, Codable, SQLWord, DatabaseValueConvertible {
    case pending
    /// Taken by a run, not started yet: a crash returns it to pending with no attempt.
    case claimed
    /// Started: the request may have reached the server.
    case inFlight = "in_flight"
    case succeeded
    case failed

    /// The states of a job that was sent: one of them on a target wins over the job's own state there.
    public static let sent: [SendState] = [.inFlight, .succeeded, .failed]
}
