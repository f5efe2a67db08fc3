import GRDB

/// Attempt latencies as an exact histogram (one entry per distinct millisecond value), read in one grouped
/// pass over the ledger: percentiles without loading every attempt, in memory bounded by the timeout.
public struct LatencyDistribution: Sendable, Equatable {
    /// (latency in ms, attempts), ascending by latency.
    public var counts: [(ms: Int64, count: Int)]

    public init(counts: [(ms: Int64, count: Int)]) {
        self.counts = counts
    }

    public static func == (lhs: LatencyDistribution, rhs: LatencyDistribution) -> Bool {
        lhs.counts.count == rhs.counts.count && zip(lhs.counts, rhs.counts).allSatisfy { $0.ms == $1.ms && $0.count == $1.count }
    }

    /// Every attempt that measured a latency (a crashed run's interrupted attempts did not).
    /// - Parameter scope: the target whose attempts count; nil: the latest run's.
    public static func read(_ db: Database, scope: TargetScope? = nil) throws -> LatencyDistribution {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let rows = try Row.fetchAll(db, sql: scope.sql("""
            SELECT latency_ms, count(*) AS n FROM target_attempt WHERE outcome != 'interrupted'
            GROUP BY latency_ms ORDER BY latency_ms
            """))
        return LatencyDistribution(counts: rows.map { (ms: $0["latency_ms"] as Int64, count: $0["n"] as Int) })
    }

    public var total: Int { counts.reduce(0) { $0 + $1.count } }

    /// Nearest rank: the smallest latency with at least `p` of the attempts at or below it. Nil when empty.
    public func percentile(_ p: Double) -> Int64? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = max(1, Int((p * Double(total)).rounded(.up)))
        var seen = 0
        for entry in counts {
            seen += entry.count
            if seen >= rank { return entry.ms }
        }
        return counts.last?.ms
    }

    /// Bin edges of the page's histogram, in ms: roughly logarithmic, as latencies are.
    public static let binEdges: [Int64] = [0, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000]

    /// Attempts per bin: bin i holds [edge i, edge i+1); the last bin is open-ended.
    public func binned() -> [(label: String, count: Int)] {
        let edges = LatencyDistribution.binEdges
        var bins = Array(repeating: 0, count: edges.count)
        for entry in counts {
            let index = (edges.lastIndex { $0 <= entry.ms }) ?? 0
            bins[index] += entry.count
        }
        return bins.enumerated().map { i, n in
            let label = i + 1 < edges.count ? Self.range(edges[i], edges[i + 1]) : "≥ \(Self.label(edges[i]))"
            return (label: label, count: n)
        }
    }

    /// `10–20 ms`, `0.5–1 s`: one unit per range, so the labels stay short.
    static func range(_ low: Int64, _ high: Int64) -> String {
        guard high >= 1000 else { return "\(low)–\(high) ms" }
        let seconds = { (ms: Int64) in ms % 1000 == 0 ? String(ms / 1000) : String(Double(ms) / 1000) }
        return "\(seconds(low))–\(seconds(high)) s"
    }

    /// `250 ms`, `2 s`.
    public static func label(_ ms: Int64) -> String {
        ms >= 1000 && ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}
