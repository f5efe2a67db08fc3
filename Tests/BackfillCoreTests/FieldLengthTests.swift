@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import ParticipantAPI
import Testing

/// `--max-field-length`: an updatable field longer than the limit (Unicode scalars of the normalized value,
/// default 1,024) rejects the row, so no body the API would refuse as too large (413) is ever built.
struct FieldLengthTests {
    let scratch = ScratchDirectory()

    func row(_ cells: [(String, String?)], maxFieldLength: Int = IngestOptions.defaultMaxFieldLength) throws -> InputRow {
        let resolver = try ColumnResolver()
        let normalizer = RowNormalizer(idTypes: SegmentRules(extraIDTypes: []).idTypes, strictColumns: false, now: testNow,
                                       maxFieldLength: maxFieldLength)
        let all = [("participant_code", "AB12CD"), ("platform_updated_at", "2023-01-01")] + cells
        return normalizer.normalize(line: 2, raw: "raw", cells: all.map { (resolver.resolve($0.0), $0.0, $0.1) })
    }

    @Test func defaultLimitIs1024() {
        #expect(IngestOptions().maxFieldLength == 1_024)
        #expect(testNormalizer().maxFieldLength == 1_024)
    }

    @Test(arguments: Contract.ndax.fields.filter { ![Field.email, .idNumberType].contains($0) })
    func fieldOf1024CharactersIsAcceptedAnd1025Rejected(_ field: Field) throws {
        let accepted = try row([(field.name, String(repeating: "a", count: 1_024))])
        #expect(accepted.problems == [])
        #expect(accepted[field]?.unicodeScalars.count == 1_024)
        let rejected = try row([(field.name, String(repeating: "a", count: 1_025))])
        #expect(rejected.problems == [RowProblem(code: "field_too_long", column: field.name,
            message: "column '\(field.name)': expected at most 1024 characters (--max-field-length), got 1025")])
        #expect(rejected[field] == nil)
        #expect(rejected.participantCode == "AB12CD")
    }

    @Test func lengthIsOfTheNormalizedValue() throws {
        // 1,032 as read; trimmed and with the inner run collapsed, 1,024.
        let padded = "  " + String(repeating: "b", count: 1_019) + "     " + "cccc" + "  "
        let accepted = try row([("address_one", padded)])
        #expect(accepted.isAccepted)
        #expect(accepted[.addressOne]?.unicodeScalars.count == 1_024)
    }

    @Test func lengthCountsUnicodeScalarsNotBytesOrGraphemeClusters() throws {
        // 1,024 emoji: 4,096 UTF-8 bytes, still 1,024 scalars.
        let emoji = try row([("last_name", String(repeating: "\u{1F600}", count: 1_024))])
        #expect(emoji.isAccepted)
        // One grapheme cluster of 1,025 scalars (a letter and 1,024 combining low lines, which NFC cannot
        // compose with it) is 1,025 long.
        let stacked = try row([("last_name", "x" + String(repeating: "\u{332}", count: 1_024))])
        #expect(("x" + String(repeating: "\u{332}", count: 1_024)).count == 1)
        #expect(stacked.problems.map(\.message) ==
                ["column 'last_name': expected at most 1024 characters (--max-field-length), got 1025"])
    }

    @Test func tooLongEmailIsReportedAsTooLongNotAsMalformed() throws {
        let rejected = try row([("E-mail", String(repeating: "x", count: 1_100) + "@example.com")])
        #expect(rejected.problems.map(\.code) == ["field_too_long"])
        #expect(rejected.problems.first?.message == "column 'E-mail': expected at most 1024 characters (--max-field-length), got 1112")
    }

    @Test func aLowerLimitApplies() throws {
        #expect(try row([("city", "Austin")], maxFieldLength: 6).isAccepted)
        #expect(try row([("city", "Austins")], maxFieldLength: 6).problems.map(\.message) ==
                ["column 'city': expected at most 6 characters (--max-field-length), got 7"])
    }

    @Test func limitOutsideOneToTheCeilingIsRefusedNamingTheOption() throws {
        #expect(IngestOptions.maxFieldLengthCeiling == 1_477)
        for bad in [0, -1, IngestOptions.maxFieldLengthCeiling + 1] {
            #expect(throws: BackfillError("bad_option", "--max-field-length \(bad): expected a number of characters from 1 to 1477 " +
                                          "(longer fields could make a body the API refuses as too large)")) {
                try IngestOptions(maxFieldLength: bad).validate()
            }
        }
        try IngestOptions(maxFieldLength: 1).validate()
        try IngestOptions(maxFieldLength: IngestOptions.maxFieldLengthCeiling).validate()
    }

    @Test func everyFieldAtTheCeilingStillMakesABodyUnderTheSandboxLimit() {
        // The widest value a field can hold: 4-byte scalars (a quote escapes to only 2 bytes; control characters are refused).
        let widest = String(repeating: "\u{1F600}", count: IngestOptions.maxFieldLengthCeiling)
        let body = PatchBody(fields: Dictionary(uniqueKeysWithValues: Field.allCases.map { ($0, widest) }),
                             platformUpdatedAt: 9_999_999_999_999, requestID: UUID().uuidString.lowercased())
        #expect(body.bytes().count <= 64 * 1024)
    }

    @Test func ingestRejectsTheLongRowAndKeepsTheOthers() throws {
        let path = try scratch.write("long.csv", "participant_code,updated_at,first_name,last_name\n" +
                                     "AB12CD,2023-01-01,Ann,\(String(repeating: "L", count: 1_024))\n" +
                                     "CD34EF,2023-01-01,Bo,\(String(repeating: "L", count: 1_025))\n")
        let db = try scratch.database()
        let report = try Ingester(database: db, options: .testing()).ingest(path: path)
        #expect([report.rowsRead, report.rowsAccepted, report.rowsRejected] as [Int] == [2, 1, 1])
        #expect(report.rejectionsByCode["field_too_long"]?.examples ==
                ["\(path):3: column 'last_name': expected at most 1024 characters (--max-field-length), got 1025"])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD"])
        #expect(try DatabaseInspection.participants(db, state: "held") == ["CD34EF"])
    }
}
