import GRDB

/// Requests over time, for the page: the ledger bucketed by `attempt.ended_at` into at most `maxBuckets`
/// whole-second buckets, each split into first sends, retries (attempt number > 1) and 429s.
public struct SendTimeline: Sendable {
    public struct Bucket: Sendable, Equatable {
        /// Epoch ms of the bucket's start.
        public var start: Int64
        public var firstSends = 0
        public var retries = 0
        public var rateLimited = 0

        public var total: Int { firstSends + retries + rateLimited }
    }

    public var bucketMs: Int64
    /// Consecutive buckets from the first request to the last (empty ones included).
    public var buckets: [Bucket]

    /// - Parameter scope: the target whose attempts count; nil: the latest run's.
    public static func read(_ db: Database, maxBuckets: Int = 120, scope: TargetScope? = nil) throws -> SendTimeline {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        guard let span = try Row.fetchOne(db, sql: scope.sql("""
            SELECT min(ended_at) AS first, max(ended_at) AS last FROM target_attempt WHERE outcome != 'interrupted'
            """)), let first: Int64 = span["first"], let last: Int64 = span["last"] else {
            return SendTimeline(bucketMs: 1000, buckets: [])
        }
        let seconds = (last - first) / 1000 + 1
        let bucketSeconds = max(1, (seconds + Int64(maxBuckets) - 1) / Int64(maxBuckets))
        let bucketMs = bucketSeconds * 1000
        let origin = first - first % 1000
        let count = Int((last - origin) / bucketMs) + 1
        var buckets = (0..<count).map { Bucket(start: origin + Int64($0) * bucketMs) }
        for row in try Row.fetchAll(db, sql: scope.sql("""
            SELECT (ended_at - ?1) / ?2 AS b,
                   sum(outcome != 'rate_limited' AND number <= 1) AS first_sends,
                   sum(outcome != 'rate_limited' AND number > 1) AS retries,
                   sum(outcome = 'rate_limited') AS limited
            FROM target_attempt WHERE outcome != 'interrupted' GROUP BY b ORDER BY b
            """), arguments: [origin, bucketMs]) {
            let index: Int = row["b"]
            guard buckets.indices.contains(index) else { continue }
            buckets[index].firstSends = row["first_sends"]
            buckets[index].retries = row["retries"]
            buckets[index].rateLimited = row["limited"]
        }
        return SendTimeline(bucketMs: bucketMs, buckets: buckets)
    }
}
