import GRDB
import ParticipantAPI

/// `backfill report --html FILE`: one self-contained page (inline CSS and SVG, nothing fetched, no script)
/// with the outcome breakdown, requests per second over time with retries and 429s marked, the latency
/// histogram, error classes with counts and example participants, held participants and why, rejected rows
/// and the runs. Written as well-formed XHTML, so it also parses as XML.
///
/// ```swift
/// let page = try queue.read { try HTMLReport(redact: true).render($0, title: "backfill.sqlite", now: now) }
/// ```
public struct HTMLReport: Sendable {
    public var redact: Bool
    /// Held participants listed (the rest are counted).
    public var heldLimit: Int
    /// Example participants per error class.
    public var examplesPerClass: Int

    /// The page's sections, by element id, in order.
    public static let sectionIDs = ["outcomes", "sends", "latency", "errors", "held", "rejected", "runs"]

    public init(redact: Bool = false, heldLimit: Int = 200, examplesPerClass: Int = 5) {
        self.redact = redact
        self.heldLimit = heldLimit
        self.examplesPerClass = examplesPerClass
    }

    /// - Parameters:
    ///   - title: what the page is about (the database's name).
    ///   - now: epoch ms, printed as the time the page was made.
    ///   - scope: the target the page describes; nil: the latest run's.
    public func render(_ db: Database, title: String, now: Int64, scope: TargetScope? = nil) throws -> String {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let summary = try ReportSummary.read(db, top: 10, redact: redact, scope: scope)
        let timeline = try SendTimeline.read(db, scope: scope)
        let latency = try LatencyDistribution.read(db, scope: scope)
        // Examples come from the failures export; the counts are the summary's, so the walk stops as soon as
        // every class has its examples and the held list is full.
        let heldTotal = summary.jobs["held"] ?? 0
        var wanted = Dictionary(uniqueKeysWithValues: summary.errorsByClass.map { ($0.name, min($0.count, examplesPerClass)) })
        var examples: [String: [FailureRow]] = [:]
        var held: [FailureRow] = []
        // A held participant's rows are its own row and its rejected rows, one after the other.
        var heldListed: Set<String> = []
        struct Enough: Error {}
        do {
            try FailureExport.forEachRow(db, collectingValues: redact, scope: scope) { row in
                let heldCode = row.state == "failed" ? nil : row.participantCode
                let listed = heldCode.map(heldListed.contains) ?? false
                if !listed, heldListed.count >= min(heldTotal, heldLimit), wanted.values.allSatisfy({ $0 <= 0 }) { throw Enough() }
                let needExample = (wanted[row.errorClass] ?? 0) > 0
                let needHeld = heldCode != nil && (listed || heldListed.count < heldLimit)
                if needExample || needHeld {
                    let shown = redact ? row.redacted() : row
                    if needExample {
                        examples[row.errorClass, default: []].append(shown)
                        wanted[row.errorClass]! -= 1
                    }
                    if let heldCode, needHeld {
                        held.append(shown)
                        heldListed.insert(heldCode)
                    }
                }
            }
        } catch is Enough {}
        var page = HTMLPage(title: "Backfill report: \(title)")
        page.paragraph("\(scope.headline) · made \(ReportTime.iso8601(now - now % 1000)) from \(title)\(redact ? " · personal data redacted" : "").", class: "sub")

        let total = summary.jobs.values.reduce(0, +)
        page.section("outcomes", "Outcomes") { s in
            s += HTMLCharts.outcomeBar(summary.jobs)
            s += #"<ul class="legend">"#
            for state in StatusSummary.states {
                let n = summary.jobs[state] ?? 0
                let share = total > 0 ? " (\(ReportSummary.format(100 * Double(n) / Double(total)))%)" : ""
                s += #"<li><span class="swatch" style="background:\#(HTMLCharts.stateColors[state]!)"></span>\#(state) <b>\#(HTMLText.count(n))</b>\#(share)</li>"#
            }
            s += "</ul>"
        }
        page.section("sends", "Requests per second") { s in
            s += HTMLCharts.timeline(timeline)
            s += #"<ul class="legend"><li><span class="swatch" style="background:\#(HTMLCharts.sendColor)"></span>first sends</li><li><span class="swatch" style="background:\#(HTMLCharts.retryColor)"></span>retries</li><li><span class="swatch" style="background:\#(HTMLCharts.limitedColor)"></span>answered 429 (marked ▼)</li></ul>"#
            let rate = summary.achievedRate.map { "\(ReportSummary.format($0)) requests/s achieved over \(ReportSummary.format(summary.runSeconds)) s of runs" }
                ?? "no run has ended yet"
            let limited = summary.attemptsByOutcome["rate_limited"] ?? 0
            s += "<p>\(HTMLText.escape(rate)); \(HTMLText.count(limited)) answered 429; each bar is \(HTMLText.num(Double(timeline.bucketMs) / 1000)) s (UTC).</p>"
        }
        page.section("latency", "Latency") { s in
            s += HTMLCharts.latencyHistogram(latency)
            let p = { (v: Int64?) in v.map { "\($0) ms" } ?? "–" }
            let l = summary.latency
            s += "<p>\(HTMLText.count(l.attempts)) requests: p50 <b>\(p(l.p50Ms))</b>, p90 <b>\(p(l.p90Ms))</b>, p99 <b>\(p(l.p99Ms))</b>, max \(p(l.maxMs)).</p>"
        }
        page.section("errors", "Error classes") { s in
            guard !summary.errorsByClass.isEmpty else { s += "<p>No failed or held participants and no rejected rows.</p>"; return }
            s += "<table><thead><tr><th>class</th><th class=\"n\">count</th><th>examples</th></tr></thead><tbody>"
            for c in summary.errorsByClass {
                let items = examples[c.name]?.map(exampleItem).joined() ?? ""
                s += "<tr><td><code>\(HTMLText.escape(c.name))</code></td><td class=\"n\">\(HTMLText.count(c.count))</td><td><ul class=\"examples\">\(items)</ul></td></tr>"
            }
            s += "</tbody></table>"
            if !summary.topMessages.isEmpty {
                s += "<h3>Most frequent messages</h3><table><thead><tr><th class=\"n\">count</th><th>class</th><th>message</th></tr></thead><tbody>"
                for m in summary.topMessages {
                    s += "<tr><td class=\"n\">\(HTMLText.count(m.count))</td><td><code>\(HTMLText.escape(m.errorClass))</code></td><td>\(HTMLText.escape(m.message))</td></tr>"
                }
                s += "</tbody></table>"
            }
        }
        page.section("held", "Held participants") { s in
            guard heldTotal > 0 else { s += "<p>None held.</p>"; return }
            s += "<table><thead><tr><th>participant</th><th>class</th><th>why</th><th>rows</th></tr></thead><tbody>"
            for row in held {
                s += "<tr><td><code>\(HTMLText.escape(code(row)))</code></td><td><code>\(HTMLText.escape(row.errorClass))</code></td><td>\(HTMLText.escape(row.message))</td><td class=\"src\">\(HTMLText.escape(row.sources.map(shortSource).joined(separator: " ")))</td></tr>"
            }
            s += "</tbody></table>"
            if heldTotal > heldListed.count {
                s += "<p>… and \(HTMLText.count(heldTotal - heldListed.count)) more: <code>backfill report --failures</code> lists them all.</p>"
            }
        }
        page.section("rejected", "Rejected input rows") { s in
            guard !summary.rejectedRows.isEmpty else { s += "<p>No rejected rows.</p>"; return }
            s += "<table><thead><tr><th>reason</th><th class=\"n\">rows</th></tr></thead><tbody>"
            for c in summary.rejectedRows {
                s += "<tr><td><code>\(HTMLText.escape(c.name))</code></td><td class=\"n\">\(HTMLText.count(c.count))</td></tr>"
            }
            s += "</tbody></table>"
        }
        page.section("runs", "Runs") { s in
            guard !summary.runs.isEmpty else { s += "<p>No run yet.</p>"; return }
            s += "<table><thead><tr><th>run</th><th>started (UTC)</th><th>ended</th><th class=\"n\">requests</th><th class=\"n\">per second</th><th>rate</th><th>exit</th></tr></thead><tbody>"
            for r in summary.runs {
                let speed = r.sendsPerSecond.map(ReportSummary.format) ?? "–"
                let exit = (r.exitCode.map(String.init) ?? "–") + (r.stopReason.map { " (\($0))" } ?? "")
                s += "<tr><td>#\(r.id)</td><td>\(HTMLText.escape(r.startedAt))</td><td>\(HTMLText.escape(r.endedAt ?? "not ended"))</td><td class=\"n\">\(HTMLText.count(r.attempts))</td><td class=\"n\">\(speed)</td><td>\(HTMLText.escape(r.rate))</td><td>\(HTMLText.escape(exit))</td></tr>"
            }
            s += "</tbody></table>"
        }
        return page.finish()
    }

    private func code(_ row: FailureRow) -> String {
        row.participantCode ?? row.sources.first ?? "?"
    }

    /// `history.csv:12` for `/long/path/to/history.csv:12` (the full path is in the failures export).
    private func shortSource(_ source: String) -> String {
        guard let slash = source.lastIndex(of: "/") else { return source }
        return String(source[source.index(after: slash)...])
    }

    private func exampleItem(_ row: FailureRow) -> String {
        let message = row.message.count > 220 ? String(row.message.prefix(220)) + "…" : row.message
        return "<li><code>\(HTMLText.escape(code(row)))</code> \(HTMLText.escape(message))</li>"
    }
}
