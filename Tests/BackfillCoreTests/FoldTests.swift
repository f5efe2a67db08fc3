import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// The fold of one participant's history (rows already in fold order) into a single PATCH, or a hold.
/// Expected request_ids were computed with Python:
/// `uuid.uuid5(uuid.UUID('6b2f4e1a-3c57-4d2e-9a41-0bac5f111e00'), CODE + "\n" + PAYLOAD_WITHOUT_REQUEST_ID)`.
struct FoldTests {
    let fold = Fold(rules: SegmentRules())

    func row(_ line: Int, _ ts: Int64?, _ fields: [Field: String] = [:], rejection: String? = nil) -> Fold.Row {
        var values = [String?](repeating: nil, count: Field.allCases.count)
        for (field, value) in fields { values[field.order] = value }
        return Fold.Row(source: "f.csv:\(line)", platformUpdatedAt: ts, values: values, rejection: rejection)
    }

    /// The body's keys in order.
    func keys(_ result: Fold.Result) throws -> [String] {
        guard case .object(let members)? = try result.body.map({ try JSONParser.parse($0) }) else { return [] }
        return members.map(\.key)
    }

    let usAddress: [Field: String] = [.addressOne: "12 Main St", .addressTwo: "Apt 4", .city: "Austin", .state: "TX",
                                      .zip: "78701", .country: "United States"]

    @Test func fieldWiseLatestValueWins() {
        let result = fold.fold(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.firstName: "Ann", .lastName: "Lee", .email: "ann@example.com"]),
            row(3, 2_000, [.email: "ann.lee@example.com"]),
            row(4, 3_000, [.lastName: "Lee-Park"]),
        ])
        #expect(result.fields == [.firstName: "Ann", .lastName: "Lee-Park", .email: "ann.lee@example.com"])
        #expect(!result.isHeld)
    }

    @Test func equalTimestampsFoldInInputOrder() {
        let result = fold.fold(participantCode: "NYC777", rows: [
            row(11, 5_000, [.firstName: "Dana", .lastName: "O'Brien"]),
            row(12, 5_000, [.firstName: "Dana", .lastName: "O'Brien-Lee"]),
        ])
        #expect(result.fields[.lastName] == "O'Brien-Lee")
    }

    @Test func partialAddressFoldsOntoEarlierFullAddress() {
        let result = fold.fold(participantCode: "AB12CD", rows: [row(2, 1_000, usAddress), row(3, 2_000, [.zip: "78701-1234"])])
        #expect(!result.isHeld)
        #expect(result.fields == usAddress.merging([.zip: "78701-1234"]) { $1 })
    }

    @Test func zipOnlyChangeCompletesAnEarlierAddressThatLackedIt() {
        var noZip = usAddress
        noZip[.zip] = nil
        let alone = fold.fold(participantCode: "AB12CD", rows: [row(2, 1_000, noZip)])
        #expect(alone.isHeld)
        let completed = fold.fold(participantCode: "AB12CD", rows: [row(2, 1_000, noZip), row(3, 2_000, [.zip: "78701"])])
        #expect(!completed.isHeld)
        #expect(completed.fields[.zip] == "78701")
    }

    @Test func newAddressOneWithoutAddressTwoClearsTheSecondLine() throws {
        let result = fold.fold(participantCode: "NYC777", rows: [
            row(10, 1_000, usAddress),
            row(11, 2_000, [.addressOne: "1 Infinite Loop", .city: "Cupertino", .state: "CA", .zip: "95014"]),
        ])
        #expect(result.fields[.addressTwo] == "")
        #expect(result.body?.containsUTF8(of: #""address_one":"1 Infinite Loop","address_two":"","#) == true)
    }

    @Test func addressTwoAloneUpdatesOnlyTheSecondLine() {
        let result = fold.fold(participantCode: "NYC777", rows: [row(10, 1_000, usAddress), row(11, 2_000, [.addressTwo: "Unit 9"])])
        #expect(result.fields[.addressOne] == "12 Main St")
        #expect(result.fields[.addressTwo] == "Unit 9")
    }

    @Test func addressSegmentAlwaysCarriesAddressTwo() throws {
        var oneLine = usAddress
        oneLine[.addressTwo] = nil
        let result = fold.fold(participantCode: "AB12CD", rows: [row(2, 1_000, oneLine)])
        #expect(try keys(result) == ["request_id", "address_one", "address_two", "country", "state", "city", "zip",
                                     "platform_updated_at"])
        #expect(result.fields[.addressTwo] == "")
    }

    @Test func bodyCarriesEveryFieldOfEveryTouchedSegmentAndNothingElse() throws {
        let result = fold.fold(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.firstName: "Ann", .lastName: "Lee"]),
            row(3, 2_000, [.email: "ann@example.com"]),
            row(4, 3_000, [.lastName: "Lee-Park"]),
        ])
        #expect(try keys(result) == ["request_id", "first_name", "last_name", "email", "platform_updated_at"])
    }

    @Test func onePlatformUpdatedAtTheNewestFoldedIn() throws {
        let result = fold.fold(participantCode: "AB12CD", rows: [
            row(2, 1_000, [.email: "a@example.com"]), row(3, 7_000, [.email: "b@example.com"]), row(4, 7_000, [:]),
        ])
        #expect(result.platformUpdatedAt == 7_000)
        #expect(result.body?.hasUTF8Suffix(#","platform_updated_at":7000}"#) == true)
        #expect(result.body?.countUTF8(of: "platform_updated_at") == 1)
    }

    @Test func rejectedRowHoldsTheParticipantWithItsSourceAndMessage() {
        let message = "column 'E-mail': expected an email like name@example.com, got 'ravi@example'"
        let result = fold.fold(participantCode: "BADROW", rows: [
            row(14, 1_000, [.firstName: "Ravi", .lastName: "Patel"], rejection: message),
            row(15, 2_000, [.firstName: "Ravi", .lastName: "Patel", .email: "ravi.patel@example.com"]),
        ])
        #expect(result.isHeld)
        #expect(result.holdReasons == [Fold.HoldReason(source: "f.csv:14", message: message, kind: .rejectedRow)])
        #expect(result.rowCount == 2)
    }

    @Test func failingSegmentHoldsTheParticipantInTheAPIsWords() {
        let result = fold.fold(participantCode: "HOLD01", rows: [
            row(12, 1_000, [.firstName: "Hana", .lastName: "Kim"]),
            row(13, 2_000, [.addressOne: "4 Elm Rd", .state: "OR"]),
            row(14, 3_000, [.zip: "97201", .country: "United States"]),
        ])
        #expect(result.holdReasons == [Fold.HoldReason(source: "f.csv:13;f.csv:14", message:
            #"Data segment validation failed. One or more segment fields either invalid or not provided. Segment error: "# +
            #""city required field""#, kind: .segment)])
    }

    @Test func everySegmentErrorIsListedInFieldOrder() {
        let result = fold.fold(participantCode: "HOLD02", rows: [
            row(2, 1_000, [.addressOne: "1 Main St", .country: "United States", .city: "Reno", .zip: "1234"]),
            row(3, 2_000, [.idNumber: "X1"]),
        ])
        #expect(result.holdReasons == [Fold.HoldReason(source: "f.csv:2;f.csv:3", message:
            #"Data segment validation failed. One or more segment fields either invalid or not provided. Segment error: "# +
            #""state required field", "zip should match format 12345 or 12345-6789", "id_number_type required field""#, kind: .segment)])
    }

    @Test func participantWithOnlyTimestampsIsHeld() {
        let result = fold.fold(participantCode: "TSONLY", rows: [row(11, 1_000), row(12, 2_000)])
        #expect(result.holdReasons == [Fold.HoldReason(source: "f.csv:11;f.csv:12",
                                                        message: "platform_updated_at submitted with no data segment to update",
                                                        kind: .noDataSegment)])
        #expect(result.body == nil && result.requestID == nil)
    }

    @Test func requestIDIsAVersion5UUIDOfTheCodeAndPayload() {
        let payload = Array(#"{"email":"bruno@example.org","platform_updated_at":1579046400000}"#.utf8)
        #expect(Fold.requestID(participantCode: "QX9Z01", payload: payload) == "653e8996-35e8-5745-aae0-882c99d92873")
        #expect(Fold.requestID(participantCode: "QX9Z02", payload: payload) != "653e8996-35e8-5745-aae0-882c99d92873")
    }

    @Test func exactBodyBytesForAKnownHistory() {
        let result = fold.fold(participantCode: "AB12CD", rows: [
            row(2, 1_614_852_900_000, usAddress.merging([.firstName: "Alice", .lastName: "Nguyen", .email: "alice@example.com"]) { $1 }),
            row(3, 1_656_576_000_000, [.addressOne: "500 Congress Ave", .city: "Austin", .state: "TX", .country: "United States"]),
            row(4, 1_656_590_400_000, [.zip: "78701-1234"]),
        ])
        #expect(result.requestID == "891de83e-f472-5e48-bc50-6c5c3682e61b")
        #expect(result.body == Array((#"{"request_id":"891de83e-f472-5e48-bc50-6c5c3682e61b","first_name":"Alice","last_name":"Nguyen","# +
            #""address_one":"500 Congress Ave","address_two":"","country":"United States","state":"TX","city":"Austin","# +
            #""zip":"78701-1234","email":"alice@example.com","platform_updated_at":1656590400000}"#).utf8))
    }

    @Test func bodyEscapesQuotesAndBackslashesAndKeepsUTF8() {
        let result = fold.fold(participantCode: "ML0001", rows: [
            row(2, 1_694_250_549_000, [.firstName: "Zo\u{EB} \"Z\"", .lastName: #"Back\slash"#]),
        ])
        #expect(result.body == Array((#"{"request_id":"c1b3fabe-9c47-5f85-a9fb-0b697d0c85f8","first_name":"Zoë \"Z\"","# +
            #""last_name":"Back\\slash","platform_updated_at":1694250549000}"#).utf8))
    }

    @Test func sameHistoryAlwaysGivesTheSameBytes() {
        let rows = [row(2, 1_000, [.firstName: "Ann", .lastName: "Lee"]), row(3, 2_000, [.email: "ann@example.com"])]
        let first = fold.fold(participantCode: "AB12CD", rows: rows)
        let second = Fold(rules: SegmentRules()).fold(participantCode: "AB12CD", rows: rows)
        #expect(first.body == second.body)
        #expect(first.requestID == second.requestID)
    }
}
