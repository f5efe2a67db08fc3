@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// A control character (U+0000-U+001F except tab, and U+007F) in a field that is read rejects the row,
/// naming the column and the code point; the good rows beside it are ingested.
struct ControlCharacterTests {
    let scratch = ScratchDirectory()

    /// A row from `(column, value)` cells through the normalizer `Ingester` builds.
    func row(_ cells: [(String, String?)], strict: Bool = false) throws -> InputRow {
        let resolver = try ColumnResolver()
        return testNormalizer(strictColumns: strict).normalize(line: 3, raw: "raw", cells: cells.map { (resolver.resolve($0.0), $0.0, $0.1) })
    }

    func row(with extra: [(String, String?)], strict: Bool = false) throws -> InputRow {
        try row([("participant_code", "AB12CD"), ("platform_updated_at", "2023-01-01")] + extra, strict: strict)
    }

    @Test(arguments: [(0x00, "U+0000"), (0x01, "U+0001"), (0x08, "U+0008"), (0x0A, "U+000A"), (0x0B, "U+000B"),
                      (0x0C, "U+000C"), (0x0D, "U+000D"), (0x1B, "U+001B"), (0x1F, "U+001F"), (0x7F, "U+007F")])
    func controlCharacterInAnUpdatableFieldRejectsTheRowNamingTheCodePoint(_ value: Int, _ codePoint: String) throws {
        let control = String(Character(Unicode.Scalar(UInt8(value))))
        let rejected = try row(with: [("first_name", "An\(control)n"), ("last_name", "Lee")])
        #expect(rejected.problems == [RowProblem(code: "control_character", column: "first_name",
                                                 message: "column 'first_name': control character \(codePoint) is not allowed")])
        #expect(rejected[.firstName] == nil)
        #expect(rejected[.lastName] == "Lee")
        #expect(rejected.participantCode == "AB12CD")
    }

    @Test func tabIsWhitespaceNotAControlCharacter() throws {
        let accepted = try row(with: [("First Name", "\tAnn\t\tMarie\t"), ("id_type", "ssn"), ("id_number", "12\t34")])
        #expect(accepted.problems == [])
        #expect(accepted[.firstName] == "Ann Marie")
        #expect(accepted[.idNumber] == "12\t34")
    }

    @Test func controlCharacterAtTheEdgeIsRejectedEvenThoughTrimmingWouldDropIt() throws {
        let rejected = try row(with: [("email", "a@example.com\n")])
        #expect(rejected.problems == [RowProblem(code: "control_character", column: "email",
                                                 message: "column 'email': control character U+000A is not allowed")])
    }

    @Test func controlCharacterInTheCodeOrTimestampIsReportedInsteadOfTheShapeCheck() throws {
        let rejected = try row([("Participant Code", "AB12CD\u{0}"), ("Updated At", "2023-01-01\u{7F}"), ("email", "a@example.com")])
        #expect(rejected.problems == [
            RowProblem(code: "control_character", column: "Participant Code",
                       message: "column 'Participant Code': control character U+0000 is not allowed"),
            RowProblem(code: "control_character", column: "Updated At",
                       message: "column 'Updated At': control character U+007F is not allowed"),
        ])
        #expect(rejected.participantCode == nil)
        #expect(rejected.platformUpdatedAt == nil)
    }

    @Test func onlyTheFirstControlCharacterOfAFieldIsNamedButEveryFieldIsChecked() throws {
        let rejected = try row(with: [("city", "A\u{1}B\u{2}"), ("zip", "7\u{1F}")])
        #expect(rejected.problems.map(\.message) == [
            "column 'city': control character U+0001 is not allowed",
            "column 'zip': control character U+001F is not allowed",
        ])
    }

    @Test func ignoredUnknownColumnsAreNotChecked() throws {
        let accepted = try row(with: [("email", "a@example.com"), ("Notes", "line one\nline two\u{0}")])
        #expect(accepted.isAccepted)
    }

    @Test func nonASCIITextAndC1CharactersAreNotControlCharactersHere() throws {
        let accepted = try row(with: [("first_name", "Zo\u{EB} \u{1F600}"), ("last_name", "\u{85}Lee")])
        #expect(accepted.isAccepted)
    }

    @Test func csvCellWithAnEmbeddedNewlineIsRejectedAndTheGoodRowsBesideItAreIngested() throws {
        let path = try scratch.write("changes.csv", """
            participant_code,updated_at,first_name,last_name,address_one
            AB12CD,2023-01-01,Ann,Lee,
            CD34EF,2023-01-01,Bo,Chen,"12 Main St
            Apt 4"
            EF56GH,2023-01-01,Cy,Diaz,

            """)
        let db = try scratch.database()
        let report = try Ingester(database: db, options: .testing()).ingest(path: path)
        #expect([report.rowsRead, report.rowsAccepted, report.rowsRejected] as [Int] == [3, 2, 1])
        #expect(report.rejectionsByCode["control_character"]?.examples ==
                ["\(path):3: column 'address_one': control character U+000A is not allowed"])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD", "EF56GH"])
        #expect(try DatabaseInspection.participants(db, state: "held") == ["CD34EF"])
    }

    @Test func jsonlEscapedControlCharacterIsRejectedAndTheGoodLinesBesideItAreIngested() throws {
        let path = try scratch.write("changes.jsonl", #"""
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com"}
            {"participant_code": "CD34EF", "platform_updated_at": "2023-01-01", "first_name": "Bo\u0000", "last_name": "Chen"}
            {"participant_code": "EF56GH", "platform_updated_at": "2023-01-01", "city": "Austin\u007f", "email": "e@example.com"}
            {"participant_code": "GH78IJ", "platform_updated_at": "2023-01-01", "email": "g@example.com"}
            """#)
        let db = try scratch.database()
        let report = try Ingester(database: db, options: .testing()).ingest(path: path)
        #expect([report.rowsRead, report.rowsAccepted, report.rowsRejected] as [Int] == [4, 2, 2])
        let rejected = try DatabaseInspection.inputRows(db).filter { ($0["status"] as String) == "rejected" }
            .map { "\($0["line"] as Int) \($0["reject_code"] as String) \($0["reject_column"] as String): \($0["reject_message"] as String)" }
        #expect(rejected == [
            "2 control_character first_name: column 'first_name': control character U+0000 is not allowed",
            "3 control_character city: column 'city': control character U+007F is not allowed",
        ])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD", "GH78IJ"])
        #expect(try DatabaseInspection.participants(db, state: "held") == ["CD34EF", "EF56GH"])
    }
}
