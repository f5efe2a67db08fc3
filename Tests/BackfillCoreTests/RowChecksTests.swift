@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// The row checks: each looks at one row alone and rejects it with the column and the API's wording.
struct RowChecksTests {
    /// A row from `(column as named in the input, value)` cells, on the tests' clock (2025-01-01T00:00:00Z).
    func row(_ cells: [(String, String?)], strict: Bool = false, extraIDTypes: [String] = []) throws -> InputRow {
        let resolver = try ColumnResolver()
        let normalizer = testNormalizer(strictColumns: strict, extraIDTypes: extraIDTypes)
        return normalizer.normalize(line: 7, raw: "raw", cells: cells.map { (resolver.resolve($0.0), $0.0, $0.1) })
    }

    /// A valid code and timestamp plus `extra`.
    func row(with extra: [(String, String?)], strict: Bool = false, extraIDTypes: [String] = []) throws -> InputRow {
        try row([("Participant Code", "AB12CD"), ("Updated At", "2023-01-01")] + extra, strict: strict, extraIDTypes: extraIDTypes)
    }

    func problem(_ code: String, _ column: String, _ message: String) -> [RowProblem] {
        [RowProblem(code: code, column: column, message: message)]
    }

    @Test func validRowIsAccepted() throws {
        let accepted = try row(with: [("First Name", "Ann"), ("Last Name", "Lee")])
        #expect(accepted.problems == [])
        #expect(accepted.participantCode == "AB12CD")
        #expect(accepted.platformUpdatedAt == 1_672_531_200_000)
        #expect(accepted.line == 7 && accepted.raw == "raw")
    }

    @Test func participantCodeMissingIsRejected() throws {
        let blank = try row([("Participant Code", "  "), ("Updated At", "2023-01-01")])
        #expect(blank.problems == problem("missing_participant_code", "Participant Code",
                                          "column 'Participant Code': participant_code is required"))
        let noColumn = try row([("Updated At", "2023-01-01"), ("Email", "a@example.com")])
        #expect(noColumn.problems == problem("missing_participant_code", "participant_code", "participant_code is required"))
    }

    @Test(arguments: ["12-AB", "AB12C", "AB12CDE", "AB 12C", "\u{C4}B12CD"])
    func participantCodeThatIsNotSixLettersOrDigitsIsRejected(_ code: String) throws {
        let rejected = try row([("Participant Code", code), ("Updated At", "2023-01-01")])
        #expect(rejected.problems == problem("invalid_participant_code", "Participant Code",
                                             "column 'Participant Code': expected 6 letters or digits, got '\(code)'"))
        #expect(rejected.participantCode == nil)
    }

    @Test func timestampMissingIsRejected() throws {
        let blank = try row([("Participant Code", "AB12CD"), ("Updated At", "")])
        #expect(blank.problems == problem("missing_platform_updated_at", "Updated At",
                                          "column 'Updated At': platform_updated_at is required"))
        let noColumn = try row([("Participant Code", "AB12CD")])
        #expect(noColumn.problems == problem("missing_platform_updated_at", "platform_updated_at",
                                             "platform_updated_at is required"))
    }

    @Test func unparseableTimestampIsRejected() throws {
        let rejected = try row([("Participant Code", "AB12CD"), ("Updated At", "last tuesday")])
        #expect(rejected.problems == problem("invalid_platform_updated_at", "Updated At",
            "column 'Updated At': expected epoch milliseconds, epoch seconds or ISO-8601, got 'last tuesday'"))
        #expect(rejected.platformUpdatedAt == nil)
    }

    @Test func timestampInTheFutureIsRejected() throws {
        let atNow = try row([("Participant Code", "AB12CD"), ("Updated At", "2025-01-01T00:00:00Z")])
        #expect(atNow.isAccepted)
        let future = try row([("Participant Code", "AB12CD"), ("Updated At", "2025-01-01T00:00:00.001Z")])
        #expect(future.problems == problem("future_platform_updated_at", "Updated At",
            "column 'Updated At': platform_updated_at is in the future, got '2025-01-01T00:00:00.001Z'"))
    }

    @Test(arguments: WireKey.nonUpdatable)
    func valueInANonUpdatableFieldIsRefusedInTheAPIsWords(_ name: String) throws {
        let rejected = try row(with: [(name, "x")])
        #expect(rejected.problems == problem("non_updatable_field", name, "Cannot update the requested fields: \(name)"))
    }

    @Test func nonUpdatableFieldsAreListedTogetherAndMatchedLikeHeaders() throws {
        let rejected = try row(with: [("Date of Birth", "1990-01-01"), ("Phone Number", ""), ("tax-id", "123")])
        #expect(rejected.problems == problem("non_updatable_field", "Date of Birth",
                                             "Cannot update the requested fields: date_of_birth, tax_id"))
        #expect(try row(with: [("Date of Birth", "  "), ("Email", "a@example.com")]).isAccepted)
    }

    @Test(arguments: ["ravi@example", "a b@example.com", "@example.com", "a@@example.com", "a@example.c", "a@-x.com", "plain"])
    func malformedEmailIsRejected(_ email: String) throws {
        let rejected = try row(with: [("E-mail", email)])
        #expect(rejected.problems == problem("invalid_email", "E-mail",
                                             "column 'E-mail': expected an email like name@example.com, got '\(email)'"))
    }

    @Test func wellFormedEmailIsAccepted() throws {
        let accepted = try row(with: [("E-mail", " Alice.Nguyen+x@Mail.Example.COM ")])
        #expect(accepted.isAccepted)
        #expect(accepted[.email] == "alice.nguyen+x@mail.example.com")
    }

    @Test(arguments: ["PO Box 12", "P.O. Box 1200", "p o box 3", "P. O. Box 5", "POB 12", "Post Office Box 7",
                      "Box 99", "pobox12", "PO BOX 4, Unit 2", "123 P.O.Box 3"])
    func poBoxInEitherAddressLineIsRejected(_ line: String) throws {
        let one = try row(with: [("Address Line 1", line)])
        #expect(one.problems == problem("po_box", "Address Line 1",
                                        "column 'Address Line 1': PO Box addresses are not accepted, got '\(line)'"))
        let two = try row(with: [("Address Line 1", "1 Main St"), ("address2", line)])
        #expect(two.problems == problem("po_box", "address2",
                                        "column 'address2': PO Box addresses are not accepted, got '\(line)'"))
    }

    @Test(arguments: ["Box Elder St", "12 Boxwood Ave", "1 Post Office Sq", "44 Poblano Way", "9 Box Hill Rd", "Apt 4"])
    func streetNamesThatMerelyContainBoxPass(_ line: String) throws {
        #expect(try row(with: [("Address Line 1", line), ("Address Line 2", line)]).isAccepted)
    }

    @Test func unsupportedIDTypeIsRejectedListingTheSupportedOnes() throws {
        let rejected = try row(with: [("ID Type", "National ID")])
        let supported = "aadhar_card, non_us_other, non_us_passport, passport, ssn, us_alien_card, us_border_crossing_card, " +
            "us_drivers_license, us_id_card, us_passport, us_passport_card, us_permanent_resident_card"
        #expect(rejected.problems == problem("unsupported_id_type", "ID Type",
            "column 'ID Type': expected one of \(supported) (or --allow-id-type), got 'National ID'"))
        #expect(try row(with: [("ID Type", "Aadhar Card")]).isAccepted)
        #expect(try row(with: [("ID Type", "passport")]).isAccepted)
    }

    @Test func allowIDTypeExtendsTheSupportedList() throws {
        let accepted = try row(with: [("ID Type", "National ID")], extraIDTypes: ["national_id"])
        #expect(accepted.isAccepted)
        #expect(accepted[.idNumberType] == "national_id")
    }

    @Test func unknownColumnsAreIgnoredUnlessStrict() throws {
        #expect(try row(with: [("Notes", "moved"), ("backfill_reason", "x")]).isAccepted)
        let strict = try row(with: [("Notes", "moved"), ("backfill_reason", "x")], strict: true)
        #expect(strict.problems == problem("unknown_column", "Notes", "column 'Notes': unknown column (--strict-columns), got 'moved'"))
        #expect(try row(with: [("Notes", " ")], strict: true).isAccepted)
    }

    @Test func everyProblemOfARowIsKept() throws {
        let rejected = try row([("Participant Code", "12-AB"), ("Updated At", "soon"), ("Email", "nope")])
        #expect(rejected.problems.map(\.code) == ["invalid_participant_code", "invalid_platform_updated_at", "invalid_email"])
    }
}
