@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// JSONL input: one object per line, what counts as "not provided", types, and keys through the alias table.
struct JSONLTests {
    let scratch = ScratchDirectory()

    /// The rows and notes of a JSONL text, read as `Ingester` reads it.
    func read(_ text: String, strict: Bool = false) throws -> (rows: [InputRow], notes: [String]) {
        let path = try scratch.write("input.jsonl", text)
        let source = JSONLRowSource(source: try ByteSource(path: path), resolver: try ColumnResolver(),
                                    normalizer: testNormalizer(strictColumns: strict))
        var rows: [InputRow] = []
        while let row = try source.next() { rows.append(row) }
        return (rows, source.notes)
    }

    var path: String { scratch.file("input.jsonl") }

    @Test func blankLinesAreIgnoredAndStillCounted() throws {
        let text = """

            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com"}
               \t
            \r
            {"participant_code": "CD34EF", "platform_updated_at": "2023-01-01", "email": "c@example.com"}
            """
        let rows = try read(text).rows
        #expect(rows.map(\.line) == [2, 5])
        #expect(rows.allSatisfy { $0.isAccepted })
    }

    @Test func lineThatIsNotAnObjectIsARejectedRow() throws {
        let rows = try read("[\"an array\"]\n42\n\"text\"\n{\"participant_code\": \n").rows
        #expect(rows.map(\.line) == [1, 2, 3, 4])
        #expect(rows.prefix(3).map(\.problems) == Array(repeating: [
            RowProblem(code: "not_json_object", column: "", message: "expected a JSON object on this line"),
        ], count: 3))
        #expect(rows[3].problems.map(\.code) == ["not_json_object"])
        #expect(rows[3].problems.first?.message.hasPrefix("not a JSON object: ") == true)
        #expect(rows.allSatisfy { $0.participantCode == nil })
        #expect(rows[0].raw == "[\"an array\"]")
    }

    @Test func nullMissingAndBlankMeanNotProvided() throws {
        let line = #"{"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "first_name": null, "# +
            #""last_name": "   ", "email": " A@Example.com "}"#
        let row = try #require(read(line).rows.first)
        #expect(row.isAccepted)
        #expect(row[.firstName] == nil)
        #expect(row[.lastName] == nil)
        #expect(row[.city] == nil)
        #expect(row[.email] == "a@example.com")
    }

    @Test func numericPlatformUpdatedAtIsAccepted() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": 1609459200000, "email": "a@example.com"}
            {"participant_code": "AB12CD", "updated_at": 1700000000, "email": "a@example.com"}
            {"participant_code": "AB12CD", "updated_at": 1700000000.25, "email": "a@example.com"}
            """
        let rows = try read(text).rows
        #expect(rows.map(\.platformUpdatedAt) == [1_609_459_200_000, 1_700_000_000_000, 1_700_000_000_250])
        #expect(rows.allSatisfy { $0.isAccepted })
    }

    @Test func numericZipIsRejectedBecauseItWouldLoseItsLeadingZero() throws {
        let text = """
            {"participant_code": "ZIP001", "platform_updated_at": "2023-03-03", "zip": 2108}
            {"participant_code": "ZIP002", "platform_updated_at": "2023-03-03", "zip_code": 2108}
            """
        let rows = try read(text).rows
        #expect(rows.map(\.problems) == [
            [RowProblem(code: "not_a_string", column: "zip",
                        message: "key 'zip': must be a JSON string (a number would silently lose a leading zero), got 2108")],
            [RowProblem(code: "not_a_string", column: "zip_code",
                        message: "key 'zip_code': must be a JSON string (a number would silently lose a leading zero), got 2108")],
        ])
        #expect(rows.map(\.participantCode) == ["ZIP001", "ZIP002"])
    }

    @Test func otherNonStringFieldsAreRejectedNamingTheKeyAndType() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": "2023-03-03", "first_name": 5, "last_name": "Lee"}
            {"participant_code": "AB12CD", "platform_updated_at": "2023-03-03", "city": true}
            {"participant_code": "AB12CD", "platform_updated_at": "2023-03-03", "address_one": {"n": 1}}
            {"participant_code": 123456, "platform_updated_at": "2023-03-03", "email": "a@example.com"}
            """
        let rows = try read(text).rows
        #expect(rows.map { $0.problems.map(\.message) } == [
            ["key 'first_name': must be a JSON string, got a number 5"],
            ["key 'city': must be a JSON string, got a boolean true"],
            ["key 'address_one': must be a JSON string, got an object {\"n\":1}"],
            ["key 'participant_code': must be a JSON string, got the number 123456"],
        ])
    }

    @Test func nonStringTimestampUnderAnAliasIsReportedOnce() throws {
        let line = #"{"participant_code": "AB12CD", "updated_at": true, "email": "a@example.com"}"#
        let row = try #require(read(line).rows.first)
        #expect(row.problems == [RowProblem(code: "not_a_string", column: "updated_at",
                                            message: "key 'updated_at': must be a JSON string, got a boolean true")])
    }

    @Test func unknownKeysAreNotedOnceAndIgnored() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com", "notes": "x"}
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-02", "email": "a@example.com", "notes": 5}
            """
        let (rows, notes) = try read(text)
        #expect(rows.allSatisfy { $0.isAccepted })
        #expect(notes == ["\(path):1: unknown key 'notes' ignored."])
    }

    @Test func unknownKeysRejectRowsThatFillThemUnderStrictColumns() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com", "notes": "x"}
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-02", "email": "a@example.com", "notes": null}
            """
        let (rows, notes) = try read(text, strict: true)
        #expect(rows.map(\.problems) == [
            [RowProblem(code: "unknown_column", column: "notes", message: "column 'notes': unknown column (--strict-columns), got 'x'")],
            [],
        ])
        #expect(notes == ["\(path):1: unknown key 'notes' rejects rows that fill it."])
    }

    @Test func aliasKeysMapToTheirFields() throws {
        let line = #"{"Participant Code": "js0001", "updated_at": "2022-05-05T05:05:05Z", "address1": "77 Lake Shore Dr", "# +
            #""Town": "Chicago", "state": "il", "zip_code": "60611", "country": "U.S.", "id_type": "US Drivers License", "# +
            #""id_no": "S530", "E-Mail": "J@Example.com"}"#
        let row = try #require(read(line).rows.first)
        #expect(row.isAccepted)
        #expect(row.participantCode == "JS0001")
        #expect(row.platformUpdatedAt == 1_651_727_105_000)
        #expect(row[.addressOne] == "77 Lake Shore Dr")
        #expect(row[.city] == "Chicago")
        #expect(row[.state] == "IL")
        #expect(row[.zip] == "60611")
        #expect(row[.country] == "United States")
        #expect(row[.idNumberType] == "us_drivers_license")
        #expect(row[.idNumber] == "S530")
        #expect(row[.email] == "j@example.com")
    }

    @Test func twoKeysForOneFieldAreAFileLevelError() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com"}
            {"participant_code": "AB12CD", "updated_at": 1, "platform_updated_at": "2023-01-01"}
            """
        #expect(throws: BackfillError("duplicate_column", "\(path):2: columns 'updated_at' and 'platform_updated_at' both map to " +
                                      "'platform_updated_at'; keep one, or --map one of them elsewhere")) {
            _ = try read(text)
        }
    }

    @Test func lineWithADuplicateKeyIsARejectedRowNamingTheKey() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com", "email": "b@example.com"}
            {"participant_code": "CD34EF", "participant_code": "CD34EF", "platform_updated_at": "2023-01-01", "city": "Austin"}
            {"participant_code": "EF56GH", "platform_updated_at": "2023-01-01", "notes": 1, "notes": 2, "notes": 3}
            """
        let rows = try read(text).rows
        #expect(rows.map(\.problems) == [
            [RowProblem(code: "duplicate_key", column: "email", message: "key 'email': appears more than once on this line")],
            [RowProblem(code: "duplicate_key", column: "participant_code",
                        message: "key 'participant_code': appears more than once on this line")],
            [RowProblem(code: "duplicate_key", column: "notes", message: "key 'notes': appears more than once on this line")],
        ])
        // The other keys are still read: the row holds its participant when its code is not the repeated key.
        #expect(rows.map(\.participantCode) == ["AB12CD", nil, "EF56GH"])
        #expect(rows[0][.email] == nil)
        #expect(rows[1][.city] == "Austin")
    }

    @Test func duplicateKeyRejectsOnlyItsLineAndTheRestOfTheFileIsIngested() throws {
        let path = try scratch.write("dupes.jsonl", """
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com"}
            {"participant_code": "CD34EF", "platform_updated_at": "2023-01-01", "zip": "78701", "zip": "78702"}
            {"participant_code": "EF56GH", "platform_updated_at": "2023-01-01", "email": "e@example.com"}
            """)
        let db = try scratch.database()
        let report = try Ingester(database: db, options: .testing()).ingest(path: path)
        #expect([report.rowsRead, report.rowsAccepted, report.rowsRejected] as [Int] == [3, 2, 1])
        #expect(report.rejectionsByCode["duplicate_key"]?.examples == ["\(path):2: key 'zip': appears more than once on this line"])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD", "EF56GH"])
        #expect(try DatabaseInspection.participants(db, state: "held") == ["CD34EF"])
    }

    @Test func numericTimestampWithAFractionOrExponentIsAcceptedWhenItIsWholeMilliseconds() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": 1.6e12, "email": "a@example.com"}
            {"participant_code": "AB12CD", "platform_updated_at": 1600000000000.0, "email": "a@example.com"}
            {"participant_code": "AB12CD", "platform_updated_at": 16000000000.00E2, "email": "a@example.com"}
            {"participant_code": "AB12CD", "platform_updated_at": 1.7e9, "email": "a@example.com"}
            {"participant_code": "AB12CD", "platform_updated_at": 17000000002.5e-1, "email": "a@example.com"}
            """
        let rows = try read(text).rows
        #expect(rows.map(\.problems) == Array(repeating: [], count: 5))
        #expect(rows.map(\.platformUpdatedAt) == [1_600_000_000_000, 1_600_000_000_000, 1_600_000_000_000,
                                                   1_700_000_000_000, 1_700_000_000_250])
    }

    @Test func numericTimestampWithAFractionOfAMillisecondIsRejected() throws {
        let text = """
            {"participant_code": "AB12CD", "platform_updated_at": 1600000000000.5, "email": "a@example.com"}
            {"participant_code": "AB12CD", "platform_updated_at": 1.6000000000005e12, "email": "a@example.com"}
            {"participant_code": "AB12CD", "platform_updated_at": -1.6e12, "email": "a@example.com"}
            """
        let rows = try read(text).rows
        #expect(rows.map { $0.problems.map(\.message) } == [
            ["column 'platform_updated_at': expected epoch milliseconds, epoch seconds or ISO-8601, got '1600000000000.5'"],
            ["column 'platform_updated_at': expected epoch milliseconds, epoch seconds or ISO-8601, got '1600000000000.5'"],
            ["column 'platform_updated_at': expected epoch milliseconds, epoch seconds or ISO-8601, got '-1.6e12'"],
        ])
        #expect(rows.allSatisfy { $0.platformUpdatedAt == nil })
    }
}
