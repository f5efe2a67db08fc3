@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// The fix-and-re-ingest loop on the bundled samples: export the failures, fix only the bad cells (an email, a
/// PO Box, a future date, a non-updatable column emptied) in a copy, ingest it: every fixed participant is
/// pending with exactly the job it would have had if its source row had been right.
struct CorrectionLoopTests {
    let scratch = ScratchDirectory()

    static let fixed = ["BADROW", "DOB001", "FUT001", "PB0X01"]

    func ingestSamples(into db: DatabaseQueue, csv: String = SamplesTests.csv, jsonl: String = SamplesTests.jsonl) throws {
        let ingester = try Ingester(database: db, options: .testing())
        _ = try ingester.ingest(path: csv)
        _ = try ingester.ingest(path: jsonl)
    }

    /// The current jobs of the samples with the same cells fixed at the source, in a fresh database.
    func jobsOfFixedSources() throws -> [String: JobSnapshot] {
        func fix(_ path: String, _ name: String, _ edits: [(String, String)]) throws -> String {
            var text = try String(contentsOfFile: path, encoding: .utf8)
            for (bad, good) in edits {
                #expect(text.contains(bad), "\(bad)")
                text = text.replacingOccurrences(of: bad, with: good)
            }
            return try scratch.write(name, text)
        }
        let dir = scratch.file("fixed-sources")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let csv = try fix(SamplesTests.csv, "fixed-sources/changes.csv", [
            ("BADROW,2022-01-01,Ravi,Patel,,,,,,,ravi@example,", "BADROW,2022-01-01,Ravi,Patel,,,,,,,ravi@example.com,"),
            ("\"P.O. Box 1200\"", "\"1200 Broadway\""),
            ("FUT001,2099-01-01", "FUT001,2022-01-01"),
        ])
        let jsonl = try fix(SamplesTests.jsonl, "fixed-sources/changes.jsonl", [(#", "date_of_birth": "1990-01-01""#, "")])
        let db = try scratch.database("fixed-sources.sqlite")
        try ingestSamples(into: db, csv: csv, jsonl: jsonl)
        return try DatabaseInspection.currentJobs(db)
    }

    @Test func fixingTheBadCellsOfTheCSVExportReleasesExactlyThoseParticipants() throws {
        let db = try scratch.database()
        try ingestSamples(into: db)
        let heldBefore = try DatabaseInspection.participants(db, state: "held")
        var file = try FailuresFile.export(db, scratch: scratch)
        let rejected = file.rows.filter { $0["backfill_state"] == "rejected" }.count
        #expect(file.header.contains("date_of_birth"))
        #expect(file.cell("backfill_row", where: "participant_code", is: "PB0X01") == "\(SamplesTests.csv):17")

        #expect(file.set("email", to: "ravi@example.com", where: "participant_code", is: "BADROW") == 1)
        #expect(file.set("address_one", to: "1200 Broadway", where: "participant_code", is: "PB0X01") == 1)
        #expect(file.set("platform_updated_at", to: "2022-01-01", where: "participant_code", is: "FUT001") == 1)
        #expect(file.set("date_of_birth", to: "", where: "participant_code", is: "DOB001") == 1)
        let report = try Ingester(database: db, options: .testing()).ingest(path: try file.write("fixed.csv", in: scratch))

        #expect(report.corrections == CorrectionCounts(applied: 4, stillRejected: rejected - 4))
        let pending = try DatabaseInspection.participants(db, state: "pending")
        #expect(Set(pending).isSuperset(of: Self.fixed))
        #expect(try DatabaseInspection.participants(db, state: "held") == heldBefore.filter { !Self.fixed.contains($0) })
        let jobs = try DatabaseInspection.currentJobs(db)
        let expected = try jobsOfFixedSources()
        for code in Self.fixed {
            #expect(jobs[code]?.body != nil && jobs[code]?.body == expected[code]?.body, "\(code)")
        }
        #expect(jobs["PB0X01"]?.bodyContains(#""address_one":"1200 Broadway""#) == true)
        #expect(jobs["FUT001"]?.bodyContains(#""platform_updated_at":1640995200000"#) == true)
        #expect(jobs["DOB001"]?.bodyContains(#""first_name":"Dora","last_name":"Obi""#) == true)
        // BADROW's fixed row is its older one: the newer row's email still wins, as it would have at the source.
        #expect(jobs["BADROW"]?.bodyContains(#""email":"ravi.patel@example.com""#) == true)
    }

    @Test func fixingTheBadCellsOfTheJSONLExportDoesTheSame() throws {
        let db = try scratch.database()
        try ingestSamples(into: db)
        let path = scratch.file("failures.jsonl")
        let sink = try ReportSink(path: path)
        _ = try db.read { try FailureExport(format: .jsonl).write($0, to: sink) }
        try sink.close()
        var text = try String(contentsOfFile: path, encoding: .utf8)
        for (bad, good) in [(#""email":"ravi@example""#, #""email":"ravi@example.com""#),
                            (#""address_one":"P.O. Box 1200""#, #""address_one":"1200 Broadway""#),
                            (#""platform_updated_at":"2099-01-01""#, #""platform_updated_at":"2022-01-01""#),
                            (#""date_of_birth":"1990-01-01""#, #""date_of_birth":null"#)] {
            #expect(text.contains(bad), "\(bad)")
            text = text.replacingOccurrences(of: bad, with: good)
        }
        let report = try Ingester(database: db, options: .testing()).ingest(path: try scratch.write("fixed.jsonl", text))

        #expect(report.corrections?.applied == 4)
        let jobs = try DatabaseInspection.currentJobs(db)
        let expected = try jobsOfFixedSources()
        for code in Self.fixed {
            #expect(jobs[code]?.state == "pending", "\(code)")
            #expect(jobs[code]?.body == expected[code]?.body, "\(code)")
        }
    }

    @Test func theUnchangedExportOfTheSamplesResolvesNothing() throws {
        let db = try scratch.database()
        try ingestSamples(into: db)
        let held = try DatabaseInspection.participants(db, state: "held")
        let file = try FailuresFile.export(db, scratch: scratch)
        let rejected = file.rows.filter { $0["backfill_state"] == "rejected" }.count
        let report = try Ingester(database: db, options: .testing()).ingest(path: try file.write("unchanged.csv", in: scratch))

        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: rejected))
        #expect(try DatabaseInspection.participants(db, state: "held") == held)
        let resolved = try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM input_row WHERE status = 'resolved'") }
        #expect(resolved == 0)
    }
}
