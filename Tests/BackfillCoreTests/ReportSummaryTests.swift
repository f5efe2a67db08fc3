@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// `backfill report --summary`: aggregates of jobs, errors, attempts, runs, latency and rejected rows.
struct ReportSummaryTests {
    let scratch = ScratchDirectory()

    @Test func countsJobsAndErrorsOfTheSimulatedRun() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let s = try fixture.queue.read { try ReportSummary.read($0) }
        #expect(s.jobs == ["pending": 0, "held": 4, "in_flight": 0, "succeeded": 3, "failed": 3])
        #expect(s.errorsByClass.map { "\($0.name) \($0.count)" } == [
            "validation 3", "duplicate_email 2", "network 1", "segment 1", "server 1",
        ])
        #expect(s.rejectedRows == [.init(name: "invalid_email", count: 1), .init(name: "invalid_participant_code", count: 1)])
        #expect(s.failedByClass.map { "\($0.name) \($0.count)" } == ["network 1", "server 1", "validation 1"])
        #expect(s.heldByClass.map { "\($0.name) \($0.count)" } == ["duplicate_email 2", "segment 1", "validation 1"])
        #expect(s.topMessages.first == .init(errorClass: "duplicate_email",
                                             message: "the same folded email as another participant (emails are unique per platform)", count: 2,
                                             exampleParticipant: "DUPE01"))
        // FAIL01's message quotes its email, BADEM1's hold reason its malformed one: placeholders stand in.
        #expect(s.topMessages.contains(.init(errorClass: "validation", message: "email {email} is already used by another participant", count: 1,
                                             exampleParticipant: "FAIL01")))
        #expect(s.topMessages.contains(.init(errorClass: "validation",
                                             message: "column 'email': expected an email like name@example.com, got '{email}'", count: 1,
                                             exampleParticipant: "BADEM1")))
        #expect(s.topMessages.contains(.init(errorClass: "segment",
                                             message: APIMessage.segmentValidationFailed([SegmentError(field: .city, kind: .required)]), count: 1,
                                             exampleParticipant: "HOLD01")))
    }

    @Test func attemptsRunTimeRateAndLatencyComeFromTheLedger() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let s = try fixture.queue.read { try ReportSummary.read($0) }
        #expect(s.attemptsPerJob == [.init(attempts: 1, jobs: 4), .init(attempts: 2, jobs: 2)])
        #expect(s.attemptsByOutcome == ["succeeded": 3, "failed": 3, "retry": 2, "rate_limited": 1])
        #expect(s.runs.count == 1)
        #expect(s.runs[0].attempts == 9)
        #expect(s.runs[0].seconds == 3.6)
        #expect(s.runSeconds == 3.6)
        #expect(s.achievedRate == 2.5)
        // Nine attempts of 10, 20, ... 90 ms.
        #expect(s.latency == .init(attempts: 9, p50Ms: 50, p90Ms: 90, p99Ms: 90, maxMs: 90))
    }

    @Test func percentilesUseNearestRank() {
        let d = LatencyDistribution(counts: (1...100).map { (Int64($0), 1) })
        #expect(d.percentile(0.5) == 50)
        #expect(d.percentile(0.9) == 90)
        #expect(d.percentile(0.99) == 99)
        let skewed = LatencyDistribution(counts: [(5, 98), (700, 1), (9000, 1)])
        #expect(skewed.percentile(0.5) == 5)
        #expect(skewed.percentile(0.99) == 700)
        #expect(LatencyDistribution(counts: []).percentile(0.5) == nil)
        #expect(skewed.binned().map(\.count) == [98, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0])
        #expect(skewed.binned().map(\.label) == ["0–10 ms", "10–20 ms", "20–50 ms", "50–100 ms", "100–200 ms", "200–500 ms",
                                                "0.5–1 s", "1–2 s", "2–5 s", "5–10 s", "10–30 s", "≥ 30 s"])
    }

    @Test func topLimitsTheTemplatesOfEachClass() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let one = try fixture.queue.read { try ReportSummary.read($0, top: 1) }.topMessages
        // Validation has two templates; every other class one.
        #expect(one.map(\.errorClass) == ["duplicate_email", "network", "segment", "server", "validation"])
        #expect(one.last?.message == "column 'email': expected an email like name@example.com, got '{email}'")
        #expect(try fixture.queue.read { try ReportSummary.read($0, top: 2) }.topMessages.count == 6)
    }

    @Test func textAndJSONCarryTheFigures() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let s = try fixture.queue.read { try ReportSummary.read($0) }
        let text = s.text()
        #expect(text.contains("  failed     3"))
        #expect(text.contains("latency (9 requests): p50 50 ms, p90 90 ms, p99 90 ms, max 90 ms"))
        #expect(text.contains("runs: 1, 3.6 s, 2.5 requests/s"))
        #expect(text.contains("9 requests, 2.5/s achieved, 2% of the configured 1000/10s (100/s) exit 2"))
        #expect(text.contains("  invalid_participant_code     1"))
        let json = try JSONParser.parse(Array(try s.jsonText().utf8))
        #expect(json["latency"]?["p99_ms"] == .number("90"))
        #expect(json["jobs"]?["held"] == .number("4"))
        #expect(json["achieved_rate"] == .number("2.5"))
    }

    @Test func anEmptyDatabaseSummarizesToZeros() throws {
        let queue = try scratch.database()
        let s = try queue.read { try ReportSummary.read($0) }
        #expect(s.jobs.byName.values.allSatisfy { $0 == 0 })
        #expect(s.errorsByClass.isEmpty && s.runs.isEmpty && s.achievedRate == nil && s.latency.p50Ms == nil)
        #expect(s.text().contains("latency: no requests yet"))
    }

    @Test func messagesThatDifferOnlyInEmailsCountAsOneLine() throws {
        let queue = try scratch.database()
        let csv = try scratch.write("emails.csv", """
            participant_code,platform_updated_at,first_name,last_name,email
            AB12CD,2024-01-01,Ann,Lee,ann@@example.com
            QX9Z01,2024-01-01,Bo,Kim,bo@kim
            ZZ0001,2024-01-01,Cy,Oh,cy@@oh.org
            """)
        _ = try Ingester(database: queue, options: .testing()).ingest(path: csv)
        let s = try queue.read { try ReportSummary.read($0) }
        #expect(s.topMessages == [.init(errorClass: "validation",
                                        message: "column 'email': expected an email like name@example.com, got '{email}'", count: 3,
                                        exampleParticipant: "AB12CD")])
        #expect(s.text().contains("  3       validation           column 'email': expected an email like name@example.com, got '{email}'  (e.g. AB12CD)"))
    }
}

/// The summary's grouping of the sandbox's answers.
struct ReportSummaryTemplateTests {
    let scratch = ScratchDirectory()

    @Test func theSandboxsNotACustomerMessagesGroupIntoOneLineWithTheRightCount() throws {
        let queue = try scratch.database()
        var csv = "participant_code,platform_updated_at,first_name,last_name,address_one,city,state,zip,country,email\n"
        // Letters and digits, and codes that are all digits (a number placeholder must not take them).
        let codes = (1...25).map { "QX\(String(format: "%04d", $0))" } + (1...5).map { String(format: "%06d", 100_000 + $0) }
        for code in codes { csv += "\(code),2024-01-01,Ann,Lee,1 Main St,Austin,TX,78701,US,\(code.lowercased())@example.com\n" }
        _ = try Ingester(database: queue, options: .testing()).ingest(path: try scratch.write("c.csv", csv))
        let store = try RunStore(database: queue, target: ReportFixture.target)
        let run = try store.beginRun(now: testNow, rate: "1000/10s", concurrency: 1).id
        let jobs = try store.claim(limit: 100, now: testNow)
        try store.record(jobs.enumerated().map { i, job in
            // The sandbox's wording (SandboxLedger answers with APIMessage's text): 400 for most, 403 for 4.
            let forbidden = i % 8 == 3
            let message = forbidden ? APIMessage.notACustomerOf(job.participantCode, platform: "PLAT01") : APIMessage.notACustomer(job.participantCode)
            return AttemptRecord(jobID: job.id, number: 1, requestID: job.requestID, startedAt: testNow, endedAt: testNow + 5,
                                 status: forbidden ? 403 : 400, outcome: "failed", errorClass: "not_customer", message: message,
                                 responseBody: nil, transition: .failed)
        })
        try store.endRun(run, now: testNow + 1000, exitCode: 2, stopReason: nil)
        // The example is the smallest code that got the message.
        let forbidden = jobs.enumerated().filter { $0.offset % 8 == 3 }.map(\.element.participantCode)
        let s = try queue.read { try ReportSummary.read($0) }
        #expect(s.topMessages.map { "\($0.count) \($0.errorClass) \($0.message) e.g. \($0.exampleParticipant ?? "-")" } == [
            "26 not_customer Participant {participant_code} is not a customer e.g. \(Set(codes).subtracting(forbidden).min()!)",
            "4 not_customer Participant {participant_code} is not a customer of PLAT01 e.g. \(forbidden.min()!)",
        ])
        #expect(s.text().contains("  26      not_customer         Participant {participant_code} is not a customer  (e.g. 100001)"))
        let page = try queue.read { try HTMLReport().render($0, title: "t", now: testNow) }
        #expect(page.contains("<span class=\"count\">26×</span> <span class=\"msg\">Participant {participant_code} is not a customer</span>"))
    }
}
