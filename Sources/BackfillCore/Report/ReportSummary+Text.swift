import BackfillStore
import ParticipantAPI
import Foundation

extension ReportSummary {
    /// The summary as text for a terminal.
    public func text() -> String {
        var lines: [String] = []
        let total = jobs.total
        lines.append(target.map { "target: \($0)" } ?? "target: none yet (nothing has been sent)")
        lines.append("contract: \(contract) (\(contract.summary))")
        lines.append(mode == .history ? "steps: \(total) (history mode: one PATCH per change)" : "jobs: \(total) participants")
        for state in JobStatus.latest { lines.append("  \(pad(state.rawValue, 10)) \(jobs[state])") }
        if documentNeeds > 0 {
            lines.append(DocumentNeed.line(count: documentNeeds))
        }
        if let line = emailRules.line { lines.append(line) }
        if moves.moves > 0 { lines.append(moves.line + " (backfill report --moves lists them)") }
        if echoMismatches > 0 {
            lines.append(EchoMismatch.line(jobs: echoMismatches, fields: echoMismatchFields))
            for e in echoExamples {
                lines.append("  \(e.participantCode)  \(e.mismatch.field): sent '\(e.mismatch.sent)', echoed \(e.mismatch.echoed.map { "'\($0)'" } ?? "nothing")")
            }
        }
        lines.append("errors by class:")
        if errorsByClass.isEmpty { lines.append("  none") }
        for c in errorsByClass { lines.append("  \(pad(c.name, 22)) \(c.count)") }
        lines.append("top messages, by template (per class):")
        if topMessages.isEmpty { lines.append("  none") }
        for m in topMessages {
            let example = m.exampleParticipant.map { "  (e.g. \($0))" } ?? ""
            lines.append("  \(pad(String(m.count), 7)) \(pad(m.errorClass, 20)) \(m.message)\(example)")
        }
        lines.append("attempts per job:")
        if attemptsPerJob.isEmpty { lines.append("  nothing sent yet") }
        for b in attemptsPerJob { lines.append("  \(pad(b.attempts == 1 ? "1 attempt" : "\(b.attempts) attempts", 12)) \(b.jobs) jobs") }
        if !attemptsByOutcome.isEmpty {
            let parts = attemptsByOutcome.map { (outcome: $0.key.rawValue, count: $0.value) }
                .sorted { $0.count > $1.count || ($0.count == $1.count && $0.outcome < $1.outcome) }
            lines.append("requests by outcome: " + parts.map { "\($0.outcome) \($0.count)" }.joined(separator: ", "))
        }
        let rate = achievedRate.map { ", \(Self.format($0)) requests/s" } ?? ""
        lines.append("runs: \(runs.count), \(Self.format(runSeconds)) s\(rate)")
        for r in runs {
            let end = r.endedAt ?? "not ended"
            let exit = r.exitCode.map { " exit \($0)" } ?? ""
            let why = r.stopReason.map { " (\($0))" } ?? ""
            let build = (r.version.map { "  sent by backfill \($0)" } ?? "")
                + (r.lockouts > 0 ? "  IP lockouts caused: \(r.lockouts) (\(Int(r.lockoutSeconds)) s)" : "")
            lines.append("  #\(r.id) \(r.startedAt) -> \(end)  \(r.attempts) requests, \(r.rateComparison)\(exit)\(why)\(build)")
        }
        if latency.attempts > 0 {
            let p = { (v: Int64?) in v.map { "\($0) ms" } ?? "-" }
            lines.append("latency (\(latency.attempts) requests): p50 \(p(latency.p50Ms)), p90 \(p(latency.p90Ms)), p99 \(p(latency.p99Ms)), max \(p(latency.maxMs))")
        } else {
            lines.append("latency: no requests yet")
        }
        lines.append("rejected input rows by reason:")
        if rejectedRows.isEmpty { lines.append("  none") }
        for c in rejectedRows { lines.append("  \(pad(c.name, 28)) \(c.count)") }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        String(format: value >= 100 ? "%.0f" : "%.1f", value)
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}

extension ReportSummary.RunInfo {
    /// `87.5/s achieved, 97% of the configured 90/1s (90/s)`; `unpaced` and `not ended` where they apply.
    public var rateComparison: String {
        guard let achieved = sendsPerSecond else {
            return endedAt == nil ? "not ended (no rate yet), configured \(rate)" : "no time elapsed, configured \(rate)"
        }
        let speed = "\(ReportSummary.format(achieved))/s achieved"
        guard let configured = configuredPerSecond, let share = shareOfConfigured else { return "\(speed), unpaced (\(rate))" }
        return "\(speed), \(String(format: "%.0f", share * 100))% of the configured \(rate) (\(ReportSummary.format(configured))/s)"
    }
}
