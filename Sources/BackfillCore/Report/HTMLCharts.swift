import BackfillStore
import Foundation
import ParticipantAPI
import Plot

/// The page's inline SVG charts, as Plot nodes. Sizes are in SVG user units; the page scales them to its width.
/// Axis ticks fall on round values (1, 2 or 5 times a power of ten; whole seconds, minutes or hours on time
/// axes), and labels that could collide are staggered or moved aside.
enum HTMLCharts {
    static let stateColors: [JobStatus: String] = [
        .succeeded: "#2e7d32", .failed: "#c62828", .held: "#ef8f00", .pending: "#90a4ae", .inFlight: "#1e88e5", .blocked: "#b0bec5",
    ]
    static let succeededColor = "#1e88e5"
    static let retryColor = "#f4a100"
    static let failedColor = "#c62828"
    static let limitedColor = "#7b1fa2"
    static let pauseColor = "#ede7f6"
    static let timeoutColor = "#c62828"
    static let apiLimitColor = "#d32f2f"
    static let configuredColor = "#37474f"

    static let width = 960.0

    /// Collects SVG elements.
    struct Canvas {
        var nodes: [HNode] = []

        mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String? = nil) {
            let attributes: KeyValuePairs<String, String> = ["x": n(x), "y": n(y), "width": n(max(w, 0.5)), "height": n(max(h, 0.5)), "fill": fill]
            if let title {
                nodes.append(H.el("rect", attributes, [H.el("title", text: title)]))
            } else {
                nodes.append(H.leaf("rect", attributes))
            }
        }

        mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class name: String) {
            nodes.append(H.leaf("line", ["x1": n(x1), "y1": n(y1), "x2": n(x2), "y2": n(y2), "class": name]))
        }

        mutating func polyline(_ points: [(Double, Double)], class name: String) {
            guard points.count >= 2 else { return }
            nodes.append(H.leaf("polyline", ["points": points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " "), "class": name]))
        }

        mutating func text(_ x: Double, _ y: Double, _ text: String, anchor: String = "start", class name: String = "tick") {
            nodes.append(H.el("text", ["x": n(x), "y": n(y), "text-anchor": anchor, "class": name], text: text))
        }

        mutating func path(_ d: String, fill: String, title: String? = nil) {
            if let title {
                nodes.append(H.el("path", ["d": d, "fill": fill], [H.el("title", text: title)]))
            } else {
                nodes.append(H.leaf("path", ["d": d, "fill": fill]))
            }
        }

        func svg(height: Double, label: String) -> HNode {
            H.el("svg", ["xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 \(n(HTMLCharts.width)) \(n(height))",
                         "class": "chart", "role": "img", "aria-label": label], nodes)
        }

        private func n(_ value: Double) -> String { HTMLText.num(value) }
    }

    // MARK: - Outcome bar

    /// One horizontal bar split by state.
    static func outcomeBar(_ jobs: JobCounts) -> HNode {
        var c = Canvas()
        let total = jobs.total
        guard total > 0 else {
            c.rect(0, 4, width, 32, fill: "#eceff1")
            c.text(width / 2, 25, "no jobs", anchor: "middle", class: "muted")
            return c.svg(height: 40, label: "jobs by state")
        }
        var x = 0.0
        for state in JobStatus.latest {
            let count = jobs[state]
            guard count > 0 else { continue }
            let w = width * Double(count) / Double(total)
            c.rect(x, 4, w, 32, fill: stateColors[state]!, title: "\(state.rawValue): \(HTMLText.count(count))")
            x += w
        }
        return c.svg(height: 40, label: "jobs by state")
    }

    // MARK: - Scales

    /// 1, 2 or 5 times a power of ten, at least `value` (and at least 1).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 1 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    /// A linear axis from 0 with round ticks: the smallest step of 1, 2 or 5 times a power of ten that needs at
    /// most `maxTicks` intervals, and the top at the first tick at or above `value`. Steps below 1 only when
    /// `integral` is false.
    static func linearScale(_ value: Double, maxTicks: Int = 5, integral: Bool = true) -> (top: Double, step: Double) {
        let v = max(value, integral ? 1 : 0.001)
        for exponent in -3...15 {
            for factor in [1.0, 2.0, 5.0] {
                let step = factor * pow(10, Double(exponent))
                if integral && step < 1 { continue }
                if (v / step).rounded(.up) <= Double(maxTicks) { return (top: max(step, (v / step).rounded(.up) * step), step: step) }
            }
        }
        return (top: v, step: v)
    }

    /// Tick text: `1,500`, `2.5`, `0.2`.
    static func tickLabel(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return HTMLText.count(Int(rounded)) }
        return String(format: "%g", rounded)
    }

    /// Horizontal grid lines and y labels at every step.
    static func yAxis(_ c: inout Canvas, left: Double, top: Double, width: Double, height: Double,
                      scale: (top: Double, step: Double), unit: String) {
        for k in 0...Int((scale.top / scale.step).rounded()) {
            let value = Double(k) * scale.step
            let y = top + height - height * value / scale.top
            c.line(left, y, left + width, y, class: k == 0 ? "axis" : "grid")
            c.text(left - 6, y + 4, tickLabel(value) + unit, anchor: "end")
        }
    }

    /// Time-axis steps, in seconds.
    static let timeSteps: [Int64] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]

    /// Ticks at multiples of a round step (UTC), at most `maxTicks` of them over `start..<end` (epoch ms).
    static func timeTicks(start: Int64, end: Int64, maxTicks: Int = 8) -> (step: Int64, ticks: [Int64]) {
        let span = max(end - start, 1)
        let step = (timeSteps.first { span / ($0 * 1000) < Int64(maxTicks) } ?? (span / 86_400_000 / Int64(maxTicks) + 1) * 86400) * 1000
        var t = start % step == 0 ? start : start - start % step + step
        var ticks: [Int64] = []
        while t <= end {
            ticks.append(t)
            t += step
        }
        return (step, ticks)
    }

    /// `HH:MM:SS` for steps under a minute, else `HH:MM`; midnight (and the first tick of a span over a day)
    /// carry the date, `05-07 00:00`.
    static func timeLabel(_ ms: Int64, step: Int64, withDate: Bool) -> String {
        let clock = HTMLText.clock(ms)
        let text = step < 60_000 ? clock : String(clock.prefix(5))
        guard withDate else { return text }
        let iso = ReportTime.iso8601(ms - ms % 1000)
        return "\(iso.dropFirst(5).prefix(5)) \(text)"
    }

    // MARK: - Throughput

    /// Requests per second over time: stacked bars of succeeded, to-be-retried, failed and 429 answers; the
    /// configured rate of each run and the API's documented limit as lines; pauses after 429s shaded and every
    /// bucket with a 429 marked ▼.
    static func timeline(_ timeline: SendTimeline) -> HNode {
        let (left, top, plotW, plotH) = (64.0, 30.0, 872.0, 230.0)
        var c = Canvas()
        guard let first = timeline.buckets.first else {
            c.line(left, top + plotH, left + plotW, top + plotH, class: "axis")
            c.text(left + plotW / 2, top + plotH / 2, "no requests sent yet", anchor: "middle", class: "muted")
            return c.svg(height: 300, label: "requests per second over time")
        }
        let seconds = Double(timeline.bucketMs) / 1000
        let origin = first.start
        let end = origin + Int64(timeline.buckets.count) * timeline.bucketMs
        let spanMs = Double(end - origin)
        func x(_ t: Int64) -> Double { left + plotW * Double(min(max(t, origin), end) - origin) / spanMs }

        let peak = timeline.buckets.map { Double($0.total) / seconds }.max() ?? 0
        let configuredPeak = timeline.runs.compactMap(\.configuredPerSecond).max() ?? 0
        let apiLimit = RateLimit.documented.perSecond
        // The API's limit widens the scale only when the run came near it; else it is written above the chart.
        let base = max(peak, configuredPeak)
        let limitOnScale = apiLimit <= max(base, 1) * 2
        let scale = linearScale(limitOnScale ? max(base, apiLimit) * 1.04 : base * 1.04, integral: base >= 5)
        func y(_ perSecond: Double) -> Double { top + plotH - plotH * min(perSecond, scale.top) / scale.top }

        // Pauses first, behind the bars.
        for pause in timeline.pauses {
            let x0 = x(pause.start), x1 = max(x(pause.end), x0 + 1.5)
            let length = Double(pause.end - pause.start) / 1000
            c.rect(x0, top, x1 - x0, plotH, fill: pauseColor,
                   title: "paused after \(pause.rateLimited) answer\(pause.rateLimited == 1 ? "" : "s") 429 at \(HTMLText.clock(pause.start)) UTC, for \(ReportSummary.format(length)) s")
        }
        yAxis(&c, left: left, top: top, width: plotW, height: plotH, scale: scale, unit: "/s")

        let slot = plotW / Double(timeline.buckets.count)
        let barW = max(slot * 0.86, 0.6)
        for b in timeline.buckets where b.total > 0 {
            let bx = x(b.start) + (slot - barW) / 2
            var top0 = top + plotH
            let tip = "\(HTMLText.clock(b.start)) UTC, per \(ReportSummary.format(seconds)) s: \(b.succeeded) succeeded, \(b.retried) to be retried, \(b.failed) failed, \(b.rateLimited) answered 429 (\(ReportSummary.format(Double(b.total) / seconds))/s)"
            var bar = Canvas()
            for (value, color) in [(b.succeeded, succeededColor), (b.retried, retryColor), (b.failed, failedColor), (b.rateLimited, limitedColor)] where value > 0 {
                let h = plotH * Double(value) / seconds / scale.top
                top0 -= h
                bar.rect(bx, top0, barW, h, fill: color)
            }
            if b.rateLimited > 0 {
                let cx = bx + barW / 2
                let ty = max(top0 - 3, top + 8)
                bar.path("M\(HTMLText.num(cx - 4.5)) \(HTMLText.num(ty - 8)) L\(HTMLText.num(cx + 4.5)) \(HTMLText.num(ty - 8)) L\(HTMLText.num(cx)) \(HTMLText.num(ty)) Z", fill: limitedColor)
            }
            c.nodes.append(H.el("g", [:], [H.el("title", text: tip)] + bar.nodes))
        }

        // Lines: each run's configured rate over its span, the API's limit across the chart.
        var labels: [(x: Double, y: Double, text: String, anchor: String, cls: String)] = []
        let limitY = y(apiLimit)
        if limitOnScale {
            c.line(left, limitY, left + plotW, limitY, class: "limit")
            labels.append((left + plotW, limitY - 5, "API limit \(HTMLText.count(Int(apiLimit)))/s (\(RateLimit.documented))", "end", "limit-label"))
        } else {
            labels.append((left + plotW, top - 8, "API limit \(HTMLText.count(Int(apiLimit)))/s (\(RateLimit.documented)): above this scale", "end", "limit-label"))
        }
        for run in timeline.runs {
            let x0 = x(run.start), x1 = x(run.end)
            guard let rate = run.configuredPerSecond else {
                labels.append((x0 + 4, top + 12, "run #\(run.id): unpaced", "start", "configured-label"))
                continue
            }
            let ry = y(rate)
            c.line(x0, ry, max(x1, x0 + 2), ry, class: "configured")
            // Above its line, unless the limit's label sits there: then below.
            let clash = limitOnScale && abs(ry - limitY) < 16 && x1 > left + plotW - 260
            let anchorEnd = x0 > left + plotW - 200
            labels.append((anchorEnd ? x1 : x0 + 4, clash ? ry + 14 : ry - 5,
                           "run #\(run.id): --rate \(run.rate) (\(ReportSummary.format(rate))/s)",
                           anchorEnd ? "end" : "start", "configured-label"))
        }
        if timeline.runs.count > 1 {
            for run in timeline.runs.dropFirst() where x(run.start) > left + 1 {
                c.line(x(run.start), top, x(run.start), top + plotH, class: "run-start")
            }
        }
        for l in labels { c.text(l.x, l.y, l.text, anchor: l.anchor, class: l.cls) }

        // Time axis.
        let ticks = timeTicks(start: origin, end: end)
        let crossesDays = origin / 86_400_000 != (end - 1) / 86_400_000
        for (i, t) in ticks.ticks.enumerated() {
            let tx = x(t)
            c.line(tx, top + plotH, tx, top + plotH + 4, class: "axis")
            let withDate = crossesDays && (i == 0 || t % 86_400_000 == 0)
            let anchor = tx < left + 30 ? "start" : tx > left + plotW - 30 ? "end" : "middle"
            c.text(tx, top + plotH + 18, timeLabel(t, step: ticks.step, withDate: withDate), anchor: anchor)
        }
        let day = String(ReportTime.iso8601(origin).prefix(10))
        c.text(left + plotW, top + plotH + 36, "time (UTC, \(day)); each bar \(durationText(timeline.bucketMs))", anchor: "end", class: "caption")
        return c.svg(height: 300, label: "requests per second over time")
    }

    /// `1 s`, `15 s`, `5 min`, `2 h`.
    static func durationText(_ ms: Int64) -> String {
        let s = ms / 1000
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86400 { return "\(s / 3600) h" }
        return "\(s / 86400) d"
    }

    // MARK: - Latency

    /// The 1, 2, 5 ... values at or below `ms` (at least 1) and above it.
    static func logBounds(min low: Int64, max high: Int64) -> (Int64, Int64) {
        let steps: [Int64] = [1, 2, 5]
        var candidates: [Int64] = []
        var magnitude: Int64 = 1
        while magnitude <= 1_000_000_000 {
            for s in steps { candidates.append(s * magnitude) }
            magnitude *= 10
        }
        let lo = candidates.last { $0 <= max(low, 1) } ?? 1
        let hi = candidates.first { $0 > high } ?? candidates.last!
        return (lo, hi)
    }

    /// Log-axis bin edges: every ms to 10, then R10 steps (10, 12.5, 16, 20, 25, 32, 40, 50, 63, 80, 100 ...)
    /// so that the round values fall on edges.
    static func edges(from lo: Int64, to hi: Int64) -> [Int64] {
        var out: [Int64] = []
        for ms in 1...10 where Int64(ms) >= lo && Int64(ms) <= hi { out.append(Int64(ms)) }
        let steps = [10.0, 12.5, 16, 20, 25, 32, 40, 50, 63, 80]
        var magnitude = 1.0
        while magnitude * 10 < Double(hi) * 10 {
            for s in steps {
                let edge = Int64((s * magnitude).rounded())
                if edge > 10, edge >= lo, edge <= hi, out.last.map({ edge > $0 }) ?? true { out.append(edge) }
            }
            magnitude *= 10
        }
        if out.last.map({ $0 < hi }) ?? true { out.append(hi) }
        if out.count == 1 { out.insert(max(lo - 1, 0), at: 0) }
        return out
    }

    /// The latency histogram on a log-scale x axis, with p50, p90, p99 and max marked and written on it, timeouts
    /// in red; then the slow tail (at or above p90) on its own y scale, so its few requests show.
    static func latency(_ distribution: LatencyDistribution) -> [HNode] {
        guard let minMs = distribution.counts.first?.ms, let maxMs = distribution.counts.last?.ms,
              let p50 = distribution.percentile(0.5), let p90 = distribution.percentile(0.9),
              let p99 = distribution.percentile(0.99) else {
            var c = Canvas()
            c.text(width / 2, 60, "no requests yet", anchor: "middle", class: "muted")
            return [c.svg(height: 100, label: "latency histogram")]
        }
        let (lo, hi) = logBounds(min: minMs, max: maxMs)
        let marks: [(String, Int64)] = [("p50", p50), ("p90", p90), ("p99", p99), ("max", maxMs)]
        let main = histogram(distribution, lo: lo, hi: hi, marks: marks, height: 270, title: nil,
                             label: "latency histogram, log scale")
        // The tail: the requests slower than p90, from the first bin edge above it, on a scale of their own, every
        // bar at least a few units high and with its count written on it.
        var nodes = [main]
        guard let tailLow = edges(from: lo, to: hi).first(where: { $0 > p90 }), tailLow <= maxMs else {
            return nodes + [H.p([H.text("No slow tail: no request took longer than p90 (\(p90) ms).")], class: "note")]
        }
        let tailCount = distribution.counts.filter { $0.ms >= tailLow }.reduce(0) { $0 + $1.count }
        let tailHigh = logBounds(min: tailLow, max: maxMs).1
        let tail = LatencyDistribution(counts: distribution.counts.filter { $0.ms >= tailLow },
                                       timeouts: distribution.timeouts.filter { $0.ms >= tailLow })
        nodes.append(histogram(tail, lo: tailLow, hi: tailHigh, marks: [("p99", p99), ("max", maxMs)], height: 220,
                               title: "The slow tail: the \(HTMLText.count(tailCount)) requests of \(LatencyDistribution.label(tailLow)) or more (slower than p90, \(p90) ms), on their own scale",
                               label: "latency tail", labelCounts: true))
        return nodes
    }

    private static func histogram(_ distribution: LatencyDistribution, lo: Int64, hi: Int64, marks: [(String, Int64)],
                                  height: Double, title: String?, label: String, labelCounts: Bool = false) -> HNode {
        let titleSpace = title == nil ? 0.0 : 20
        let top = 58.0 + titleSpace, left = 64.0, plotW = 872.0
        let plotH = height - top - 40
        var c = Canvas()
        if let title { c.text(left, 16, title, class: "panel-title") }
        let logLo = log10(Double(max(lo, 1))), logHi = log10(Double(hi))
        func x(_ ms: Double) -> Double {
            let v = log10(max(ms, Double(max(lo, 1))))
            return left + plotW * (v - logLo) / max(logHi - logLo, 1e-9)
        }
        let bins = distribution.logBins(edges: edges(from: lo, to: hi)).filter { $0.high > lo }
        let inRange = bins.filter { $0.high > lo }
        let scale = linearScale(Double(inRange.map(\.count).max() ?? 0) * 1.08)
        yAxis(&c, left: left, top: top, width: plotW, height: plotH, scale: scale, unit: "")
        func y(_ count: Int) -> Double { count == 0 ? 0 : max(plotH * Double(count) / scale.top, labelCounts ? 3 : 0.5) }
        for bin in inRange where bin.count > 0 {
            let x0 = x(Double(bin.low)) + 0.5, x1 = x(Double(bin.high)) - 0.5
            let range = bin.high - bin.low == 1 ? LatencyDistribution.label(bin.low) : "\(LatencyDistribution.label(bin.low)) to \(LatencyDistribution.label(bin.high))"
            let timeouts = bin.timeouts > 0 ? ", \(HTMLText.count(bin.timeouts)) timed out" : ""
            let h = y(bin.count)
            c.rect(x0, top + plotH - h, x1 - x0, h, fill: succeededColor, title: "\(range): \(HTMLText.count(bin.count)) requests\(timeouts)")
            if bin.timeouts > 0 {
                let th = y(bin.timeouts)
                c.rect(x0, top + plotH - th, x1 - x0, th, fill: timeoutColor, title: "\(range): \(HTMLText.count(bin.timeouts)) timed out")
            }
            if labelCounts {
                c.text((x0 + x1) / 2, top + plotH - h - 3, HTMLText.count(bin.count), anchor: "middle", class: bin.timeouts > 0 ? "count-label timeout" : "count-label")
            }
        }
        // Round ticks: 1, 2, 5 x 10^k; only the decades when the axis spans many.
        let decades = logHi - logLo
        var tick: Int64 = 1
        var ticks: [Int64] = []
        while tick <= hi {
            for s: Int64 in [1, 2, 5] where s * tick >= lo && s * tick <= hi && (decades <= 4.5 || s == 1) { ticks.append(s * tick) }
            tick *= 10
        }
        for t in ticks {
            let tx = x(Double(t))
            c.line(tx, top + plotH, tx, top + plotH + 4, class: "axis")
            c.text(tx, top + plotH + 17, LatencyDistribution.label(t), anchor: t == ticks.first && tx < left + 20 ? "start" : t == ticks.last && tx > left + plotW - 20 ? "end" : "middle")
        }
        c.text(left + plotW, top + plotH + 34, "latency, log scale; requests per bar", anchor: "end", class: "caption")
        // Percentile marks: a dashed line each, labels on rows of their own so that close values do not collide.
        for (row, mark) in marks.enumerated() where mark.1 >= lo {
            let mx = x(Double(mark.1) + 0.5)
            let ly = top - 40 + Double(row) * 12 + (title == nil ? 0 : 0)
            c.line(mx, ly + 3, mx, top + plotH, class: mark.0 == "max" ? "mark max" : "mark")
            let text = "\(mark.0) \(mark.1) ms"
            let anchor = mx > left + plotW - 90 ? "end" : "start"
            c.text(anchor == "end" ? mx - 3 : mx + 3, ly + 2, text, anchor: anchor, class: "mark-label")
        }
        return c.svg(height: height, label: label)
    }
}
