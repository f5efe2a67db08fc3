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
        guard let span = try Row.fetchOne(db, sql: scope.sql("""
            SELECT min(ended_at) AS first, max(ended_at) AS last FROM target_attempt
            """)), let first: Int64 = span["first"], let last: Int64 = span["last"] else {
            return SendTimeline(bucketMs: 1000, buckets: [])
        }
        let bucketMs = bucketWidth(first: first, last: last, maxBuckets: maxBuckets)
        let origin = first - first % bucketMs
        let count = Int((last - origin) / bucketMs) + 1
        var buckets = (0..<count).map { Bucket(start: origin + Int64($0) * bucketMs) }
        for row in try Row.fetchAll(db, sql: scope.sql("""
            SELECT (ended_at - ?1) / ?2 AS b,
                   count(CASE WHEN outcome = 'succeeded' THEN 1 END),
                   count(CASE WHEN outcome = 'retry' THEN 1 END),
                   count(CASE WHEN outcome IN ('failed', 'stopped') THEN 1 END),
                   count(CASE WHEN outcome = 'rate_limited' THEN 1 END)
            FROM target_attempt WHERE outcome != 'interrupted' GROUP BY b ORDER BY b
            """), arguments: [origin, bucketMs]) {
            let index: Int = row[0]
            guard buckets.indices.contains(index) else { continue }
            buckets[index].succeeded = row[1]
            buckets[index].retried = row[2]
            buckets[index].failed = row[3]
            buckets[index].rateLimited = row[4]
        }
        let runs = try Row.fetchAll(db, sql: scope.sql("""
            SELECT r.id, r.started_at, r.ended_at, r.rate,
                   CASE WHEN r.ended_at IS NULL THEN (SELECT max(a.ended_at) FROM attempt a WHERE a.run_id = r.id) END AS last_answer
            FROM target_run r ORDER BY r.id
            """)).map { row -> Run in
            let start: Int64 = row["started_at"]
            let rate: String = row["rate"]
            let end: Int64 = row["ended_at"] ?? row["last_answer"] ?? start
            return Run(id: row["id"], start: start, end: max(end, start), rate: rate,
                       configuredPerSecond: RateLimit(parsing: rate)?.perSecond)
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
            times += try Int64.fetchAll(db, sql: scope.sql("""
                SELECT ended_at FROM target_attempt
                WHERE ended_at >= ? AND ended_at < ? AND outcome = 'rate_limited' ORDER BY ended_at LIMIT 10000
                """), arguments: [bucket.start, bucket.start + timeline.bucketMs])
            if times.count > 100_000 { break }
        }
        func nextStart(after t: Int64) throws -> Int64? {
            try Int64.fetchOne(db, sql: scope.sql("""
                SELECT started_at FROM target_attempt
                WHERE ended_at > ?1 AND started_at >= ?1 AND outcome != 'interrupted' ORDER BY ended_at LIMIT 1
                """), arguments: [t])
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
