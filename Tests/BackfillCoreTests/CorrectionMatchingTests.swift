@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// Which stored row a correction replaces: the one its `backfill_row` names (as long as it keeps that row's
/// participant), else its participant's rejected rows at the same `platform_updated_at`; a held participant's
/// own row and a row naming nothing known are new rows.
struct CorrectionMatchingTests {
    let scratch = ScratchDirectory()

    static let header = "participant_code,platform_updated_at,first_name,last_name,email"

    func ingest(_ name: String, _ text: String, into db: DatabaseQueue) throws -> (report: IngestReport, path: String) {
        let path = try scratch.write(name, text)
        return (try Ingester(database: db, options: .testing()).ingest(path: path), path)
    }

    func statuses(_ db: DatabaseQueue) throws -> [String] {
        try db.read { try String.fetchAll($0, sql: "SELECT status FROM input_row ORDER BY id") }
    }

    @Test func aRowWithoutBackfillRowCorrectsTheRejectedRowsAtItsTimestamp() throws {
        let db = try scratch.database()
        _ = try ingest("history.csv", "\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example\nAB12CD,2024-02-01,Ann,,ann@example.com\n", into: db)
        let (report, _) = try ingest("fixed.csv", "\(Self.header),backfill_state\nAB12CD,2024-01-01,Ann,Lee,ann@example.org,rejected\n", into: db)

        #expect(report.corrections == CorrectionCounts(applied: 1, stillRejected: 0))
        #expect(try statuses(db) == ["resolved", "accepted", "accepted"])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD"])
        // The correction folds at 2024-01-01: the newer row's email wins.
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.bodyContains(#""email":"ann@example.com""#) == true)
    }

    @Test func aHeldParticipantsOwnRowIsANewRowEvenAtTheSameTimestamp() throws {
        let db = try scratch.database()
        let history = """
            participant_code,platform_updated_at,address_one,city,country,email
            AB12CD,2024-01-01,Calle Mayor 1,,Spain,
            AB12CD,2024-01-01,,,,ann@example
            """
        let (_, path) = try ingest("history.csv", history, into: db)
        var file = try FailuresFile.export(db, scratch: scratch)
        #expect(file.rows.map { "\($0["backfill_state"]!) \($0["backfill_row"]!) \($0["backfill_error_class"]!)" }
            == ["held  segment", "rejected \(path):3 validation"])
        #expect(file.rows[0]["backfill_message"]?.hasPrefix("\(path):2: Data segment validation failed.") == true)
        #expect(file.rows[0]["platform_updated_at"] == "2024-01-01T00:00:00Z")
        // Only the segment is completed; the malformed email is left as it was.
        file.set("city", to: "Austin", where: "backfill_state", is: "held")
        let (report, _) = try ingest("fixed.csv", file.text, into: db)

        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: 1))
        #expect(try statuses(db) == ["accepted", "rejected", "accepted", "ignored"])
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.holdReasons ==
            #"[{"source":"\#(path):3","message":"column 'email': expected an email like name@example.com, got 'ann@example'","kind":"rejected_row"}]"#)
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.bodyContains(#""city":"Austin""#) == true)
    }

    @Test func aCorrectionNamingAnotherParticipantsRowIsANewRowOfItsOwn() throws {
        let db = try scratch.database()
        let (_, path) = try ingest("history.csv", "\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example\n", into: db)
        var file = try FailuresFile.export(db, scratch: scratch)
        file.set("participant_code", to: "QX9Z01", where: "participant_code", is: "AB12CD")
        file.set("email", to: "ann@example.com", where: "participant_code", is: "QX9Z01")
        let (report, fixed) = try ingest("fixed.csv", file.text, into: db)

        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: 0, unmatched: 1))
        #expect(report.notes == ["\(fixed): corrections naming another participant's row (read as new rows; the row " +
            "they name still holds its participant): 1 (\(fixed):2 -> \(path):2 of AB12CD)"])
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["QX9Z01"])
    }

    @Test func aCorrectionWithoutAUsableParticipantCodeChangesNothing() throws {
        let db = try scratch.database()
        let (_, path) = try ingest("history.csv", "\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example\n", into: db)
        let jobs = try DatabaseInspection.jobs(db)
        var file = try FailuresFile.export(db, scratch: scratch)
        file.set("participant_code", to: "AB12C", where: "participant_code", is: "AB12CD")
        let (report, fixed) = try ingest("fixed.csv", file.text, into: db)

        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: 1))
        #expect(report.notes == ["\(fixed): corrections without a usable participant_code (ignored; the rows they " +
            "name still hold their participants): 1 (\(fixed):2 -> \(path):2 of AB12CD)"])
        #expect(try statuses(db) == ["rejected", "ignored"])
        #expect(try DatabaseInspection.jobs(db) == jobs)
    }

    @Test func aRowWithNoUsableParticipantCorrectedWithAValidCodeJoinsThatParticipant() throws {
        let db = try scratch.database()
        _ = try ingest("history.csv", "\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example.com\n12-AB,2024-02-01,Anne,,\n", into: db)
        var file = try FailuresFile.export(db, scratch: scratch)
        #expect(file.rows.map { $0["participant_code"] } == ["12-AB"])
        file.set("participant_code", to: "AB12CD", where: "participant_code", is: "12-AB")
        let (report, _) = try ingest("fixed.csv", file.text, into: db)

        #expect(report.corrections == CorrectionCounts(applied: 1, stillRejected: 0))
        #expect(try statuses(db) == ["accepted", "resolved", "accepted"])
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.bodyContains(#""first_name":"Anne","last_name":"Lee""#) == true)
        #expect(try FailuresFile.export(db, scratch: scratch, name: "again.csv").rows.isEmpty)
    }

    @Test func aNamedRowThisDatabaseNeverSawIsReadAsANewRow() throws {
        let first = try scratch.database("first.sqlite")
        let (_, path) = try ingest("history.csv", "\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example\n", into: first)
        var file = try FailuresFile.export(first, scratch: scratch)
        file.set("email", to: "ann@example.com", where: "participant_code", is: "AB12CD")

        let fresh = try scratch.database("fresh.sqlite")
        let (report, fixed) = try ingest("fixed.csv", file.text, into: fresh)
        #expect(report.corrections == CorrectionCounts(applied: 0, stillRejected: 0, unmatched: 1))
        #expect(report.notes == ["\(fixed): corrections naming no rejected row of this database (read as new rows): " +
            "1 (\(fixed):2 -> \(path):2)"])
        #expect(try DatabaseInspection.participants(fresh, state: "pending") == ["AB12CD"])
    }

    @Test func whenThePathWasIngestedTwiceTheParticipantsOwnRejectedRowIsTheOneCorrected() throws {
        let db = try scratch.database()
        let path = scratch.file("export.csv")
        try scratch.write("export.csv", "\(Self.header)\nAB12CD,2024-01-01,Ann,Lee,ann@example\n")
        _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        try scratch.write("export.csv", "\(Self.header)\nQX9Z01,2024-01-01,Bo,Kim,bo@example\n")
        _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        var file = try FailuresFile.export(db, scratch: scratch)
        #expect(file.rows.map { $0["backfill_row"] } == ["\(path):2", "\(path):2"])
        file.set("email", to: "bo@example.com", where: "participant_code", is: "QX9Z01")
        let (report, _) = try ingest("fixed.csv", file.text, into: db)

        #expect(report.corrections == CorrectionCounts(applied: 1, stillRejected: 1))
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["QX9Z01"])
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])
    }
}
