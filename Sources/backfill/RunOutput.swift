import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation
import ParticipantAPI

/// What `run` prints besides its logs, as text or, with `--log-format json`, one JSON object per line: the
/// start-up lines, the status lines, the signal notices, the summary and the error line. JSON lines have the
/// log handler's `time`, `level`, `label` and `message`, plus the line's numbers as fields, named as the metrics
/// are (`in_flight`, `rate_limit_factor`, `eta_seconds`...).
struct RunOutput: Sendable {
    let json: Bool

    /// A line on standard error: `message` as text, or a JSON object carrying `fields` too.
    func note(_ message: String, level: String = "notice", event: String, fields: [String: JSONValue] = [:]) {
        guard json else {
            printError(message)
            return
        }
        FileHandle.standardError.write(Data((Self.line(message, level: level, event: event, fields: fields) + "\n").utf8))
    }

    /// The status line every few seconds (text or JSON): the same numbers as `GET /metrics`.
    func status(_ p: RunProgress) {
        guard json else {
            FileHandle.standardError.write(Data((ProgressLine.render(p, width: 400) + "\n").utf8))
            return
        }
        note("progress", level: "info", event: "progress", fields: Self.fields(p))
    }

    /// The summary on standard output.
    func summary(_ s: RunSummary, text: String, next: [String]) {
        guard json else {
            print(text)
            return
        }
        var f: [String: JSONValue] = [
            "target": .string(s.target),
            "elapsed_seconds": .number(s.elapsedSeconds),
            "requests": .int(s.attempts), "succeeded": .int(s.succeeded), "failed": .int(s.failed),
            "retried": .int(s.retried), "rate_limited": .int(s.rateLimited),
            "achieved_rate": .number(s.elapsedSeconds > 0 ? Double(s.attempts) / s.elapsedSeconds : 0),
            "peak_in_flight": .int(s.peakInFlight), "latency_limited": .bool(s.latencyLimited),
            "recovered": .int(s.recovered), "exit_status": .int(Int(s.exitCode)),
            s.mode == .history ? "steps" : "jobs": .fields(Self.fields(s.jobs)),
            "left": .int(s.left.total), "echo_mismatches": .int(s.echoMismatches),
        ]
        if !s.emailRules.isEmpty, let encoded = try? JSONEncoder().encode(s.emailRules), let rules = try? JSONParser.parse(Array(encoded)) {
            f["email_rules"] = rules
        }
        f["deferred"] = .int(s.deferred)
        f["version"] = .string(BuildInfo.recorded)
        f["ip_lockouts"] = .int(s.lockouts)
        f["ip_lockout_seconds"] = .number(s.lockoutSeconds)
        if let r = s.configuredRate { f["configured_rate"] = .number(r.perSecond); f["rate"] = .string(r.description) }
        if let o = s.clockOffsetMilliseconds { f["clock_offset_ms"] = .int(Int(o)) }
        switch s.ending {
        case .drained: f["ending"] = .string("drained")
        case .stopped(let code, let message):
            f["ending"] = .string("stopped"); f["stop_code"] = .string(code.rawValue); f["stop_message"] = .string(message)
        case .interrupted(let sig): f["ending"] = .string(signalName(sig))
        }
        f["next"] = .array(next.map { .string($0.replacingOccurrences(of: "`", with: "")) })
        let first = text.split(separator: "\n").first.map(String.init) ?? "run ended"
        print(Self.line(first, level: s.exitCode == 0 ? "notice" : "warning", event: "summary", fields: f))
    }

    /// An operator's mistake or a stop, as the last line.
    func error(_ message: String) {
        note(json ? message : "error: \(message)", level: "error", event: "error")
    }

    /// Job counts as JSON fields, by state name.
    static func fields(_ counts: JobCounts) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: counts.all.map { ($0.state.rawValue, JSONValue.int($0.count)) })
    }

    static func fields(_ p: RunProgress) -> [String: JSONValue] {
        var f: [String: JSONValue] = [
            "target": .string(p.target), "elapsed_seconds": .number(p.elapsed),
            "done": .int(p.done), "total": .int(p.total), "attempts": .int(p.attempts),
            "succeeded": .int(p.succeeded), "failed": .int(p.failed), "retried": .int(p.retried),
            "rate_limited": .int(p.rateLimited), "in_flight": .int(p.inFlight),
            "in_flight_window": .int(p.window), "in_flight_ceiling": .int(p.ceiling),
            "achieved_rate": .number(p.achievedRate), "rate_limit_factor": .number(p.rateFactor),
            "paused": .int(p.paused ? 1 : 0), p.mode == .history ? "steps" : "jobs": .fields(fields(p.jobs)),
        ]
        if let c = p.configuredRate { f["configured_rate"] = .number(c) }
        if let l = p.latencyP90 { f["latency_p90_seconds"] = .number(l) }
        if let e = p.eta { f["eta_seconds"] = .number(e) }
        return f
    }

    static func line(_ message: String, level: String, event: String, fields: [String: JSONValue]) -> String {
        var all = fields
        all["event"] = .string(event)
        return jsonLine(message, level: level, label: "backfill.run", fields: all)
    }
}

/// One JSON log line, keys sorted: `time`, `level`, `label`, `message` and `fields`. The log handler and
/// `RunOutput` both write through it.
func jsonLine(_ message: String, level: String, label: String, fields: [String: JSONValue]) -> String {
    var all = fields
    all["time"] = .string(ISO8601DateFormatter().string(from: Date()))
    all["level"] = .string(level)
    all["label"] = .string(label)
    all["message"] = .string(message)
    var out: [UInt8] = []
    JSONWriter.write(.fields(all), into: &out)
    return String(decoding: out, as: UTF8.self)
}

extension JSONValue {
    static func int(_ n: Int) -> JSONValue { .number(String(n)) }
    static func number(_ d: Double) -> JSONValue { d.isFinite ? .number(String(format: "%.3f", d)) : .null }
    /// An object with its keys sorted.
    static func fields(_ f: [String: JSONValue]) -> JSONValue { .object(f.keys.sorted().map { ($0, f[$0]!) }) }
}

