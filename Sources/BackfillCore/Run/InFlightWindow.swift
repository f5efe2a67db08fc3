import BackfillStore
import ParticipantAPI

/// How many requests may be in flight at once. Pure: latencies come in, a size comes out.
///
/// - **Slow start**: a run begins with one request in flight, so a wrong secret or a host that refuses
///   everything costs one request, not a window's worth. The first success opens the window to what the
///   measured latency needs (doubling from there would only cost rate: at 1 s each round trip is a second of
///   the budget); an answer that is not a success and does not stop the run doubles it; a transport failure
///   (no answer) leaves it.
/// - **Following the need**: once out of slow start the size is what keeps the pacer's rate at the measured
///   latency, with headroom: `rate × L × 1.5 + 2` (Little's law), never more than the ceiling
///   (`--concurrency`). Unpaced, it is the ceiling. L is the p90 of the recent answers' latencies, but at most
///   4 × the fastest success of the run: a network's latency is what it is whatever the load, while a server
///   that queues answers more slowly the more it is sent, and a window that followed that would feed the
///   overload.
/// - **Stragglers** (requests in flight longer than `max(1 s, 4 × p90)`, such as the 2% that take 35 s) do not
///   hold a place in the window, so a slow tail cannot starve the pacer; the ceiling still bounds the total.
public struct InFlightWindow: Sendable {
    /// The most requests in flight at once, stragglers included.
    public let ceiling: Int
    /// Starts per second the pacer allows; nil when unpaced.
    public let rate: Double?
    /// The current size (stragglers excluded).
    public private(set) var size: Int = 1
    /// True until the window first reaches what the rate needs.
    public private(set) var slowStart = true
    /// True once the window wanted more than the ceiling allows: latency limits the rate.
    public private(set) var hitCeiling = false

    static let headroom = 1.5
    static let samples = 256

    private var latencies: [Double] = []
    private var nextSample = 0
    /// The p90 of `latencies`, sorted again every 16 samples (not on every answer: thousands a second
    /// unpaced).
    private var p90: Double?
    private var sinceSort = 0

    public init(ceiling: Int, rate: Double?) {
        precondition(ceiling >= 1)
        self.ceiling = ceiling
        self.rate = rate
    }

    /// The 90th percentile of the recent latencies (the last 256 answers), in seconds; nil before any.
    public var latencyP90: Double? { p90 }

    /// The fastest success of the run (no success can beat the network's round trip), seconds.
    public private(set) var baseLatency: Double?

    /// The latency the window is sized for: p90, at most 4 × the base latency.
    public var sizingLatency: Double? {
        guard let p90 else { return nil }
        return baseLatency.map { min(p90, 4 * $0) } ?? p90
    }

    /// What the rate needs at the measured latency, before the ceiling.
    public var wanted: Int {
        guard let rate else { return Int.max }
        guard let latency = sizingLatency else { return 1 }
        return Int((rate * latency * InFlightWindow.headroom).rounded(.up)) + 2
    }

    /// The size the window tends to once out of slow start.
    public var target: Int { min(ceiling, max(1, wanted)) }

    /// A request in flight this long holds no place in the window.
    public var stragglerAge: Duration {
        .seconds(max(1.0, 4 * (latencyP90 ?? 0.25)))
    }

    /// Whether another request may start with `inFlight` requests out, `stragglers` of them stragglers.
    public func allowsStart(inFlight: Int, stragglers: Int) -> Bool {
        inFlight < ceiling && inFlight - stragglers < size
    }

    /// A request ended after `latency`; `answered` is false when no HTTP answer came (a transport failure),
    /// `succeeded` true for a 2xx.
    public mutating func ended(latency: Duration, answered: Bool, succeeded: Bool = false) {
        // Only answers measure the latency: a timeout says nothing about it but "overloaded or unreachable", and
        // letting it grow the window would feed the overload.
        guard answered else { return }
        let seconds = max(0, latency.seconds)
        if succeeded { baseLatency = min(baseLatency ?? seconds, seconds) }
        if latencies.count < InFlightWindow.samples {
            latencies.append(seconds)
        } else {
            latencies[nextSample] = seconds
            nextSample = (nextSample + 1) % InFlightWindow.samples
        }
        sinceSort += 1
        if p90 == nil || sinceSort >= 16 || latencies.count < 16 {
            let sorted = latencies.sorted()
            p90 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))]

            sinceSort = 0
        }
        if wanted > ceiling { hitCeiling = true }
        if slowStart {
            size = succeeded ? target : min(ceiling, size * 2)
            if succeeded || size >= target { slowStart = false; size = target }
        } else {
            size = target
        }
    }
}
