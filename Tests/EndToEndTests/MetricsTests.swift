import AsyncHTTPClient
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import GRDB
import NIOCore
import Prometheus
import Testing

/// One sample of a Prometheus text exposition: `name{label="value",...} number`.
struct PrometheusSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double

    /// Every sample line of `text` (comments skipped). Label values here never hold `"` or `,`.
    static func parse(_ text: String) -> [PrometheusSample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return PrometheusSample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
            }
            return PrometheusSample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    static func emit(_ registry: PrometheusCollectorRegistry) -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension EndToEnd {
    /// `run --metrics`: what the metrics say equals what the ledger holds.
    @Suite struct MetricsTests {
        let workspace = Workspace()

        @Test func atTheEndTheCountersAndGaugesEqualTheLedger() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(300, into: db)
            try await withSandbox({ $0.failRate = 0.08 }) { sandbox in
                let registry = PrometheusCollectorRegistry()
                var factory = PrometheusMetricsFactory(registry: registry)
                factory.defaultDurationHistogramBuckets = RunMetrics.durationBuckets.map { .milliseconds(Int64($0 * 1000)) }
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials, events: RunEvents(metrics: factory))
                #expect(summary.ending == .drained)
                let target = summary.target
                let samples = PrometheusSample.parse(PrometheusSample.emit(registry))
                #expect(!samples.isEmpty)
                #expect(samples.allSatisfy { $0.labels["target"] == target }, "every series names the target")

                // backfill_attempts_total by outcome and status, exactly the ledger's rows.
                let ledger: [Row] = try await db.read { db in
                    try Row.fetchAll(db, sql: "SELECT outcome, coalesce(CAST(http_status AS TEXT), 'none') AS status, count(*) AS n FROM attempt GROUP BY 1, 2")
                }
                let counted = Dictionary(uniqueKeysWithValues: samples.filter { $0.name == RunMetrics.Name.attempts }
                    .map { ("\($0.labels["outcome"]!) \($0.labels["status"]!)", Int($0.value)) })
                let recorded = Dictionary(uniqueKeysWithValues: ledger.map { ("\($0["outcome"] as String) \($0["status"] as String)", $0["n"] as Int) })
                #expect(counted == recorded)
                #expect(recorded.keys.contains { $0.hasPrefix("retry 5") }, "the faults gave retries: \(recorded)")

                // backfill_jobs by state: the run's own counts, equal to the table's at the end.
                let jobs = Dictionary(uniqueKeysWithValues: samples.filter { $0.name == RunMetrics.Name.jobs }
                    .map { ($0.labels["state"]!, Int($0.value)) })
                let states = try Ledger.states(db)
                for state in JobStatus.latest.map(\.rawValue) {
                    #expect(jobs[state] == (states[state] ?? 0), "\(state)")
                }
                let total = recorded.values.reduce(0, +)
                let durations = samples.first { $0.name == RunMetrics.Name.requestDuration + "_count" }
                #expect(durations.map { Int($0.value) } == total)
                let limited = samples.first { $0.name == RunMetrics.Name.rateLimited }
                #expect(limited.map { Int($0.value) } == (recorded.filter { $0.key.hasSuffix(" 429") }.values.reduce(0, +)))
                for gauge in [RunMetrics.Name.inFlight, RunMetrics.Name.window, RunMetrics.Name.ceiling,
                              RunMetrics.Name.rateLimitFactor, RunMetrics.Name.paused, RunMetrics.Name.eta] {
                    #expect(samples.contains { $0.name == gauge }, "\(gauge)")
                }
                #expect(samples.first { $0.name == RunMetrics.Name.inFlight }?.value == 0)
                #expect(samples.first { $0.name == RunMetrics.Name.ceiling }?.value == 256)
            }
        }

        @Test func theBinaryServesMetricsWhileItRunsAndEveryLineIsJSON() async throws {
            do {
                let db = try workspace.openDatabase()
                try workspace.ingestParticipants(700, into: db)
                try db.close()
            }
            try await withSandbox({ $0.latency = .milliseconds(20) }) { sandbox in
                let path = workspace.databasePath
                let process = try BuiltBinary(
                    ["run", "--db", path, "--base-url", sandbox.baseURL, "--rate", "100/1s", "--metrics", "127.0.0.1:0",
                     "--log-format", "json"],
                    environment: BinaryResumeTests.environment(sandbox), outputIn: workspace.path, name: "run-metrics")
                defer { process.killIfRunning() }
                var url: String?
                _ = await eventually(timeout: .seconds(20)) {
                    let stderr = (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? ""
                    url = stderr.split(separator: "\n").lazy.compactMap { line -> String? in
                        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                              object["event"] as? String == "metrics" else { return nil }
                        return object["url"] as? String
                    }.first
                    return url != nil || !process.isRunning
                }
                let metricsURL = try #require(url, "no metrics line\n\(process.output)")
                #expect(metricsURL.hasPrefix("http://127.0.0.1:") && metricsURL.hasSuffix("/metrics"))

                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                var midway: [PrometheusSample] = []
                _ = await eventually(timeout: .seconds(30)) {
                    guard let response = try? await client.get(url: metricsURL).get(), response.status == .ok,
                          let body = response.body else { return !process.isRunning }
                    midway = PrometheusSample.parse(String(buffer: body))
                    let attempts = midway.filter { $0.name == RunMetrics.Name.attempts }.map(\.value).reduce(0, +)
                    return attempts >= 100 || !process.isRunning
                }
                try await client.shutdown()
                let attempts = midway.filter { $0.name == RunMetrics.Name.attempts }.map(\.value).reduce(0, +)
                #expect(attempts >= 100 && attempts < 700, "scraped while running: \(attempts) attempts")
                for name in RunMetrics.Name.all where name != RunMetrics.Name.requestDuration {
                    #expect(midway.contains { $0.name == name }, "\(name)")
                }
                #expect(midway.contains { $0.name == RunMetrics.Name.requestDuration + "_bucket" })
                #expect(midway.first { $0.name == RunMetrics.Name.inFlight }.map { $0.value >= 0 } == true)

                let exit = try await process.waitForExit(timeout: .seconds(60))
                #expect(exit.reason == .exit && exit.status == 0, "\(process.output)")
                let stdout = (try? String(contentsOfFile: process.stdoutPath, encoding: .utf8)) ?? ""
                let stderr = (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? ""
                var events: [String] = []
                for line in (stdout + stderr).split(separator: "\n") {
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object != nil, "not JSON: \(line)")
                    if let event = object?["event"] as? String { events.append(event) }
                }
                #expect(events.contains("start") && events.contains("summary") && events.contains("progress"), "\(events)")
                // The status line carries the metrics' numbers under the metrics' names.
                let status = try #require(stderr.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }.first { $0["event"] as? String == "progress" })
                for key in ["in_flight", "in_flight_window", "in_flight_ceiling", "rate_limit_factor", "paused", "rate_limited", "jobs"] {
                    #expect(status[key] != nil, "\(key)")
                }
                let summary = try #require(stdout.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }.first { $0["event"] as? String == "summary" })
                #expect(summary["requests"] as? Int == 700)
                #expect(summary["succeeded"] as? Int == 700)
            }
        }

        @Test func aNonLoopbackAddressIsRefusedBeforeAnythingIsSent() async throws {
            do {
                let db = try workspace.openDatabase()
                try workspace.ingestParticipants(3, into: db)
                try db.close()
            }
            try await withSandbox { sandbox in
                let process = try BuiltBinary(
                    ["run", "--db", workspace.databasePath, "--base-url", sandbox.baseURL, "--metrics", "0.0.0.0:9464"],
                    environment: BinaryResumeTests.environment(sandbox), outputIn: workspace.path, name: "run-metrics-any")
                defer { process.killIfRunning() }
                let exit = try await process.waitForExit(timeout: .seconds(30))
                #expect(exit.reason == .exit && exit.status == 1, "\(process.output)")
                let stderr = (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? ""
                #expect(stderr.contains("error: --metrics 0.0.0.0:9464 is not a loopback address: pass --metrics-listen-any"), "\(stderr)")
                #expect(sandbox.snapshot().requestsAnswered == 0)
            }
        }
    }
}
