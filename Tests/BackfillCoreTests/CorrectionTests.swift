@testable import BackfillCore
import Foundation
import GRDB
import Testing

/// A failures report fed back with fixed cells (a file with `backfill_*` columns) corrects the participants it names:
/// their earlier rejected rows stop holding them, and stay in the database marked `resolved`.
struct CorrectionTests {
    let scratch = ScratchDirectory()

    private static let header = "participant_code,platform_updated_at,first_name,last_name,email"

    @Test func correctedFailuresFileReleasesAParticipantHeldByARejectedRow() throws {
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: .testing())
        try scratch.write("history.csv", """
            \(Self.header)
            AB12CD,2024-01-01,Ann,Lee,ann@example
            """)
        _ = try ingester.ingest(path: scratch.file("history.csv"))
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])

        try scratch.write("fixed.csv", """
            \(Self.header),backfill_state,backfill_message
            AB12CD,2024-01-01,Ann,Lee,ann@example.com,held,"column 'email': expected an email"
            """)
        let report = try ingester.ingest(path: scratch.file("fixed.csv"))

        #expect(report.resolvedRejections == 1)
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD"])
        let statuses = try db.read { try String.fetchAll($0, sql: "SELECT status FROM input_row ORDER BY id") }
        #expect(statuses == ["resolved", "accepted"])
    }

    @Test func plainLaterFileDoesNotReleaseAParticipantHeldByARejectedRow() throws {
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: .testing())
        try scratch.write("part1.csv", "\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example\n")
        try scratch.write("part2.csv", "\(Self.header)\nAB12CD,2024-02-01,Ann,Lee,ann@example.com\n")
        _ = try ingester.ingest(path: scratch.file("part1.csv"))
        let report = try ingester.ingest(path: scratch.file("part2.csv"))

        #expect(report.resolvedRejections == 0)
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])
    }
}
