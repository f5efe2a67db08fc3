@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// `backfill report --html`: one self-contained, well-formed page with every section.
struct ReportHTMLTests {
    let scratch = ScratchDirectory()

    func read(_ page: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> PageXML {
        PageXML.parse(page, sourceLocation: sourceLocation)
    }

    func page(_ queue: DatabaseQueue, redact: Bool = false) throws -> String {
        try queue.read { try HTMLReport(redact: redact).render($0, title: "backfill.sqlite", now: testNow) }
    }

    @Test func pageIsWellFormedWithEverySection() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let reader = try read(try page(fixture.queue))
        #expect(reader.sections == HTMLReport.sectionIDs)
        // The outcome bar, throughput and latency (nothing is slower than p90 here, so no tail panel).
        #expect(reader.elements["svg"] == 3)
        #expect(reader.text.contains("No slow tail: no request took longer than p90 (90 ms)."))
        #expect(reader.elements["script"] == nil)
        #expect(reader.text.contains("HOLD01"))
        #expect(reader.text.contains("duplicate_email"))
        #expect(reader.text.contains("p50 50 ms"))
    }

    @Test func pageFetchesNothing() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let html = try page(fixture.queue)
        for needle in ["<script", "src=", "href=", "url(", "@import", "<link"] { #expect(!html.contains(needle), "\(needle)") }
        let urls = html.components(separatedBy: "http").dropFirst().map { String($0.prefix(40)) }
        // The SVG namespace, and the target's name (text, never fetched).
        #expect(urls.allSatisfy { $0.hasPrefix("://www.w3.org/") || $0.hasPrefix("://127.0.0.1:9") })
    }

    @Test func textFromTheDatabaseIsEscaped() throws {
        let fixture = try ReportFixture(scratch: scratch, run: false)
        // Every job gets a 400 whose message is markup.
        let store = try RunStore(database: fixture.queue, target: ReportFixture.target)
        let run = try store.beginRun(now: testNow, rate: "1000/10s", concurrency: 1).id
        defer { try? store.endRun(run, now: testNow + 10, exitCode: 2, stopReason: nil) }
        let message = "<script>alert('x')</script> & \"more\" \u{1}"
        let jobs = try store.claim(limit: 100, now: testNow)
        try store.record(jobs.map {
            AttemptRecord(jobID: $0.id, number: 1, requestID: $0.requestID, startedAt: testNow, endedAt: testNow + 5,
                          status: 400, outcome: "failed", errorClass: "validation", message: message,
                          responseBody: nil, transition: .failed)
        })
        let html = try page(fixture.queue)
        // Plot escapes markup in text (quotes need no escaping there); the control character is dropped.
        #expect(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"more\" <"))
        #expect(!html.contains("<script>"))
        _ = try read(html)
    }

    @Test func anEmptyDatabaseStillGivesEverySection() throws {
        let reader = try read(try page(try scratch.database()))
        #expect(reader.sections == HTMLReport.sectionIDs)
        #expect(reader.text.contains("no requests sent yet"))
    }
}
