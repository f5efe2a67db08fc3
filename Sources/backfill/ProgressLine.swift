import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import ParticipantAPI
import CoreMetrics
import Foundation

/// The run's progress as one line that fits the terminal: the fields in order of importance, the less
/// important dropped first when the line would not fit.
enum ProgressLine {
    static func render(_ p: RunProgress, width: Int) -> String {
        let percent = p.total > 0 ? Double(p.done) * 100 / Double(p.total) : 0
        var rate = String(format: "%.1f/s", p.achievedRate)
        // The rate in use now, of the configured one (`--rate`, or what `backfill rate` set since).
        if let configured = p.configuredRate {
            rate += String(format: " of %.0f", configured * p.rateFactor)
            if p.rateFactor < 1 { rate += String(format: " (limit %.0f)", configured) }
        }
        if p.paused { rate += " PAUSED (429: the IP is locked out)" }
        if p.lockouts > 0 { rate += " IP lockouts \(p.lockouts)" }
        let latency = p.latencyP90.map { $0 < 1 ? String(format: "p90 %.0fms", $0 * 1000) : String(format: "p90 %.1fs", $0) } ?? "p90 -"
        let eta = p.eta.map { e -> String in
            let s = Int(e)
            return s >= 3600 ? "ETA \(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : "ETA \(s / 60)m\(String(format: "%02d", s % 60))s"
        } ?? "ETA -"
        // Most important first.
        let fields: [String] = [
            "\(p.done)/\(p.total) (\(String(format: "%.1f", percent))%)",
            rate,
            "in flight \(p.inFlight)/\(p.window)",
            latency,
            eta,
            "ok \(p.succeeded) failed \(p.failed)",
            "retrying \(p.retried)",
            "429s \(p.rateLimited)",
            "ceiling \(p.ceiling)",
        ]
        var line = ""
        for field in fields {
            let candidate = line.isEmpty ? field : line + "  " + field
            if candidate.count > width - 1 { break }
            line = candidate
        }
        return line.isEmpty ? String(fields[0].prefix(max(1, width - 1))) : line
    }

    /// The width of the terminal on standard error (80 when it cannot be told).
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }

    /// What the executable does with the run's events: a line redrawn in place on a terminal, else a status
    /// line every 5 s (JSON with `--log-format json`); the signal notices; a second signal exits at once.
    static func events(terminal: Bool, output: RunOutput, metrics: (any MetricsFactory)? = nil) -> RunEvents {
        let lead = terminal ? "\n" : ""
        var events = RunEvents(
            progressEvery: terminal ? .seconds(1) : .seconds(5),
            progress: { p in
                if terminal {
                    FileHandle.standardError.write(Data((p.final ? "\n" : "\r\u{1B}[2K" + render(p, width: terminalWidth())).utf8))
                } else if !p.final {
                    output.status(p)
                }
            },
            interrupting: { sig, inFlight in
                let name = signalName(sig)
                output.note("\(lead)\(name): finishing the \(inFlight) request(s) in flight, then stopping (signal again to exit at once)",
                            event: "signal", fields: ["signal": .string(name), "in_flight": .int(inFlight)])
            },
            exitNow: { sig in
                output.note("\(lead)second signal: exiting at once; the next run resends what was in flight", event: "signal",
                            fields: ["signal": .string(signalName(sig))])
                exit(128 + sig)
            },
            metrics: metrics)
        // Before any PATCH: which contract the run speaks, and how it knows (a target that says nothing gets the
        // database's).
        events.contract = { contract, origin in
            output.note("  contract \(contract) (\(origin))", event: "contract",
                        fields: ["contract": .string(contract.rawValue), "origin": .string(origin)])
        }
        return events
    }
}
