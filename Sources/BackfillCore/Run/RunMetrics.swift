import BackfillStore
import CoreMetrics
import Synchronization

/// A run's metrics through swift-metrics, every one labelled with the target. The executable chooses the
/// backend (Prometheus for `run --metrics`); the library only counts and sets.
///
/// - Counters follow the ledger: `recorded(_:)` is called with a batch once the writer has committed it, so at
///   any moment `backfill_attempts_total` is exactly the attempts rows this run wrote.
/// - Gauges follow the run's own counts (`update(_:)` with a `RunProgress`), never a scan of the job table.
///
/// ```swift
/// let metrics = RunMetrics(factory: PrometheusMetricsFactory(registry: registry), target: "cert")
/// metrics.recorded(records)
/// metrics.update(progress)
/// ```
public final class RunMetrics: Sendable {
    public enum Name {
        public static let attempts = "backfill_attempts_total"
        public static let jobs = "backfill_jobs"
        public static let inFlight = "backfill_in_flight"
        public static let window = "backfill_in_flight_window"
        public static let ceiling = "backfill_in_flight_ceiling"
        public static let rateLimitFactor = "backfill_rate_limit_factor"
        public static let paused = "backfill_paused"
        public static let requestDuration = "backfill_request_duration_seconds"
        public static let rateLimited = "backfill_rate_limited_total"
        public static let eta = "backfill_eta_seconds"
        /// Fields a 200 echoed with another value than the one sent.
        public static let echoMismatches = "backfill_echo_mismatches_total"
        /// Lockouts of the IP the run caused, and the seconds everything the IP sends was refused for them.
        public static let ipLockouts = "backfill_ip_lockouts_total"
        public static let ipLockoutSeconds = "backfill_ip_lockout_seconds_total"
        /// The rate the run is configured to now (`--rate`, or what `backfill rate` set), requests per second.
        public static let configuredRate = "backfill_configured_rate"
        public static let all = [attempts, jobs, inFlight, window, ceiling, rateLimitFactor, paused, requestDuration,
                                 rateLimited, eta, echoMismatches, ipLockouts, ipLockoutSeconds, configuredRate]
    }

    /// The request-duration histogram's buckets, seconds: loopback to past the default 30 s timeout.
    public static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private let factory: any MetricsFactory
    private let target: String
    private let attemptCounters = Mutex<[String: Counter]>([:])
    private let rateLimited: Counter
    private let echoMismatches: Counter
    private let duration: Timer
    private let jobs: [JobStatus: Gauge]
    private let inFlight: Gauge
    private let window: Gauge
    private let ceiling: Gauge
    private let rateLimitFactor: Gauge
    private let paused: Gauge
    private let eta: Gauge
    private let ipLockouts: Counter
    private let ipLockoutSeconds: FloatingPointCounter
    private let configuredRate: Gauge
    /// What the counters above have been told so far (progress carries totals).
    private let counted = Mutex<(lockouts: Int, seconds: Double)>((0, 0))

    public init(factory: any MetricsFactory, target: String) {
        self.factory = factory
        self.target = target
        let t = [("target", target)]
        rateLimited = Counter(label: Name.rateLimited, dimensions: t, factory: factory)
        echoMismatches = Counter(label: Name.echoMismatches, dimensions: t, factory: factory)
        duration = Timer(label: Name.requestDuration, dimensions: t, factory: factory)
        jobs = Dictionary(uniqueKeysWithValues: JobStatus.latest.map {
            ($0, Gauge(label: Name.jobs, dimensions: t + [("state", $0.rawValue)], factory: factory))
        })
        inFlight = Gauge(label: Name.inFlight, dimensions: t, factory: factory)
        window = Gauge(label: Name.window, dimensions: t, factory: factory)
        ceiling = Gauge(label: Name.ceiling, dimensions: t, factory: factory)
        rateLimitFactor = Gauge(label: Name.rateLimitFactor, dimensions: t, factory: factory)
        paused = Gauge(label: Name.paused, dimensions: t, factory: factory)
        eta = Gauge(label: Name.eta, dimensions: t, factory: factory)
        ipLockouts = Counter(label: Name.ipLockouts, dimensions: t, factory: factory)
        ipLockoutSeconds = FloatingPointCounter(label: Name.ipLockoutSeconds, dimensions: t, factory: factory)
        configuredRate = Gauge(label: Name.configuredRate, dimensions: t, factory: factory)
    }

    /// A batch of attempts the ledger now holds.
    public func recorded(_ records: [AttemptRecord]) {
        guard !records.isEmpty else { return }
        attemptCounters.withLock { counters in
            for r in records {
                let status = r.status.map(String.init) ?? "none"
                let key = r.outcome.rawValue + " " + status
                let counter = counters[key] ?? {
                    let made = Counter(label: Name.attempts,
                                       dimensions: [("target", target), ("outcome", r.outcome.rawValue), ("status", status)],
                                       factory: factory)
                    counters[key] = made
                    return made
                }()
                counter.increment()
            }
        }
        for r in records {
            if !r.echoMismatches.isEmpty { echoMismatches.increment(by: r.echoMismatches.count) }
            if r.status == 429 { rateLimited.increment() }
            duration.recordMilliseconds(max(0, r.endedAt - r.startedAt))
        }
    }

    /// The run's numbers now.
    public func update(_ p: RunProgress) {
        for (state, gauge) in jobs { gauge.record(p.jobs[state]) }
        inFlight.record(p.inFlight)
        window.record(p.window)
        ceiling.record(p.ceiling)
        rateLimitFactor.record(p.rateFactor)
        paused.record(p.paused ? 1 : 0)
        // Unknown (no answer yet) is NaN, not 0: a dashboard must not read "nothing left".
        eta.record(p.eta ?? .nan)
        configuredRate.record(p.configuredRate ?? .nan)
        let (newLockouts, newSeconds) = counted.withLock { c -> (Int, Double) in
            defer { c = (max(c.lockouts, p.lockouts), max(c.seconds, p.lockoutSeconds)) }
            return (p.lockouts - c.lockouts, p.lockoutSeconds - c.seconds)
        }
        if newLockouts > 0 { ipLockouts.increment(by: newLockouts) }
        if newSeconds > 0 { ipLockoutSeconds.increment(by: newSeconds) }
    }
}
