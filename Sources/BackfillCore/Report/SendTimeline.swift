import BackfillStore
import GRDB
import ParticipantAPI

/// Requests over time, for the page: the ledger bucketed by `attempt.ended_at` into at most `maxBuckets`
/// buckets of a round width (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1 day), aligned
/// on multiples of that width in UTC, each split by outcome; the runs with their configured rate; and the
/// pauses after 429s (from the 429 to the next request started).
public struct SendTimeline: Sendable {
    public struct Bucket: Sendable, Equatable {
        /// Epoch ms of the bucket's start.
        public var start: Int64
        public var succeeded = 0
        /// Answers the job will be retried after (5xx, timeouts, resets before the last attempt).
        public var retried = 0
        /// Answers that failed the job for good (or stopped the run).
        public var failed = 0
        /// 429 answers.
        public var rateLimited = 0

        public var total: Int { succeeded + retried + failed + rateLimited }
    }

    /// A run of the target, as the chart draws it.
    public struct Run: Sendable, Equatable {
        public var id: Int64
        public var start: Int64
        /// When it ended; its last answer when it did not record an end (still going, or crashed).
        public var end: Int64
        public var rate: String
        /// Nil when unpaced.
        public var configuredPerSecond: Double?
    }

    /// Starts held after a 429: from the first 429 of an episode to the first request started after its last.
    public struct Pause: Sendable, Equatable {
        public var start: Int64
        public var end: Int64
        public var rateLimited: Int
    }

    public var bucketMs: Int64
    /// Consecutive buckets from the first answer to the last (empty ones included).
    public var buckets: [Bucket]
    public var runs: [Run] = []
    public var pauses: [Pause] = []

    public init(bucketMs: Int64, buckets: [Bucket], runs: [Run] = [], pauses: [Pause] = []) {
        self.bucketMs = bucketMs
        self.buckets = buckets
        self.runs = runs
        self.pauses = pauses
    }

    /// Bucket widths the chart uses, in seconds.
    static let widths: [Int64] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]

    /// The smallest round width that covers `first...last` (epoch ms) in at most `maxBuckets` aligned buckets.
    static func bucketWidth(first: Int64, last: Int64, maxBuckets: Int) -> Int64 {
        for seconds in widths {
            let ms = seconds * 1000
            if (last / ms - first / ms) + 1 <= Int64(maxBuckets) { return ms }
        }
        let day: Int64 = 86_400_000
        return day * ((last - first) / day / Int64(maxBuckets) + 1)
    }

    /// - Parameter scope: the target whose attempts count; nil: the latest run's.
    public static func read(_ db: Database, maxBuckets: Int = 120, scope: TargetScope? = nil) throws -> SendTimeline {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        // Over the `attempt_target` index (interrupted attempts included: the buckets ignore them).
        guard let (first, last) = try LedgerReads.span(db, scope: scope) else {
            return SendTimeline(bucketMs: 1000, buckets: [])
        }
        let bucketMs = bucketWidth(first: first, last: last, maxBuckets: maxBuckets)
        let origin = first - first % bucketMs
        let count = Int((last - origin) / bucketMs) + 1
        var buckets = (0..<count).map { Bucket(start: origin + Int64($0) * bucketMs) }
        for b in try LedgerReads.buckets(db, scope: scope, origin: origin, width: bucketMs) {
            guard buckets.indices.contains(b.index) else { continue }
            buckets[b.index].succeeded = b.succeeded
            buckets[b.index].retried = b.retried
            buckets[b.index].failed = b.failed
            buckets[b.index].rateLimited = b.rateLimited
        }
        let runs = try SummaryReads.runs(db, scope: scope).map { run -> Run in
            let end = run.endedAt ?? run.lastAnswerAt ?? run.startedAt
            return Run(id: run.id, start: run.startedAt, end: max(end, run.startedAt), rate: run.rate,
                       configuredPerSecond: RateLimit(parsing: run.rate)?.perSecond)
        }
        var timeline = SendTimeline(bucketMs: bucketMs, buckets: buckets, runs: runs)
        timeline.pauses = try readPauses(db, scope: scope, timeline: timeline)
        return timeline
    }

    /// Most episodes drawn; the buckets still mark every 429.
    static let maxPauses = 60

    /// The 429 episodes, read only inside the buckets that have 429s (through the ledger's `ended_at` index).
    private static func readPauses(_ db: Database, scope: TargetScope, timeline: SendTimeline) throws -> [Pause] {
        var times: [Int64] = []
        for bucket in timeline.buckets where bucket.rateLimited > 0 {
            times += try LedgerReads.rateLimitedAnswers(db, scope: scope, from: bucket.start, to: bucket.start + timeline.bucketMs)
            if times.count > 100_000 { break }
        }
        func nextStart(after t: Int64) throws -> Int64? {
            try LedgerReads.firstStart(db, scope: scope, after: t)
        }
        func runEnd(_ t: Int64) -> Int64 {
            timeline.runs.first { $0.start <= t && t <= $0.end }?.end ?? t
        }
        var pauses: [Pause] = []
        var i = 0
        while i < times.count, pauses.count < maxPauses {
            let start = times[i]
            var last = start
            var resumed = try nextStart(after: last) ?? runEnd(last)
            var j = i + 1
            // The other requests in flight when the limit hit answer 429 too: one episode.
            while j < times.count, times[j] <= resumed {
                if times[j] > last {
                    last = times[j]
                    resumed = try nextStart(after: last) ?? runEnd(last)
                }
                j += 1
            }
            pauses.append(Pause(start: start, end: max(resumed, last), rateLimited: j - i))
            i = j
        }
        return pauses
    }
}
