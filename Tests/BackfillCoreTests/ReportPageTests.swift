@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// The rebuilt page: what each group needs with the exact command, the failed list, rejected rows with their
/// column, runs against their configured rate, the charts' lines and marks, and `--redact` on every part.
struct ReportPageTests {
    let scratch = ScratchDirectory()

    func parse(_ page: String, sourceLocation: SourceLocation = #_sourceLocation) -> PageXML {
        PageXML.parse(page, sourceLocation: sourceLocation)
    }

    func page(_ queue: DatabaseQueue, _ report: HTMLReport = HTMLReport(database: "run1.sqlite")) throws -> String {
        try queue.read { try report.render($0, title: "run1.sqlite", now: testNow) }
    }

    /// The text of the element with this id.
    func section(_ page: String, _ id: String) throws -> String {
        let start = try #require(page.range(of: "<section id=\"\(id)\""))
        let end = try #require(page.range(of: "</section>", range: start.upperBound..<page.endIndex))
        return String(page[start.lowerBound..<end.upperBound])
    }

    /// Ingests `count` complete participants (codes P00001...) and sends each once with `answer(index)`:
    /// (status, outcome, error class, message, latency ms); a run per `runs` entry (rate, share of the jobs).
    func ledger(count: Int, name: String = "backfill.sqlite", runs: [(rate: String, jobs: Int, seconds: Int64)] = [],
                answer: (Int, String) -> (Int?, AttemptOutcome, ErrorClass?, String?, Int64)) throws -> DatabaseQueue {
        var csv = "participant_code,platform_updated_at,first_name,last_name,address_one,city,state,zip,country,email\n"
        for i in 1...count {
            csv += "P\(String(format: "%05d", i)),2024-01-01,Ann\(i),Lee,\(i) Main St,Austin,TX,78701,US,ann\(i)@example.com\n"
        }
        let queue = try scratch.database(name)
        _ = try Ingester(database: queue, options: .testing()).ingest(path: try scratch.write("\(name).csv", csv))
        let store = try RunStore(database: queue, target: ReportFixture.target)
        let plan = runs.isEmpty ? [(rate: "1000/10s", jobs: count, seconds: Int64(10))] : runs
        var clock = testNow - 3_600_000
        var index = 0
        for run in plan {
            let id = try store.beginRun(now: clock, rate: run.rate, concurrency: 4).id
            let start = clock
            let jobs = try store.claim(limit: run.jobs, now: clock)
            let spacing = run.seconds * 1000 / Int64(max(jobs.count, 1))
            try store.record(jobs.map { job in
                let (status, outcome, errorClass, message, latency) = answer(index, job.participantCode)
                index += 1
                clock += spacing
                let transition: JobTransition = outcome == "succeeded" ? .succeeded
                    : outcome == "rate_limited" ? .pending(notBefore: clock + 60_000, countsAttempt: false) : .failed
                return AttemptRecord(jobID: job.id, number: 1, requestID: job.requestID, startedAt: clock - latency, endedAt: clock,
                                     status: status, outcome: outcome, errorClass: errorClass, message: message,
                                     responseBody: nil, transition: transition)
            })
            try store.endRun(id, now: start + run.seconds * 1000, exitCode: 2, stopReason: nil)
            clock = start + run.seconds * 1000 + 5000
        }
        return queue
    }

    @Test func everySectionInOrderAndTheHeadlineGivesEachGroupItsCommand() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let html = try page(fixture.queue)
        let reader = parse(html)
        #expect(reader.sections == ["headline", "outcomes", "sends", "latency", "errors", "failed", "held", "rejected", "emails", "moves", "runs"])
        let headline = try section(html, "headline")
        #expect(headline.contains("updated (succeeded)"))
        for command in [
            "backfill retry --class server --base-url http://127.0.0.1:9 --db run1.sqlite",
            "backfill retry --class network --base-url http://127.0.0.1:9 --db run1.sqlite",
            "backfill resume --base-url http://127.0.0.1:9 --db run1.sqlite",
            "backfill report --failures --output failures.csv --base-url http://127.0.0.1:9 --db run1.sqlite",
            "backfill ingest failures.csv --db run1.sqlite",
        ] {
            #expect(headline.contains("<code class=\"cmd\">\(command)</code>"), "\(command)")
        }
        #expect(headline.contains("<code>failed: server</code>"))
        #expect(headline.contains("<code>held: duplicate_email</code>"))
        #expect(headline.contains("correct one of the emails"))
        #expect(headline.contains("complete the segment"))
        // The default database is left out of the commands.
        let plain = try page(fixture.queue, HTMLReport())
        #expect(try section(plain, "headline").contains("<code class=\"cmd\">backfill retry --class server --base-url http://127.0.0.1:9</code>"))
    }

    @Test func failedParticipantsListTheFirstWithStatusMessageAndAttemptsAndTheCommandForTheRest() throws {
        let queue = try ledger(count: 12) { i, code in
            i % 4 == 0 ? (200, "succeeded", nil, nil, 20) : (503, "failed", "server", "Service Unavailable (try \(i))", 40)
        }
        let failed = try section(try page(queue, HTMLReport(failedLimit: 5, database: "run1.sqlite")), "failed")
        #expect(failed.contains("The first 5 of 9, by participant code."))
        #expect(failed.contains("<td><code>P00002</code></td><td><code>server</code></td><td>503</td><td class=\"n\">1</td>"))
        #expect(failed.contains("Service Unavailable (try 1)"))
        #expect(failed.components(separatedBy: "<tr>").count - 2 == 5)
        #expect(failed.contains("The other 4 and every detail: <code class=\"cmd\">backfill report --failures --output failures.csv --base-url http://127.0.0.1:9 --db run1.sqlite</code>"))
        // Grouped by template: the numbers that differ become {n}.
        let errors = try section(try page(queue), "errors")
        #expect(errors.contains("<span class=\"count\">9×</span> <span class=\"msg\">Service Unavailable (try {n})</span>"))
    }

    @Test func rejectedRowsShowFileLineColumnAndReason() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let rejected = try section(try page(fixture.queue), "rejected")
        #expect(rejected.contains("<span class=\"src\">history.csv:13</span></td><td>unusable</td><td><code>participant_code</code></td>"))
        // The column has its own cell, so its problem reads without the prefix; another column's keeps it.
        #expect(rejected.contains("<li>expected 6 letters or digits, got '12-AB'</li><li>column 'address_one': control character U+000A is not allowed</li>"))
        #expect(rejected.contains("By reason: invalid email: 1 · invalid participant code: 1."))
        #expect(rejected.contains("<span class=\"src\">history.csv:10</span></td><td><code>BADEM1</code></td><td><code>email</code></td>"))
    }

    @Test func runsShowTheirAchievedRateAgainstTheirOwnConfiguredRate() throws {
        let queue = try ledger(count: 30, runs: [(rate: "100/10s", jobs: 10, seconds: 10), (rate: "20/1s", jobs: 20, seconds: 2)]) { _, _ in
            (200, "succeeded", nil, nil, 15)
        }
        let s = try queue.read { try ReportSummary.read($0) }
        #expect(s.runs.map(\.sendsPerSecond) == [1.0, 10.0])
        #expect(s.runs.map(\.configuredPerSecond) == [10.0, 20.0])
        #expect(s.runs.map(\.shareOfConfigured) == [0.1, 0.5])
        #expect(s.text().contains("10 requests, 1.0/s achieved, 10% of the configured 100/10s (10.0/s)"))
        #expect(s.text().contains("20 requests, 10.0/s achieved, 50% of the configured 20/1s (20.0/s)"))
        let runs = try section(try page(queue), "runs")
        #expect(runs.contains("<td class=\"n\">1.0/s (10%)</td><td>100/10s = 10.0/s</td>"))
        #expect(runs.contains("<td class=\"n\">10.0/s (50%)</td><td>20/1s = 20.0/s</td>"))
        #expect(runs.contains("finished: some failed or held"))
        let sends = try section(try page(queue), "sends")
        #expect(sends.contains("run #1: --rate 100/10s (10.0/s)"))
        #expect(sends.contains("run #2: --rate 20/1s (20.0/s)"))
    }

    @Test func throughputDrawsTheConfiguredRateAndTheAPILimitAndMarks429sAndPauses() throws {
        let queue = try ledger(count: 40, runs: [(rate: "2000/10s", jobs: 40, seconds: 4)]) { i, _ in
            i == 20 ? (429, "rate_limited", "rate_limited", "Too Many Requests", 5) : (200, "succeeded", nil, nil, 5)
        }
        let sends = try section(try page(queue), "sends")
        #expect(sends.contains("class=\"limit\""))
        #expect(sends.contains("API limit 200/s (2000/10s)"))
        #expect(sends.contains("class=\"configured\""))
        #expect(sends.contains("paused after 1 answer 429 at"))
        #expect(sends.contains("1 answered 429 (")) // the bucket's tooltip
        #expect(sends.contains("answered 429, marked ▼ (1)"))
        let timeline = try queue.read { try SendTimeline.read($0) }
        #expect(timeline.pauses.count == 1)
        #expect(timeline.pauses[0].end - timeline.pauses[0].start == 95) // to the next start
        // A slow run: the API's limit is written above the chart instead of squashing it.
        let slow = try ledger(count: 5, name: "slow.sqlite", runs: [(rate: "10/10s", jobs: 5, seconds: 5)]) { _, _ in (200, "succeeded", nil, nil, 5) }
        #expect(try section(try page(slow), "sends").contains("API limit 200/s (2000/10s): above this scale"))
    }

    @Test func latencyShowsPercentilesTimeoutsAndTheSlowTail() throws {
        let queue = try ledger(count: 200) { i, _ -> (Int?, AttemptOutcome, ErrorClass?, String?, Int64) in
            if i < 190 { return (200, "succeeded", nil, nil, Int64(20 + i % 30)) }
            if i < 197 { return (200, "succeeded", nil, nil, 800) }
            return (nil, "failed", "timeout", "no answer within 30s", 30_000)
        }
        let html = try page(queue)
        let latency = try section(html, "latency")
        #expect(latency.components(separatedBy: "<svg").count - 1 == 2)
        let s = try queue.read { try ReportSummary.read($0) }
        #expect(latency.contains(">p50 \(s.latency.p50Ms!) ms<") && latency.contains(">p90 \(s.latency.p90Ms!) ms<"))
        #expect(latency.contains(">p99 30000 ms<") && latency.contains(">max 30000 ms<"))
        #expect(latency.contains("3 timed out"))
        #expect(latency.contains("The slow tail: the"))
        #expect(latency.contains("fill=\"#c62828\"")) // timeouts in red
        #expect(latency.contains(">10 s<")) // a round tick on the log axis
        _ = parse(html)
    }

    @Test func axisTicksFallOnRoundValues() {
        #expect(HTMLCharts.linearScale(237).step == 50 && HTMLCharts.linearScale(237).top == 250)
        #expect(HTMLCharts.linearScale(9).step == 2 && HTMLCharts.linearScale(9).top == 10)
        #expect(HTMLCharts.linearScale(0.7, integral: false).step == 0.2)
        #expect(HTMLCharts.linearScale(1_040_000).step == 500_000)
        #expect(HTMLCharts.tickLabel(0.6000000000000001) == "0.6")
        #expect(HTMLCharts.tickLabel(1500) == "1,500")
        // 47 minutes: ticks every 10 minutes, on the minute.
        let start: Int64 = 1_735_689_600_000 + 123_456
        let ticks = HTMLCharts.timeTicks(start: start, end: start + 47 * 60_000)
        #expect(ticks.step == 600_000)
        #expect(ticks.ticks.allSatisfy { $0 % 600_000 == 0 })
        #expect(HTMLCharts.timeLabel(ticks.ticks[0], step: ticks.step, withDate: false) == "00:10")
        #expect(SendTimeline.bucketWidth(first: start, last: start + 47 * 60_000, maxBuckets: 120) == 30_000)
        #expect(HTMLCharts.edges(from: 10, to: 1000).filter { [10, 20, 50, 100, 200, 500, 1000].contains($0) }.count == 7)
    }

    @Test func redactMasksPersonalDataInEverySection() throws {
        // Messages, hold reasons, rejected rows, templates and stop reasons quoting names, emails and addresses.
        let queue = try ledger(count: 6) { i, code in
            (400, "failed", "validation", "Participant \(code): Ann\(i + 1) Lee at \(i + 1) Main St, ann\(i + 1)@example.com is invalid", 30)
        }
        let store = try RunStore(database: queue, target: ReportFixture.target)
        let run = try store.beginRun(now: testNow, rate: "1000/10s", concurrency: 1).id
        try store.endRun(run, now: testNow + 10, exitCode: 1, stopReason: "unauthorized: 401 Unauthorized: key of ops@example.com revoked")
        let secrets = (1...6).flatMap { ["Ann\($0)", "ann\($0)@example.com", "\($0) Main St"] } + ["ops@example.com"]
        let plain = try page(queue)
        #expect(secrets.allSatisfy { plain.contains($0) })
        let redacted = try page(queue, HTMLReport(redact: true, database: "run1.sqlite"))
        for secret in secrets { #expect(!redacted.contains(secret), "shows \(secret)") }
        // Templates have turned "1 Main St" into "{n} Main St": the street must be masked there too.
        #expect(!redacted.contains("Main St"), "a template shows the street")
        #expect(redacted.contains("personal data redacted"))
        let failed = try section(redacted, "failed")
        #expect(failed.contains("A. L. at"), "\(failed)")
        _ = parse(redacted)
    }
}
