import BackfillStore
import Foundation
import GRDB

/// Attempt latencies as an exact histogram (one entry per distinct millisecond value), read in one grouped
/// pass over the ledger: percentiles without loading every attempt, in memory bounded by the timeout.
public struct LatencyDistribution: Sendable, Equatable {
    /// (latency in ms, attempts), ascending by latency.
    public var counts: [(ms: Int64, count: Int)]
    /// (latency in ms, attempts that timed out), ascending, only where some did: the timeouts among `counts`.
    public var timeouts: [(ms: Int64, count: Int)]

    public init(counts: [(ms: Int64, count: Int)], timeouts: [(ms: Int64, count: Int)] = []) {
        self.counts = counts
        self.timeouts = timeouts
    }

    public static func == (lhs: LatencyDistribution, rhs: LatencyDistribution) -> Bool {
        func same(_ a: [(ms: Int64, count: Int)], _ b: [(ms: Int64, count: Int)]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0.ms == $1.ms && $0.count == $1.count }
        }
        return same(lhs.counts, rhs.counts) && same(lhs.timeouts, rhs.timeouts)
    }

    /// Every attempt that measured a latency (a crashed run's interrupted attempts did not).
    /// - Parameter scope: the target whose attempts count; nil: the latest run's.
    public static func read(_ db: Database, scope: TargetScope? = nil) throws -> LatencyDistribution {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let rows = try LedgerReads.latencies(db, scope: scope)
        return LatencyDistribution(counts: rows.map { (ms: $0.latencyMs, count: $0.count) },
                                   timeouts: rows.compactMap { $0.timeouts > 0 ? (ms: $0.latencyMs, count: $0.timeouts) : nil })
    }

    public var timeoutTotal: Int { timeouts.reduce(0) { $0 + $1.count } }

    /// One bar of the page's log-scale histogram: attempts with `low <= latency < high` ms.
    public struct LogBin: Sendable, Equatable {
        public var low: Int64
        public var high: Int64
        public var count: Int
        public var timeouts: Int
    }

    /// Bin edges for a log-scale axis from `low` to `high` ms: every millisecond up to 10 ms, then ten bins per
    /// decade (edges rounded to whole ms: 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, ...).
    public static func logEdges(from low: Int64, to high: Int64) -> [Int64] {
        var edges: [Int64] = []
        var k = 0
        while true {
            let edge: Int64 = k <= 10 ? Int64(k) : Int64((pow(10, 1 + Double(k - 10) / 10)).rounded())
            k += 1
            if edge < low { continue }
            if edges.last != edge { edges.append(edge) }
            if edge >= high { break }
        }
        return edges
    }

    /// Attempts per log-scale bin over `edges` (a latency below the first edge counts in the first bin, one at or
    /// above the last in the last).
    public func logBins(edges: [Int64]) -> [LogBin] {
        guard edges.count >= 2 else { return [] }
        var bins = (0..<(edges.count - 1)).map { LogBin(low: edges[$0], high: edges[$0 + 1], count: 0, timeouts: 0) }
        func index(_ ms: Int64) -> Int {
            // Binary search: the last edge <= ms.
            var lo = 0, hi = edges.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if edges[mid] <= ms { lo = mid } else { hi = mid - 1 }
            }
            return min(lo, bins.count - 1)
        }
        for entry in counts { bins[index(entry.ms)].count += entry.count }
        for entry in timeouts { bins[index(entry.ms)].timeouts += entry.count }
        return bins
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
