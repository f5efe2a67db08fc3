import BackfillStore
import CoreMetrics
import ParticipantAPI

/// A run's numbers at one instant, for the progress line, status lines and (later) metrics. The library
/// measures; the executable decides how to show it.
public struct RunProgress: Sendable, Equatable {
    public var target: String
    /// Seconds since the run began.
    public var elapsed: Double
    /// Jobs answered for good (succeeded or failed) and the jobs this run set out to send.
    public var done: Int
    public var total: Int
    public var attempts: Int
    public var succeeded: Int
    public var failed: Int
    /// Attempts that will be repeated.
    public var retried: Int
    public var rateLimited: Int
    public var inFlight: Int
    /// The in-flight window now, and its ceiling (`--concurrency`).
    public var window: Int
    public var ceiling: Int
    /// p90 of the recent latencies, seconds.
    public var latencyP90: Double?
    /// Requests per second since the run began.
    public var achievedRate: Double
    /// The configured rate, per second (nil: unpaced).
    public var configuredRate: Double?
    /// The pacer's share of the configured rate (1 = all of it), and whether a 429 pause is on.
    public var rateFactor: Double
    public var paused: Bool
    /// Seconds left at the achieved rate, when it can be told.
    public var eta: Double?
    /// The last snapshot, taken as the run ends.
    public var final: Bool
    /// Jobs on the target by state (`JobStatus.latest`): the counts at the start moved by this run's answers.
    public var jobs = JobCounts()
    /// The database's mode: in history mode the jobs are steps, and are called so.
    public var mode: IngestMode = .latest
    /// Lockouts of the IP the run caused so far, and their seconds.
    public var lockouts = 0
    public var lockoutSeconds: Double = 0
}

/// What the run tells the executable while it goes. Every closure runs on the run's control queue: keep it short.
public struct RunEvents: Sendable {
    /// How often `progress` is called (nil: never, but for the final snapshot).
    public var progressEvery: Duration?
    public var progress: @Sendable (RunProgress) -> Void
    /// A first SIGINT/SIGTERM: the run finishes the requests in flight, then stops.
    public var interrupting: @Sendable (_ signal: Int32, _ inFlight: Int) -> Void
    /// A second signal: the executable leaves at once (the next run recovers what was in flight).
    public var exitNow: @Sendable (_ signal: Int32) -> Void
    /// Where the run's metrics go (nil: nowhere). See `RunMetrics`.
    public var metrics: (any MetricsFactory)?
    /// The contract the run speaks to its target, and how it knows (before any PATCH).
    public var contract: @Sendable (_ contract: Contract, _ origin: String) -> Void = { _, _ in }

    public init(progressEvery: Duration? = nil, progress: @escaping @Sendable (RunProgress) -> Void = { _ in },
                interrupting: @escaping @Sendable (Int32, Int) -> Void = { _, _ in },
                exitNow: @escaping @Sendable (Int32) -> Void = { _ in }, metrics: (any MetricsFactory)? = nil) {
        self.metrics = metrics
        self.progressEvery = progressEvery
        self.progress = progress
        self.interrupting = interrupting
        self.exitNow = exitNow
    }
}
