import BackfillStore
import Foundation
import GRDB
import ParticipantAPI
import Plot

/// `backfill report --html FILE`: one self-contained page (inline CSS and SVG, nothing fetched, no script),
/// built with Plot so that every string from the database is escaped. It opens with what needs doing (how many
/// participants were updated, failed, are held or still pending, and the exact command for each group), then
/// the outcome bar, throughput over time (configured rate and the API's limit as lines, 429s and pauses
/// marked, failures and retries stacked on the same axis), latency on a log scale with p50/p90/p99 and a
/// separate slow-tail panel, error classes with their grouped messages, the first failed participants, held
/// participants and why, rejected rows (`file:line`, column, reason) and the runs. Written as well-formed
/// XHTML, so it also parses as XML. `redact` masks personal data everywhere on it.
///
/// ```swift
/// let page = try queue.read { try HTMLReport(redact: true, database: "run1.sqlite").render($0, title: "run1.sqlite", now: now) }
/// ```
public struct HTMLReport: Sendable {
    public var redact: Bool
    /// Held participants listed (the rest are counted).
    public var heldLimit: Int
    /// Failed participants listed.
    public var failedLimit: Int
    /// Rejected rows listed.
    public var rejectedLimit: Int
    /// Message templates shown per error class.
    public var templatesPerClass: Int
    /// The database as the operator names it in commands (`--db`); nil leaves `--db` out.
    public var database: String?

    /// The page's sections, by element id, in order.
    public static let sectionIDs = ["headline", "outcomes", "sends", "latency", "errors", "failed", "held", "rejected", "emails", "moves", "runs"]

    public init(redact: Bool = false, heldLimit: Int = 200, failedLimit: Int = 200, rejectedLimit: Int = 200,
                templatesPerClass: Int = 5, database: String? = nil) {
        self.redact = redact
        self.heldLimit = heldLimit
        self.failedLimit = failedLimit
        self.rejectedLimit = rejectedLimit
        self.templatesPerClass = templatesPerClass
        self.database = database
    }

    /// - Parameters:
    ///   - title: what the page is about (the database's name).
    ///   - now: epoch ms, printed as the time the page was made.
    ///   - scope: the target the page describes; nil: the latest run's.
    public func render(_ db: Database, title: String, now: Int64, scope: TargetScope? = nil) throws -> String {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let (summary, latency) = try ReportSummary.readWithLatency(db, top: templatesPerClass, redact: redact, scope: scope)
        let timeline = try SendTimeline.read(db, scope: scope)
        let lists = try readLists(db, summary: summary, scope: scope)
        let rejected = try readRejected(db, total: summary.rejectedRows.reduce(0) { $0 + $1.count })
        let advice = ReportAdvice(database: database, target: scope.target, rate: summary.runs.last?.rate)

        let made = "\(scope.headline) · made \(ReportTime.iso8601(now - now % 1000)) from \(title)\(redact ? " · personal data redacted" : "")"
        var body: [HNode] = [H.el("h1", text: "Backfill report: \(title)"), H.el("p", ["class": "sub"], text: made)]
        body.append(section("headline", "What needs doing", headline(summary, advice: advice, scope: scope)))
        body.append(section("outcomes", "Outcomes", outcomes(summary)))
        body.append(section("sends", "Throughput", throughput(summary, timeline)))
        body.append(section("latency", "Latency", latencySection(summary, latency)))
        body.append(section("errors", "Error classes", errors(summary, advice: advice)))
        body.append(section("failed", "Failed participants", failed(summary, lists.failed, advice: advice)))
        body.append(section("held", "Held participants", held(summary, lists, advice: advice)))
        body.append(section("rejected", "Rejected input rows", rejectedSection(summary, rejected, advice: advice)))
        body.append(section("emails", "Email handovers", emailSection(summary, advice: advice)))
        body.append(section("moves", "Jurisdiction moves", movesSection(summary, advice: advice)))
        body.append(section("runs", "Runs", runs(summary)))

        let html = HTML(
            .attribute(named: "xmlns", value: "http://www.w3.org/1999/xhtml"),
            .lang(.english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                // Not Plot's `.title()`: it copies the title into meta attributes without escaping them.
                .element(named: "title", nodes: [.text(HTMLText.plotSafe("Backfill report: \(title)"))]),
                .style(HTMLReport.style)
            ),
            .body(.group(body))
        )
        return html.render() + "\n"
    }

    private func section(_ id: String, _ heading: String, _ content: [HNode]) -> HNode {
        H.el("section", ["id": id], [H.el("h2", text: heading)] + content)
    }

    // MARK: - Reading

    struct Lists {
        var failed: [FailureRow] = []
        var held: [FailureRow] = []
        var heldListed: Set<String> = []
    }

    /// The first failed participants and the first held ones, from the failures export (redacted when asked);
    /// the walk stops as soon as both lists are full.
    private func readLists(_ db: Database, summary: ReportSummary, scope: TargetScope) throws -> Lists {
        let heldTotal = summary.jobs[.held]
        let failedTotal = summary.jobs[.failed]
        var lists = Lists()
        struct Enough: Error {}
        do {
            try FailureExport.forEachRow(db, collectingValues: redact, scope: scope) { row in
                let heldCode = row.state == .failed ? nil : row.participantCode
                let listed = heldCode.map(lists.heldListed.contains) ?? false
                let heldFull = lists.heldListed.count >= min(heldTotal, heldLimit)
                let failedFull = lists.failed.count >= min(failedTotal, failedLimit)
                // A held participant's rows come one after the other: its own row, then its rejected rows.
                if !listed, heldFull, failedFull { throw Enough() }
                if row.state == .failed {
                    if !failedFull { lists.failed.append(redact ? row.redacted() : row) }
                } else if let heldCode, listed || lists.heldListed.count < heldLimit {
                    lists.held.append(redact ? row.redacted() : row)
                    lists.heldListed.insert(heldCode)
                }
            }
        } catch is Enough {}
        return lists
    }

    struct RejectedRow {
        var source: String
        var participantCode: String?
        var code: String?
        var column: String?
        var message: String
    }

    /// The first rejected rows in input order, messages masked with `--redact`.
    private func readRejected(_ db: Database, total: Int) throws -> [RejectedRow] {
        guard total > 0 else { return [] }
        let files = try ReportSourceFile.all(db)
        let sensitive = Field.allCases.filter(Redactor.isSensitive)
        return try InputRowReads.rejectedRows(db, limit: rejectedLimit).map { r in
            let file = files[r.fileID]
            let name = shortSource("\(file?.name ?? "file \(r.fileID)")")
            var message = r.rejectMessage ?? r.rejectCode ?? "rejected"
            if redact {
                var values: [(Field, String)] = []
                if let normalized = file?.stored.values(raw: r.raw, norm: r.norm) {
                    for field in sensitive { if let v = normalized[field.order] { values.append((field, v)) } }
                }
                if let raw = r.raw, let file {
                    let read = RawValues.read(raw, file: file)
                    for field in sensitive { if let v = read[field.name] { values.append((field, FailureRow.text(v))) } }
                }
                if let code = r.participantCode { values += try KnownValues.of(db, participantCode: code, files: files) }
                message = Redactor.scrub(message, values: values)
            }
            return RejectedRow(source: "\(name):\(r.line)", participantCode: r.participantCode, code: r.rejectCode,
                               column: r.rejectColumn, message: message)
        }
    }

    // MARK: - Sections

    private func headline(_ s: ReportSummary, advice: ReportAdvice, scope: TargetScope) -> [HNode] {
        let pending = (s.jobs[.pending]) + (s.jobs[.inFlight])
        let rejectedUnusable = s.errorsByClass.first { $0.name == ReportClass.validation.rawValue }.map { c in
            c.count - (s.heldByClass.first { $0.name == c.name }?.count ?? 0) - (s.failedByClass.first { $0.name == c.name }?.count ?? 0)
        } ?? 0
        func card(_ label: String, _ count: Int, _ kind: String) -> HNode {
            H.el("div", ["class": "card \(kind)"], [H.el("div", ["class": "big"], text: HTMLText.count(count)), H.el("div", [:], text: label)])
        }
        var nodes: [HNode] = [
            H.p([H.text("Target: "), H.el("b", text: scope.target?.name ?? "none yet (nothing has been sent)"),
                 H.text("; contract: "), H.el("b", text: s.contract.rawValue), H.text(" (\(s.contract.summary))")]),
            H.el("div", ["class": "cards"], [
                card("updated (succeeded)", s.jobs[.succeeded], "ok"),
                card("failed", s.jobs[.failed], "bad"),
                card("held", s.jobs[.held], "warn"),
                card("still pending\((s.jobs[.inFlight]) > 0 ? " or in flight" : "")", pending, "wait"),
            ]),
        ]
        var rows: [[HNode]] = []
        func row(_ group: String, _ count: Int, _ step: ReportAdvice.Step) {
            rows.append([H.code(group), H.text(HTMLText.count(count)), H.group([H.el("div", ["class": "words"], text: step.words), commands(step.commands)])])
        }
        for c in s.failedByClass {
            let example = s.topMessages.first { $0.errorClass == c.name }?.exampleParticipant
            row("failed: \(c.name)", c.count, advice.failed(ReportClass(rawValue: c.name) ?? ReportClass(.unexpected), example: example))
        }
        for c in s.heldByClass { row("held: \(c.name)", c.count, advice.held(HoldClass(rawValue: c.name) ?? .validation)) }
        if pending > 0 { row("pending", pending, advice.pending) }
        if s.documentNeeds > 0 {
            row("ID changes not sent", s.documentNeeds,
                ReportAdvice.Step(words: "each \(DocumentNeed.what): upload the participant's ID document; the export lists them (backfill_state needs_document)",
                                  commands: [advice.failuresExport]))
        }
        if s.echoMismatches > 0 {
            row("echo mismatches", s.echoMismatches,
                ReportAdvice.Step(words: "succeeded, but the answer echoed another value than the one sent for \(s.echoMismatchFields) field(s): compare with the platform's record",
                                  commands: [advice.explain(s.echoExamples.first?.participantCode)]))
        }
        if rejectedUnusable > 0 {
            row("rejected rows, no usable participant_code", rejectedUnusable,
                ReportAdvice.Step(words: "fix the rows (their participant_code is unusable): export them, correct the cells, ingest the file",
                                  commands: [advice.failuresExport, advice.ingestCorrections]))
        }
        if rows.isEmpty {
            nodes.append(H.p([H.text(s.jobs.total == 0 ? "Nothing ingested yet." : "Nothing to do: every ready job succeeded on \(scope.target?.name ?? "the target").")], class: "ok"))
        } else {
            nodes.append(H.table(["group", "count", "what it needs, and the commands"], rows, numeric: [1], class: "steps"))
        }
        if let last = s.runs.last, let reason = last.stopReason, last.exitCode == 1 || last.stoppedByAnswer {
            nodes.append(H.p([H.text("The last run (#\(last.id)) stopped: "), H.el("b", text: scrub(reason))], class: "alert"))
        }
        return nodes
    }

    /// The three outcomes of the email rules: handovers applied in order (or blocked), cycles held, and addresses
    /// held by someone the input does not show.
    private func emailSection(_ s: ReportSummary, advice: ReportAdvice) -> [HNode] {
        let e = s.emailRules
        guard !e.isEmpty else { return [H.p([H.text("No participant takes an address another gives up, and no answer said an email was already used.")])] }
        let rows: [[HNode]] = [
            [H.text("handed over in order (the taker after its giver)"), H.text(HTMLText.count(e.handedOver)), H.text("–")],
            [H.text("blocked: the giver failed or is held"), H.text(HTMLText.count(e.blocked)),
             H.text("fix or retry the giver; its takers follow (backfill explain CODE names it)")],
            [H.text("held in an email cycle (a swap)"), H.text(HTMLText.count(e.cycleParticipants)),
             H.text(advice.held(.emailCycle).words)],
            [H.text("held by someone outside the input, applied when sent again"), H.text(HTMLText.count(e.resentAfterWait)), H.text("–")],
            [H.text("email_taken: refused again after every other job"), H.text(HTMLText.count(e.emailTaken)),
             H.text(EmailRules.emailTakenAdvice)],
        ]
        return [H.table(["outcome", "count", "what it needs"], rows, numeric: [1])]
    }

    /// How many moved, and into and out of the watched jurisdictions; jurisdictions only.
    private func movesSection(_ s: ReportSummary, advice: ReportAdvice) -> [HNode] {
        let m = s.moves
        var nodes = [H.p([H.text("\(HTMLText.count(m.moves)) change\(m.moves == 1 ? "" : "s") of jurisdiction by \(HTMLText.count(m.participants)) participant\(m.participants == 1 ? "" : "s") in the accepted histories.")])]
        if !m.watched.isEmpty {
            nodes.append(H.table(["jurisdiction", "into", "out of"],
                                 m.watched.map { [H.code($0.jurisdiction), H.text(HTMLText.count($0.into)), H.text(HTMLText.count($0.outOf))] },
                                 numeric: [1, 2]))
        }
        if m.moves > 0 { nodes.append(commands([advice.command("report", "--moves", "--output", "moves.csv")])) }
        return nodes
    }

    private func commands(_ list: [String]) -> HNode {
        guard !list.isEmpty else { return H.text("–") }
        return H.el("div", ["class": "cmds"], list.map { H.el("code", ["class": "cmd"], text: $0) })
    }

    private func outcomes(_ s: ReportSummary) -> [HNode] {
        let total = s.jobs.total
        let items = JobStatus.latest.map { state -> HNode in
            let count = s.jobs[state]
            let share = total > 0 ? " (\(ReportSummary.format(100 * Double(count) / Double(total)))%)" : ""
            return H.el("li", [:], [swatch(HTMLCharts.stateColors[state]!), H.text("\(state.rawValue) "), H.el("b", text: HTMLText.count(count)), H.text(share)])
        }
        return [HTMLCharts.outcomeBar(s.jobs), H.el("ul", ["class": "legend"], items)]
    }

    private func swatch(_ color: String, line: Bool = false, dashed: Bool = false) -> HNode {
        let style = line ? "border-top: 2px \(dashed ? "dashed" : "solid") \(color); height: 0; margin-bottom: 4px" : "background: \(color)"
        return H.el("span", ["class": "swatch", "style": style], [])
    }

    private func throughput(_ s: ReportSummary, _ timeline: SendTimeline) -> [HNode] {
        let total = { (f: (SendTimeline.Bucket) -> Int) in HTMLText.count(timeline.buckets.reduce(0) { $0 + f($1) }) }
        let legend: [HNode] = [
            H.el("li", [:], [swatch(HTMLCharts.succeededColor), H.text("succeeded (\(total(\.succeeded)))")]),
            H.el("li", [:], [swatch(HTMLCharts.retryColor), H.text("to be retried (\(total(\.retried)))")]),
            H.el("li", [:], [swatch(HTMLCharts.failedColor), H.text("failed (\(total(\.failed)))")]),
            H.el("li", [:], [swatch(HTMLCharts.limitedColor), H.text("answered 429, marked ▼ (\(total(\.rateLimited)))")]),
            H.el("li", [:], [swatch(HTMLCharts.pauseColor), H.text("paused after a 429 (\(timeline.pauses.count))")]),
            H.el("li", [:], [swatch(HTMLCharts.configuredColor, line: true, dashed: true), H.text("configured --rate")]),
            H.el("li", [:], [swatch(HTMLCharts.apiLimitColor, line: true), H.text("API limit \(RateLimit.documented)")]),
        ]
        var nodes: [HNode] = [HTMLCharts.timeline(timeline), H.el("ul", ["class": "legend"], legend)]
        let perRun = s.runs.map { "run #\($0.id): \($0.rateComparison)" }
        if !perRun.isEmpty {
            nodes.append(H.el("ul", ["class": "plain"], perRun.map { H.el("li", [:], text: $0) }))
        }
        return nodes
    }

    private func latencySection(_ s: ReportSummary, _ latency: LatencyDistribution) -> [HNode] {
        var nodes = HTMLCharts.latency(latency)
        let p = { (v: Int64?) in v.map { "\($0) ms" } ?? "–" }
        let l = s.latency
        let timeouts = latency.timeoutTotal
        var parts: [HNode] = [H.text("\(HTMLText.count(l.attempts)) requests: p50 "), H.el("b", text: p(l.p50Ms)), H.text(", p90 "),
                              H.el("b", text: p(l.p90Ms)), H.text(", p99 "), H.el("b", text: p(l.p99Ms)), H.text(", max \(p(l.maxMs))")]
        parts.append(H.text(timeouts > 0 ? "; \(HTMLText.count(timeouts)) timed out (red)." : "; none timed out."))
        nodes.append(H.p(parts))
        return nodes
    }

    private func errors(_ s: ReportSummary, advice: ReportAdvice) -> [HNode] {
        guard !s.errorsByClass.isEmpty else { return [H.p([H.text("No failed or held participants and no rejected rows.")])] }
        let rows = s.errorsByClass.map { c -> [HNode] in
            let failed = s.failedByClass.first { $0.name == c.name }?.count ?? 0
            let held = s.heldByClass.first { $0.name == c.name }?.count ?? 0
            let templates = s.topMessages.filter { $0.errorClass == c.name }
            let list = H.el("ul", ["class": "templates"], templates.map { m in
                var item: [HNode] = [H.el("span", ["class": "count"], text: "\(HTMLText.count(m.count))×"), H.text(" "), H.el("span", ["class": "msg"], text: m.message)]
                if let code = m.exampleParticipant { item += [H.text(" "), H.el("span", ["class": "eg"], [H.text("e.g. "), H.code(code)])] }
                return H.el("li", [:], item)
            })
            let step = failed > 0 ? advice.failed(ReportClass(rawValue: c.name) ?? ReportClass(.unexpected), example: templates.first?.exampleParticipant)
                : advice.held(HoldClass(rawValue: c.name) ?? .validation)
            let counts = [failed > 0 ? "\(HTMLText.count(failed)) failed" : nil, held > 0 ? "\(HTMLText.count(held)) held" : nil,
                          c.count - failed - held > 0 ? "\(HTMLText.count(c.count - failed - held)) rejected rows" : nil]
                .compactMap { $0 }.joined(separator: ", ")
            return [H.code(c.name), H.group([H.el("b", text: HTMLText.count(c.count)), H.el("div", ["class": "small"], text: counts)]),
                    H.text(step.words), templates.isEmpty ? H.text("–") : list]
        }
        return [H.table(["class", "count", "what to do", "messages, grouped by template (codes, ids, emails, numbers and quoted values as placeholders)"],
                        rows, numeric: [1], class: "classes")]
    }

    private func failed(_ s: ReportSummary, _ rows: [FailureRow], advice: ReportAdvice) -> [HNode] {
        let total = s.jobs[.failed]
        guard total > 0 else { return [H.p([H.text("None failed.")])] }
        var nodes: [HNode] = [H.p([H.text(rows.count < total ? "The first \(HTMLText.count(rows.count)) of \(HTMLText.count(total)), by participant code." : "All \(HTMLText.count(total)), by participant code.")])]
        nodes.append(H.table(["participant", "class", "status", "attempts", "last attempt (UTC)", "message"], rows.map { r in
            [H.code(code(r)), H.code(r.errorClass), H.text(r.httpStatus.map(String.init) ?? "no answer"), H.text(String(r.attempts)),
             H.text(r.lastAttemptAt.map { String(ReportTime.iso8601($0 - $0 % 1000).dropLast().replacingOccurrences(of: "T", with: " ")) } ?? "–"),
             H.el("span", ["class": "msg"], text: clip(r.message))]
        }, numeric: [3], class: "list"))
        nodes.append(H.p([H.text(rows.count < total ? "The other \(HTMLText.count(total - rows.count)) and every detail: " : "Every detail, as a file to fix and re-ingest: "),
                          H.el("code", ["class": "cmd"], text: advice.failuresExport)]))
        return nodes
    }

    private func held(_ s: ReportSummary, _ lists: Lists, advice: ReportAdvice) -> [HNode] {
        let total = s.jobs[.held]
        guard total > 0 else { return [H.p([H.text("None held.")])] }
        var nodes: [HNode] = [H.table(["participant", "class", "why", "rows"], lists.held.map { r in
            // Hold reasons start with their row's `file:line`; the file's directory is noise here.
            let message = r.sources.reduce(r.message) { $0.replacingOccurrences(of: $1, with: shortSource($1)) }
            return [H.code(code(r)), H.code(r.errorClass), H.el("span", ["class": "msg"], text: clip(message)),
                    H.el("span", ["class": "src"], text: r.sources.map(shortSource).joined(separator: " "))]
        }, class: "list")]
        if total > lists.heldListed.count {
            nodes.append(H.p([H.text("… and \(HTMLText.count(total - lists.heldListed.count)) more: "), H.el("code", ["class": "cmd"], text: advice.failuresExport),
                              H.text(" lists them all.")]))
        }
        return nodes
    }

    private func rejectedSection(_ s: ReportSummary, _ rows: [RejectedRow], advice: ReportAdvice) -> [HNode] {
        let total = s.rejectedRows.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [H.p([H.text("No rejected rows.")])] }
        let reasons = s.rejectedRows.map { "\($0.name.replacingOccurrences(of: "_", with: " ")): \(HTMLText.count($0.count))" }.joined(separator: " · ")
        var nodes: [HNode] = [H.p([H.text("By reason: \(reasons).")])]
        nodes.append(H.table(["row", "participant", "column", "reason"], rows.map { r in
            // The column has its own cell: each problem of that column reads as its reason alone.
            let prefix = r.column.map { "column '\($0)': " }
            let problems = r.message.components(separatedBy: "; ").map { p in
                prefix.flatMap { p.hasPrefix($0) ? String(p.dropFirst($0.count)) : nil } ?? p
            }
            return [H.el("span", ["class": "src"], text: r.source), r.participantCode.map(H.code) ?? H.text("unusable"),
                    r.column.map(H.code) ?? H.text("–"),
                    H.el("ul", ["class": "problems"], problems.map { H.el("li", [:], text: clip($0)) })]
        }, class: "list"))
        if rows.count < total {
            nodes.append(H.p([H.text("The first \(HTMLText.count(rows.count)) of \(HTMLText.count(total)); all of them, with their cells: "),
                              H.el("code", ["class": "cmd"], text: advice.failuresExport)]))
        }
        return nodes
    }

    private func runs(_ s: ReportSummary) -> [HNode] {
        guard !s.runs.isEmpty else { return [H.p([H.text("No run yet.")])] }
        return [H.table(["run", "target", "started (UTC)", "duration", "how it ended", "requests", "achieved rate", "configured", "IP lockouts caused", "sent by"], s.runs.map { r in
            let achieved = r.sendsPerSecond.map { "\(ReportSummary.format($0))/s" } ?? "–"
            let share = r.shareOfConfigured.map { " (\(String(format: "%.0f", $0 * 100))%)" } ?? ""
            let configured = r.configuredPerSecond.map { "\(r.rate) = \(ReportSummary.format($0))/s" } ?? "\(r.rate) (unpaced)"
            return [H.text("#\(r.id)"), H.text(r.target ?? "–"), H.text(String(r.startedAt.prefix(19)).replacingOccurrences(of: "T", with: " ")),
                    H.text(r.seconds.map(duration) ?? "not ended"), H.text(ended(r)), H.text(HTMLText.count(r.attempts)),
                    H.text(achieved + share), H.text(configured),
                    H.text(r.lockouts == 0 ? "0" : "\(r.lockouts) (\(Int(r.lockoutSeconds)) s of the IP's traffic refused)"),
                    H.text(r.version.map { "backfill \($0)" } ?? "–")]
        }, numeric: [5, 6], class: "list")]
    }

    /// How a run ended, in words.
    private func ended(_ r: ReportSummary.RunInfo) -> String {
        switch (r.stopReason, r.exitCode) {
        case ("SIGINT"?, _): return "interrupted (SIGINT, Ctrl-C); `resume` continues"
        case ("SIGTERM"?, _): return "interrupted (SIGTERM); `resume` continues"
        case (let reason?, _): return "stopped: \(scrub(reason))"
        case (nil, 0?): return "finished: every job succeeded"
        case (nil, 2?): return "finished: some failed or held"
        case (nil, let code?): return "ended with exit status \(code)"
        case (nil, nil): return r.endedAt == nil ? "no end recorded (still going, or crashed)" : "ended"
        }
    }

    /// `3.6 s`, `12 min 05 s`, `2 h 03 min`.
    private func duration(_ seconds: Double) -> String {
        if seconds < 60 { return "\(ReportSummary.format(seconds)) s" }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60)
    }

    private func scrub(_ text: String) -> String {
        redact ? Redactor.scrub(text, values: []) : text
    }

    private func clip(_ message: String) -> String {
        message.count > 300 ? String(message.prefix(300)) + "…" : message
    }

    private func code(_ row: FailureRow) -> String {
        row.participantCode ?? row.sources.first ?? "?"
    }

    /// `history.csv:12` for `/long/path/to/history.csv:12` (the full path is in the failures export).
    private func shortSource(_ source: String) -> String {
        guard let slash = source.lastIndex(of: "/") else { return source }
        return String(source[source.index(after: slash)...])
    }
}
