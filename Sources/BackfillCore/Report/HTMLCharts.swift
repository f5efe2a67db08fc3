/// The page's inline SVG charts. Sizes are in SVG user units; the page scales them to its width.
enum HTMLCharts {
    static let stateColors: [String: String] = [
        "succeeded": "#2e7d32", "failed": "#c62828", "held": "#ef8f00", "pending": "#90a4ae", "in_flight": "#1e88e5",
    ]
    static let sendColor = "#1e88e5"
    static let retryColor = "#f4a100"
    static let limitedColor = "#d32f2f"

    /// One horizontal bar split by state.
    static func outcomeBar(_ jobs: [String: Int]) -> String {
        let total = jobs.values.reduce(0, +)
        let width = 960.0
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 40" class="chart" role="img" aria-label="jobs by state">"#
        guard total > 0 else {
            return svg + ##"<rect x="0" y="4" width="960" height="32" fill="#eceff1"/><text x="480" y="25" text-anchor="middle" class="muted">no jobs</text></svg>"##
        }
        var x = 0.0
        for state in StatusSummary.states {
            let n = jobs[state] ?? 0
            guard n > 0 else { continue }
            let w = width * Double(n) / Double(total)
            svg += #"<rect x="\#(HTMLText.num(x))" y="4" width="\#(HTMLText.num(max(w, 1)))" height="32" fill="\#(stateColors[state]!)">"#
            svg += "<title>\(state): \(HTMLText.count(n))</title></rect>"
            x += w
        }
        return svg + "</svg>"
    }

    /// Requests per second over time: stacked bars of first sends, retries and 429s; a red mark above every
    /// bucket with a 429.
    static func timeline(_ timeline: SendTimeline) -> String {
        let (left, top, plotW, plotH) = (56.0, 16.0, 890.0, 220.0)
        let seconds = Double(timeline.bucketMs) / 1000
        let peak = timeline.buckets.map { Double($0.total) / seconds }.max() ?? 0
        let yMax = niceCeiling(peak)
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 280" class="chart" role="img" aria-label="requests per second over time">"#
        svg += axes(left: left, top: top, width: plotW, height: plotH, yMax: yMax, unit: "/s")
        let n = max(timeline.buckets.count, 1)
        let slot = plotW / Double(n)
        let barW = max(slot * 0.85, 0.5)
        for (i, b) in timeline.buckets.enumerated() where b.total > 0 {
            let x = left + Double(i) * slot + (slot - barW) / 2
            var y = top + plotH
            let tip = "\(HTMLText.clock(b.start)) UTC: \(b.firstSends) first sends, \(b.retries) retries, \(b.rateLimited) answered 429 (per \(HTMLText.num(seconds)) s)"
            svg += "<g><title>\(HTMLText.escape(tip))</title>"
            for (value, color) in [(b.firstSends, sendColor), (b.retries, retryColor), (b.rateLimited, limitedColor)] where value > 0 {
                let h = plotH * Double(value) / seconds / yMax
                y -= h
                svg += #"<rect x="\#(HTMLText.num(x))" y="\#(HTMLText.num(y))" width="\#(HTMLText.num(barW))" height="\#(HTMLText.num(max(h, 0.5)))" fill="\#(color)"/>"#
            }
            if b.rateLimited > 0 {
                let cx = x + barW / 2
                svg += #"<path d="M\#(HTMLText.num(cx - 4)) \#(HTMLText.num(y - 9)) L\#(HTMLText.num(cx + 4)) \#(HTMLText.num(y - 9)) L\#(HTMLText.num(cx)) \#(HTMLText.num(y - 2)) Z" fill="\#(limitedColor)"/>"#
            }
            svg += "</g>"
        }
        if let first = timeline.buckets.first {
            let ticks = min(6, timeline.buckets.count)
            for t in 0..<ticks {
                let i = ticks == 1 ? 0 : t * (timeline.buckets.count - 1) / (ticks - 1)
                let x = left + (Double(i) + 0.5) * slot
                let label = HTMLText.clock(first.start + Int64(i) * timeline.bucketMs)
                // The outer labels align inward so they stay inside the chart.
                let anchor = ticks > 1 && t == 0 ? "start" : ticks > 1 && t == ticks - 1 ? "end" : "middle"
                svg += #"<text x="\#(HTMLText.num(x))" y="\#(HTMLText.num(top + plotH + 18))" text-anchor="\#(anchor)" class="tick">\#(label)</text>"#
            }
        } else {
            svg += #"<text x="500" y="130" text-anchor="middle" class="muted">no requests sent yet</text>"#
        }
        return svg + "</svg>"
    }

    /// Attempts per latency bin, with the count above each bar.
    static func latencyHistogram(_ distribution: LatencyDistribution) -> String {
        let bins = distribution.binned()
        let (left, top, plotW, plotH) = (56.0, 20.0, 890.0, 200.0)
        let yMax = niceCeiling(Double(bins.map(\.count).max() ?? 0))
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 260" class="chart" role="img" aria-label="latency histogram">"#
        svg += axes(left: left, top: top, width: plotW, height: plotH, yMax: yMax, unit: "")
        let slot = plotW / Double(bins.count)
        for (i, bin) in bins.enumerated() {
            let h = plotH * Double(bin.count) / yMax
            let x = left + Double(i) * slot + slot * 0.1
            if bin.count > 0 {
                svg += #"<rect x="\#(HTMLText.num(x))" y="\#(HTMLText.num(top + plotH - h))" width="\#(HTMLText.num(slot * 0.8))" height="\#(HTMLText.num(max(h, 0.5)))" fill="\#(sendColor)"><title>\#(HTMLText.escape(bin.label)): \#(bin.count) requests</title></rect>"#
                svg += #"<text x="\#(HTMLText.num(x + slot * 0.4))" y="\#(HTMLText.num(top + plotH - h - 4))" text-anchor="middle" class="tick">\#(HTMLText.count(bin.count))</text>"#
            }
            svg += #"<text x="\#(HTMLText.num(x + slot * 0.4))" y="\#(HTMLText.num(top + plotH + 18))" text-anchor="middle" class="tick">\#(HTMLText.escape(bin.label))</text>"#
        }
        return svg + "</svg>"
    }

    /// Frame, horizontal grid lines and y labels.
    private static func axes(left: Double, top: Double, width: Double, height: Double, yMax: Double, unit: String) -> String {
        var svg = ""
        for step in 0...4 {
            let value = yMax * Double(step) / 4
            let y = top + height - height * Double(step) / 4
            svg += #"<line x1="\#(HTMLText.num(left))" y1="\#(HTMLText.num(y))" x2="\#(HTMLText.num(left + width))" y2="\#(HTMLText.num(y))" class="grid"/>"#
            svg += #"<text x="\#(HTMLText.num(left - 6))" y="\#(HTMLText.num(y + 4))" text-anchor="end" class="tick">\#(HTMLText.num(value))\#(unit)</text>"#
        }
        return svg
    }

    /// 1, 2 or 5 times a power of ten, at least `value` (and at least 1).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 1 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }
}
