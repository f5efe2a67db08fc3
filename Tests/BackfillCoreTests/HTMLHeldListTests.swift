@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// The page's held table lists every held participant once it has room, including one the failures export
/// shows only through its rejected rows.
struct HTMLHeldListTests {
    let scratch = ScratchDirectory()

    /// The rows of the page's `held` section.
    func heldSection(_ queue: DatabaseQueue, limit: Int = 200) throws -> String {
        let page = try queue.read { try HTMLReport(heldLimit: limit).render($0, title: "backfill.sqlite", now: testNow) }
        let start = try #require(page.range(of: "<section id=\"held\""))
        let end = try #require(page.range(of: "</section>", range: start.upperBound..<page.endIndex))
        return String(page[start.lowerBound..<end.upperBound])
    }

    @Test func aParticipantHeldOnlyByARejectedRowIsListedWithItsReason() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let held = try heldSection(fixture.queue)
        for code in ["BADEM1", "DUPE01", "DUPE02", "HOLD01"] { #expect(held.contains("<code>\(code)</code>"), "\(code)") }
        #expect(held.contains("got 'beatrix@@badwell'"))
        #expect(!held.contains("more: <code>backfill report --failures</code>"))
    }

    @Test func theLimitCountsParticipantsAndKeepsEachOnesRowsTogether() throws {
        let queue = try scratch.database()
        var csv = "participant_code,platform_updated_at,first_name,email\n"
        // 30 participants, each held by two rejected rows.
        for n in 1...30 {
            let code = "H" + String(format: "%05d", n)
            csv += "\(code),2024-01-01,Ann,bad\(n)@@x\n\(code),2024-01-02,Ann,worse\(n)@@x\n"
        }
        _ = try Ingester(database: queue, options: .testing()).ingest(path: try scratch.write("held.csv", csv))
        let held = try heldSection(queue, limit: 10)
        let listed = Set(held.components(separatedBy: "<code>H").dropFirst().map { String($0.prefix(5)) })
        #expect(listed == Set((1...10).map { String(format: "%05d", $0) }))
        #expect(held.contains("bad10@@x") && held.contains("worse10@@x"))
        #expect(!held.contains("bad11@@x"))
        #expect(held.contains("… and 20 more"))
    }
}
