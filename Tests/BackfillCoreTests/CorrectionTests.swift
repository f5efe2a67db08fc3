@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// A failures report fed back with fixed cells: each row replaces the rejected row its `backfill_row` names.
/// An accepted correction resolves that row (never folded again) and folds at its own timestamp; one still
/// invalid holds the participant in its place; one left as it was changes nothing.
struct CorrectionTests {
    let scratch = ScratchDirectory()

    static let header = "participant_code,platform_updated_at,first_name,last_name,email,id_number_type,id_number"
    /// AB12CD: a good name and email, then a newer row whose email is malformed (line 3).
    static let history = """
        \(header)
        AB12CD,2024-01-01,Ann,Lee,ann@example.com,,
        AB12CD,2024-03-01,,,ann.lee@example,ssn,123456789
        """

    /// `history` ingested into a fresh database, its ingester, and its path.
    func ingestHistory(_ text: String = CorrectionTests.history, options: IngestOptions = .testing()) throws
        -> (db: DatabaseQueue, ingester: Ingester, path: String) {
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: options)
        let path = try scratch.write("history.csv", text)
        _ = try ingester.ingest(path: path)
        return (db, ingester, path)
    }

    /// The body a fresh database folds from `csv`, as if the history had been right from the start.
    func cleanBody(_ csv: String, _ code: String = "AB12CD") throws -> [UInt8]? {
        let name = "clean-\(UUID().uuidString)"
        let db = try scratch.database(name + ".sqlite")
        _ = try Ingester(database: db, options: .testing()).ingest(path: try scratch.write(name + ".csv", csv))
        #expect(try DatabaseInspection.participants(db, state: "pending").contains(code))
        return try DatabaseInspection.currentJobs(db)[code]?.body
    }

    func statuses(_ db: DatabaseQueue) throws -> [String] {
        try db.read { try String.fetchAll($0, sql: "SELECT status FROM input_row ORDER BY id") }
    }

    @Test func exportShowsTheRejectedRowAsReadWithItsOwnTimestampAndName() throws {
        let (db, _, path) = try ingestHistory()
        let file = try FailuresFile.export(db, scratch: scratch)
        #expect(file.rows.count == 1)
        let row = file.rows[0]
        #expect(row["participant_code"] == "AB12CD")
        #expect(row["platform_updated_at"] == "2024-03-01")
        #expect(row["email"] == "ann.lee@example")
        #expect(row["first_name"] == "")
        #expect(row["id_number"] == "123456789")
        #expect(row["backfill_state"] == "rejected")
        #expect(row["backfill_row"] == "\(path):3")
        #expect(row["backfill_sources"] == "\(path):3")
        #expect(row["backfill_message"] == "column 'email': expected an email like name@example.com, got 'ann.lee@example'")
    }

    @Test func fixedCellReplacesTheRowItNamesAndFoldsAtThatRowsTimestamp() throws {
        let (db, ingester, _) = try ingestHistory()
        var file = try FailuresFile.export(db, scratch: scratch)
        file.set("email", to: "ann.lee@example.com", where: "participant_code", is: "AB12CD")
        let report = try ingester.ingest(path: try file.write("fixed.csv", in: scratch))

        #expect(report.corrections == CorrectionCounts(applied: 1, stillRejected: 0))
        #expect(report.notes.isEmpty)
        #expect(try statuses(db) == ["accepted", "resolved", "accepted"])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD"])
        // The same bytes as a history that had the right email on 2024-03-01 all along.
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.body == cleanBody("""
            \(Self.header)
            AB12CD,2024-01-01,Ann,Lee,ann@example.com,,
            AB12CD,2024-03-01,,,ann.lee@example.com,ssn,123456789
            """))
    }

    @Test func aReplacedRowIsNeverFoldedAgain() throws {
        let (db, ingester, _) = try ingestHistory()
        var file = try FailuresFile.export(db, scratch: scratch)
        // The person decides the id cells were wrong too: the replaced row's id must not come back.
        file.set("email", to: "ann.lee@example.com", where: "participant_code", is: "AB12CD")
        file.set("id_number_type", to: "", where: "participant_code", is: "AB12CD")
        file.set("id_number", to: "", where: "participant_code", is: "AB12CD")
        _ = try ingester.ingest(path: try file.write("fixed.csv", in: scratch))
        let expected = try cleanBody("""
            \(Self.header)
            AB12CD,2024-01-01,Ann,Lee,ann@example.com,,
            AB12CD,2024-03-01,,,ann.lee@example.com,,
            """)
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.body == expected)
        #expect(expected?.containsUTF8(of: "123456789") == false)

        // A later plain file folds the participant again, still without the replaced row.
        let later = try scratch.write("later.csv", "\(Self.header)\nAB12CD,2024-04-01,Anne,,,,\n")
        _ = try ingester.ingest(path: later)
        let body = try #require(try DatabaseInspection.currentJobs(db)["AB12CD"]?.body)
        #expect(!body.containsUTF8(of: "123456789") && !body.containsUTF8(of: "ssn"))
        #expect(body.containsUTF8(of: #""first_name":"Anne""#))
    }

    @Test func aCorrectionStillInvalidHoldsTheParticipantWithItsOwnReason() throws {
        let (db, ingester, _) = try ingestHistory()
        var file = try FailuresFile.export(db, scratch: scratch)
        file.set("email", to: "ann.lee at example.com", where: "participant_code", is: "AB12CD")
        let fixed = try file.write("fixed.csv", in: scratch)
        let report = try ingester.ingest(path: fixed)

        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: 1))
        #expect(try statuses(db) == ["accepted", "resolved", "rejected"])
        let message = "column 'email': expected an email like name@example.com, got 'ann.lee at example.com'"
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.holdReasons ==
            #"[{"source":"\#(fixed):2","message":"\#(message)","kind":"rejected_row"}]"#)
        // The next export shows the new attempt, named by its own file and line, and only it.
        let again = try FailuresFile.export(db, scratch: scratch, name: "failures-2.csv")
        #expect(again.rows.map { $0["backfill_row"] } == ["\(fixed):2"])
        #expect(again.rows.first?["email"] == "ann.lee at example.com")
        #expect(again.rows.first?["backfill_message"] == message)
    }

    @Test func anUnchangedFailuresFileResolvesNothing() throws {
        let (db, ingester, _) = try ingestHistory(Self.history + "\nQX9Z01,2024-02-02,Bo,Kim,bo@example.org,,\nQX9Z01,2024-02-03,,,,driving permit,X1\n")
        let jobsBefore = try DatabaseInspection.jobs(db)
        let file = try FailuresFile.export(db, scratch: scratch)
        #expect(file.rows.count == 2)
        let report = try ingester.ingest(path: try file.write("unchanged.csv", in: scratch))

        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: 2))
        #expect(report.rowsRejected == 2)
        #expect(try statuses(db) == ["accepted", "rejected", "accepted", "rejected", "ignored", "ignored"])
        #expect(try DatabaseInspection.jobs(db) == jobsBefore)
        // Nothing doubled: the next export is the same file.
        #expect(try FailuresFile.export(db, scratch: scratch, name: "failures-2.csv").text == file.text)
    }

    @Test func correctingARowAnEarlierCorrectionReplacedIsIgnored() throws {
        let (db, ingester, path) = try ingestHistory()
        let exported = try FailuresFile.export(db, scratch: scratch)
        var first = exported
        first.set("email", to: "ann.lee@example.com", where: "participant_code", is: "AB12CD")
        _ = try ingester.ingest(path: try first.write("fixed.csv", in: scratch))
        let body = try DatabaseInspection.currentJobs(db)["AB12CD"]?.body

        var second = exported
        second.set("email", to: "ann.lee@example.net", where: "participant_code", is: "AB12CD")
        let secondPath = try second.write("fixed-again.csv", in: scratch)
        let report = try ingester.ingest(path: secondPath)

        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: 0, alreadyReplaced: 1))
        #expect(report.notes == ["\(secondPath): corrections naming a row an earlier correction already replaced " +
            "(ignored; export the failures again to correct it further): 1 (\(secondPath):2 -> \(path):3)"])
        #expect(try statuses(db) == ["accepted", "resolved", "accepted", "ignored"])
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.body == body)
    }

    @Test func theSameFixedFileTwiceChangesNothingTheSecondTime() throws {
        let (db, ingester, _) = try ingestHistory()
        var file = try FailuresFile.export(db, scratch: scratch)
        file.set("email", to: "ann.lee@example.com", where: "participant_code", is: "AB12CD")
        let fixed = try file.write("fixed.csv", in: scratch)
        _ = try ingester.ingest(path: fixed)
        let database = scratch.file("backfill.sqlite")
        let before = try DatabaseInspection.checkpointedFileBytes(db, path: database)
        let again = try ingester.ingest(path: fixed)
        #expect(again.unchanged)
        #expect(again.corrections == nil)
        #expect(try DatabaseInspection.checkpointedFileBytes(db, path: database) == before)
    }

    @Test func aPlainLaterFileDoesNotReleaseAParticipantHeldByARejectedRow() throws {
        let (db, ingester, _) = try ingestHistory()
        let later = try scratch.write("later.csv", "\(Self.header)\nAB12CD,2024-05-01,,,ann.lee@example.com,,\n")
        let report = try ingester.ingest(path: later)

        #expect(report.corrections == nil)
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])
        #expect(try statuses(db) == ["accepted", "rejected", "accepted"])
    }

    @Test func aRaggedRowReadBackUnchangedStaysRejectedUntilItIsChanged() throws {
        let (db, ingester, _) = try ingestHistory("\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example.com\n")
        let file = try FailuresFile.export(db, scratch: scratch)
        #expect(file.rows.first?["backfill_message"] == "expected 7 cells as in the header, got 5")
        // The export lays the five cells out in a well-formed row: read back as they are, they prove nothing.
        let unchanged = try ingester.ingest(path: try file.write("unchanged.csv", in: scratch))
        #expect(unchanged.corrections == CorrectionCounts(applied: 0, stillRejected: 1))
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])

        var fixed = file
        fixed.set("id_number_type", to: "ssn", where: "participant_code", is: "AB12CD")
        fixed.set("id_number", to: "123456789", where: "participant_code", is: "AB12CD")
        let report = try ingester.ingest(path: try fixed.write("fixed.csv", in: scratch))
        #expect(report.corrections == CorrectionCounts(applied: 1, stillRejected: 0))
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD"])
    }

    @Test func anUnchangedRowAcceptedUnderANewOptionIsApplied() throws {
        let (db, _, _) = try ingestHistory("\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example.com,National ID,N-123\n")
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])
        let file = try FailuresFile.export(db, scratch: scratch)
        let allowing = try Ingester(database: db, options: .testing(extraIDTypes: ["national_id"]))
        let report = try allowing.ingest(path: try file.write("failures.csv", in: scratch))

        #expect(report.corrections == CorrectionCounts(applied: 1, stillRejected: 0))
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD"])
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.bodyContains(#""id_number_type":"national_id""#) == true)
    }
}
