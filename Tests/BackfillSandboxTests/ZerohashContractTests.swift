import BackfillSandbox
import Foundation
import ParticipantAPI
import Testing

/// `SandboxConfiguration.contract = .zerohash`: Zero Hash's published contract (2026). The request id is the
/// `X-REQUEST-ID` header, the body keys are the Standard User Details Patch variant's, every broken rule is named
/// (`body/<key> ...`), an unknown participant is 404, and a 200 echoes a fixed subset of the record.
struct ZerohashContractTests {
    /// A sandbox speaking Zero Hash's contract, plus whatever `configure` adds.
    static func run(
        _ configure: @escaping (inout SandboxConfiguration) -> Void = { _ in },
        _ body: (TestSandbox) async throws -> Void
    ) async throws {
        try await TestSandbox.run({ $0.contract = .zerohash; configure(&$0) }, body)
    }

    static let usBody = #"{"first_name":"John","last_name":"Smith","address_one":"1 Main St","city":"Chicago","#
        + #""country":"USA","jurisdiction_code":"US-IL","zip":"60601","email":"john@example.com","#
        + #""platform_updated_at":1700000000000}"#

    static let usEcho = #"{"message":{"first_name":"John","last_name":"Smith","country":"USA","jurisdiction_code":"US-IL","#
        + #""email":"john@example.com","signed_timestamp":1603378501286,"#
        + #""signed_agreements":[{"type":"user_agreement","region":"us","signed_timestamp":1603378501286}],"#
        + #""platform_code":"PLAT01","participant_code":"ABC123"}}"#

    /// An address body for `country`, with `extra` members before the timestamp.
    static func address(
        line: String = "1 Main St", country: String = "USA", jurisdiction: String? = "US-IL",
        postal: (key: String, value: String)? = ("zip", "60601")
    ) -> String {
        var members = [#""address_one":"\#(line)""#, #""city":"Chicago""#, #""country":"\#(country)""#]
        if let jurisdiction { members.append(#""jurisdiction_code":"\#(jurisdiction)""#) }
        if let postal { members.append(#""\#(postal.key)":"\#(postal.value)""#) }
        members.append(#""platform_updated_at":1700000000000"#)
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Sends `body` to a fresh participant and expects 400 with exactly these bytes, nothing applied.
    func expectRefused(
        _ body: String, _ expected: String, configure: @escaping (inout SandboxConfiguration) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await Self.run(configure) { t in
            let reply = try await t.patchZH("ABC123", body, requestID: "r-1")
            #expect(reply.status == 400, sourceLocation: sourceLocation)
            #expect(reply.bytes == Array(expected.utf8), "\(reply.body)", sourceLocation: sourceLocation)
            #expect(t.sandbox.snapshot().updatesApplied == 0, sourceLocation: sourceLocation)
        }
    }

    // MARK: 200

    @Test func aValidStandardBodyAnswersExactlyTheEchoSubset() async throws {
        try await Self.run { t in
            let reply = try await t.patchZH("ABC123", Self.usBody, requestID: "6f1c0d2e-0000-4000-8000-000000000001")
            #expect(reply.status == 200)
            #expect(reply.bytes == Array(Self.usEcho.utf8), "\(reply.body)")
            guard case .object(let members)? = reply.json?["message"] else {
                Issue.record("no message object in \(reply.body)")
                return
            }
            #expect(members.map(\.key) == [
                "first_name", "last_name", "country", "jurisdiction_code", "email", "signed_timestamp",
                "signed_agreements", "platform_code", "participant_code",
            ])
            #expect(reply.header("X-Request-Id") == "6f1c0d2e-0000-4000-8000-000000000001")
            #expect(reply.header("X-Backfill-Contract") == "zerohash")
            // The record holds what was sent, the fields the echo leaves out included.
            let record = try #require(t.sandbox.snapshot().participant("ABC123"))
            #expect(record[.city] == "Chicago")
            #expect(record[.zip] == "60601")
            #expect(record[.addressOne] == "1 Main St")
            #expect(record.updatesApplied == 1)
        }
    }

    @Test func everyStandardKeyIsAcceptedAndPostalCodeIsTheZipOutsideTheUnitedStates() async throws {
        let body = #"{"first_name":"Lena","middle_name":"M","last_name":"Vogel","former_name":"Lena Roth","#
            + #""address_one":"Unter den Linden 1","address_two":"","city":"Berlin","country":"DEU","#
            + #""jurisdiction_code":"DE-BE","postal_code":"10117","email":"lena@example.de","#
            + #""date_of_birth":"1990-02-28","phone_number":"4930123456","gender":"female","#
            + #""platform_updated_at":1700000000000}"#
        try await Self.run { t in
            let reply = try await t.patchZH("DEU001", body, requestID: "r-1")
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.record("country") == .string("DEU"))
            #expect(reply.record("jurisdiction_code") == .string("DE-BE"))
            #expect(reply.json?["message"]?["signed_agreements"] == .array([.object([
                ("type", .string("user_agreement")), ("region", .string("worldwide")),
                ("signed_timestamp", .number("1603378501286")),
            ])]))
            let record = try #require(t.sandbox.snapshot().participant("DEU001"))
            #expect(record[.zip] == "10117")
            #expect(record[.middleName] == "M")
            #expect(record[.formerName] == "Lena Roth")
            #expect(record[.dateOfBirth] == "1990-02-28")
            #expect(record[.phoneNumber] == "4930123456")
            #expect(record[.gender] == "female")
        }
    }

    // MARK: X-REQUEST-ID idempotency

    @Test func theSameRequestIDAndBytesReplayTheStoredAnswerWithoutApplyingAgain() async throws {
        try await Self.run { t in
            let first = try await t.patchZH("ABC123", Self.usBody, requestID: "r-1")
            #expect(first.status == 200)
            // Another update in between: the replay must still answer the stored (older) echo.
            let other = #"{"first_name":"Jack","last_name":"Smith","platform_updated_at":1700000000500}"#
            #expect(try await t.patchZH("ABC123", other, requestID: "r-2").status == 200)
            let replay = try await t.patchZH("ABC123", Self.usBody, requestID: "r-1")
            #expect(replay.status == 200)
            #expect(replay.bytes == first.bytes, "\(replay.body)")
            // Reordered members are the same payload: a replay too, through the parsed path.
            let reordered = #"{"platform_updated_at":1700000000500,"last_name":"Smith","first_name":"Jack"}"#
            let again = try await t.patchZH("ABC123", reordered, requestID: "r-2")
            #expect(again.status == 200)
            let state = t.sandbox.snapshot()
            #expect(state.participant("ABC123")?.updatesApplied == 2)
            #expect(state.participant("ABC123")?[.firstName] == "Jack")
            #expect(state.idempotentReplays == 2)
        }
    }

    @Test func aRequestIDReusedWithAnotherPayloadIs400() async throws {
        try await Self.run { t in
            #expect(try await t.patchZH("ABC123", Self.usBody, requestID: "r-1").status == 200)
            let other = #"{"first_name":"Jack","last_name":"Smith","platform_updated_at":1700000000500}"#
            let reply = try await t.patchZH("ABC123", other, requestID: "r-1")
            #expect(reply.status == 400)
            #expect(reply.bytes == Array(#"{"errors":["request_id r-1 was already used with a different payload or participant"]}"#.utf8), "\(reply.body)")
            let elsewhere = try await t.patchZH("XYZ456", Self.usBody, requestID: "r-1")
            #expect(elsewhere.status == 400)
            #expect(t.sandbox.snapshot().participant("ABC123")?[.firstName] == "John")
            #expect(t.sandbox.snapshot().participant("XYZ456") == nil)
        }
    }

    @Test func theSamePayloadUnderAnotherRequestIDIs400() async throws {
        try await Self.run { t in
            #expect(try await t.patchZH("ABC123", Self.usBody, requestID: "r-1").status == 200)
            let reply = try await t.patchZH("ABC123", Self.usBody, requestID: "r-2")
            #expect(reply.status == 400)
            #expect(reply.errors == ["The same payload was already submitted for this participant under a different request_id"])
            let withoutID = try await t.patchZH("ABC123", Self.usBody, requestID: nil)
            #expect(withoutID.status == 400)
            #expect(t.sandbox.snapshot().participant("ABC123")?.updatesApplied == 1)
        }
    }

    @Test func anEmptyRequestIDHeaderIs400() async throws {
        try await Self.run { t in
            let reply = try await t.patchZH("ABC123", Self.usBody, requestID: "")
            #expect(reply.status == 400)
            #expect(reply.errors == ["X-REQUEST-ID must be a non-empty string"])
        }
    }

    // MARK: Keys and types

    @Test(arguments: ["state", "id_number", "id_number_type", "request_id", "citizenship_code", "tax_id"])
    func aKeyOutsideTheStandardVariantIs400(_ key: String) async throws {
        try await expectRefused(
            #"{"first_name":"Ana","last_name":"Lima","\#(key)":"x","platform_updated_at":1700000000000}"#,
            #"{"errors":["body/\#(key) is not allowed"]}"#
        )
    }

    @Test func everyBrokenShapeRuleIsNamedInBodyOrder() async throws {
        try await expectRefused(
            #"{"state":"IL","first_name":5,"id_number":"1","last_name":"Lima","platform_updated_at":"1700000000000"}"#,
            #"{"errors":["body/state is not allowed","body/first_name must be a string","body/id_number is not allowed","#
                + #""body/platform_updated_at must be a 13-digit UNIX time in milliseconds"]}"#
        )
    }

    @Test(arguments: ["170000000000", "17000000000000", "1700000000000.5", "-1700000000000", "\"1700000000000\"", "null"])
    func aPlatformUpdatedAtThatIsNotThirteenDigitsIs400(_ value: String) async throws {
        try await expectRefused(
            #"{"first_name":"Ana","last_name":"Lima","platform_updated_at":\#(value)}"#,
            #"{"errors":["body/platform_updated_at must be a 13-digit UNIX time in milliseconds"]}"#
        )
    }

    @Test func aMissingPlatformUpdatedAtOrOnlyOneIs400() async throws {
        try await expectRefused(#"{"first_name":"Ana","last_name":"Lima"}"#, #"{"errors":["body/platform_updated_at is required"]}"#)
        try await expectRefused(
            #"{"platform_updated_at":1700000000000}"#,
            #"{"errors":["platform_updated_at submitted with no data segment to update"]}"#
        )
    }

    @Test func zipAndPostalCodeTogetherAre400() async throws {
        let body = #"{"address_one":"1 Main St","city":"Chicago","country":"USA","jurisdiction_code":"US-IL","#
            + #""zip":"60601","postal_code":"60601","platform_updated_at":1700000000000}"#
        try await expectRefused(body, #"{"errors":["body/zip and body/postal_code must not both be sent (zip for USA, postal_code elsewhere)"]}"#)
    }

    // MARK: Segment rules

    @Test func aJurisdictionOfAnotherCountryIs400() async throws {
        try await expectRefused(
            Self.address(jurisdiction: "DE-BE"),
            #"{"errors":["body/jurisdiction_code must be an ISO 3166-2 code of USA"]}"#
        )
        try await expectRefused(
            Self.address(country: "DEU", jurisdiction: "US-IL", postal: ("postal_code", "10117")),
            #"{"errors":["body/jurisdiction_code must be an ISO 3166-2 code of DEU"]}"#
        )
    }

    @Test func theUnitedStatesNeedAJurisdictionAndAZip() async throws {
        try await expectRefused(Self.address(postal: nil), #"{"errors":["body/zip is required"]}"#)
        // A postal_code does not stand in for the zip of a US address.
        try await expectRefused(Self.address(postal: ("postal_code", "60601")), #"{"errors":["body/zip is required"]}"#)
        try await expectRefused(Self.address(jurisdiction: nil), #"{"errors":["body/jurisdiction_code is required"]}"#)
        try await expectRefused(
            Self.address(jurisdiction: nil, postal: ("zip", "6060")),
            #"{"errors":["body/zip must match format 12345 or 12345-6789","body/jurisdiction_code is required"]}"#
        )
    }

    @Test func aCountryMustBeAnAlpha3CodeAndAPostalCodeFourCharacters() async throws {
        try await expectRefused(
            Self.address(country: "United States", jurisdiction: nil, postal: nil),
            #"{"errors":["body/country must be an ISO 3166-1 alpha-3 code"]}"#
        )
        try await expectRefused(
            Self.address(country: "DEU", jurisdiction: "DE-BE", postal: ("postal_code", "101")),
            #"{"errors":["body/postal_code must be at least 4 characters"]}"#
        )
    }

    @Test func otherFormatsAreNamed() async throws {
        try await expectRefused(
            #"{"email":"not-an-email","date_of_birth":"02/28/1990","phone_number":"+1 555","gender":"f","platform_updated_at":1700000000000}"#,
            #"{"errors":["body/email must match format name@example.com","body/date_of_birth must match format YYYY-MM-DD","#
                + #""body/phone_number must be digits with the country code, such as 15557778888","#
                + #""body/gender must be male, female or other"]}"#
        )
        try await expectRefused(#"{"first_name":"Ana","platform_updated_at":1700000000000}"#, #"{"errors":["body/last_name is required"]}"#)
        try await expectRefused(
            Self.address(line: "PO Box 12"),
            #"{"errors":["body/address_one must be a street address (PO Box addresses are not accepted)"]}"#
        )
    }

    @Test func anAddressLineOf81CharactersIs400UnlessOnTheVendorRelianceTrack() async throws {
        let line = String(repeating: "a", count: 78) + " St"
        #expect(line.count == 81)
        try await expectRefused(
            Self.address(line: line),
            #"{"errors":["body/address_one must be at most 80 characters"]}"#
        )
        try await Self.run({ $0.vendorReliance = true }) { t in
            let reply = try await t.patchZH("ABC123", Self.address(line: line), requestID: "r-1")
            #expect(reply.status == 200, "\(reply.body)")
            #expect(t.sandbox.snapshot().participant("ABC123")?[.addressOne] == line)
        }
        try await expectRefused(
            Self.address(line: String(repeating: "a", count: 198) + " St"),
            #"{"errors":["body/address_one must be at most 200 characters"]}"#,
            configure: { $0.vendorReliance = true }
        )
    }

    @Test func emailsStayUniquePerPlatform() async throws {
        try await Self.run { t in
            #expect(try await t.patchZH("ABC123", Self.usBody, requestID: "r-1").status == 200)
            let reply = try await t.patchZH("XYZ456", #"{"email":"JOHN@example.com","platform_updated_at":1700000000000}"#, requestID: "r-2")
            #expect(reply.status == 400)
            #expect(reply.errors == ["email is already used by another participant of this platform"])
        }
    }

    // MARK: Participants

    static let roster = """
        {"participant_code":"ABC123","customer":true,"first_name":"Ana","last_name":"Lima","country":"USA","jurisdiction_code":"US-NY","zip":"10001","email":"ana@example.com","signed_timestamp":1600000000000,"state":"NY"}
        {"participant_code":"DEU001","customer":true,"country":"DEU","postal_code":"10117"}
        {"participant_code":"NOTCUS","customer":false}
        """

    @Test func aCodeNotOnTheRosterIs404() async throws {
        let roster = try RosterEntry.parseRoster(Array(Self.roster.utf8), path: "roster.jsonl", contract: .zerohash)
        try await Self.run({ $0.roster = roster }) { t in
            let reply = try await t.patchZH("XYZ456", Self.usBody, requestID: "r-1")
            #expect(reply.status == 404)
            #expect(reply.bytes == Array(#"{"error":"Not Found"}"#.utf8), "\(reply.body)")
            let notCustomer = try await t.patchZH("NOTCUS", Self.usBody, requestID: "r-2")
            #expect(notCustomer.status == 400)
            #expect(notCustomer.errors == ["Participant NOTCUS is not a customer"])
            #expect(t.sandbox.snapshot().updatesApplied == 0)
        }
    }

    @Test(arguments: ["abc123", "ABC12", "ABC-12"])
    func withoutARosterAMalformedCodeIs404(_ code: String) async throws {
        try await Self.run { t in
            let reply = try await t.patchZH(code, Self.usBody, requestID: "r-1")
            #expect(reply.status == 404)
            #expect(reply.errorText == "Not Found")
        }
    }

    @Test func anUnapprovedPlatformIs403() async throws {
        try await Self.run({ $0.approved = false }) { t in
            let reply = try await t.patchZH("ABC123", Self.usBody, requestID: "r-1")
            #expect(reply.status == 403)
            #expect(reply.bytes == Array(#"{"error":true,"message":"Participant PLAT01 is not allowed to submit/update customers"}"#.utf8), "\(reply.body)")
        }
    }

    @Test func theRosterTakesZeroHashFieldsAndTheEchoShowsTheStoredRecord() async throws {
        let roster = try RosterEntry.parseRoster(Array(Self.roster.utf8), path: "roster.jsonl", contract: .zerohash)
        #expect(roster[0].fields == [
            .firstName: "Ana", .lastName: "Lima", .country: "USA", .jurisdictionCode: "US-NY", .zip: "10001",
            .email: "ana@example.com",
        ])
        #expect(roster[0].otherMembers.map(\.key) == ["signed_timestamp", "state"])
        #expect(roster[1].fields == [.country: "DEU", .zip: "10117"])
        try await Self.run({ $0.roster = roster }) { t in
            let reply = try await t.patchZH("ABC123", #"{"first_name":"Bia","last_name":"Lima","platform_updated_at":1700000000000}"#, requestID: "r-1")
            #expect(reply.status == 200)
            let expected: String = #"{"message":{"first_name":"Bia","last_name":"Lima","country":"USA","jurisdiction_code":"US-NY","#
                + #""email":"ana@example.com","signed_timestamp":1600000000000,"#
                + #""signed_agreements":[{"type":"user_agreement","region":"us","signed_timestamp":1600000000000}],"#
                + #""platform_code":"PLAT01","participant_code":"ABC123"}}"#
            #expect(reply.bytes == Array(expected.utf8), "\(reply.body)")
        }
    }

    // MARK: Echo drift

    @Test func anEchoDriftRateOf1EchoesADifferentValueButStoresTheRightOne() async throws {
        try await Self.run({ $0.echoDriftRate = 1; $0.seed = 7 }) { t in
            let reply = try await t.patchZH("ABC123", Self.usBody, requestID: "r-1")
            #expect(reply.status == 200)
            #expect(reply.record("first_name") == .string("John-drift"), "\(reply.body)")
            #expect(reply.record("last_name") == .string("Smith"))
            let state = t.sandbox.snapshot()
            #expect(state.participant("ABC123")?[.firstName] == "John")
            #expect(state.echoDrifts == 1)
            // A replay answers what was sent, drift included.
            let replay = try await t.patchZH("ABC123", Self.usBody, requestID: "r-1")
            #expect(replay.bytes == reply.bytes)
            // The drifted field is one the update set: here the email, which stays an address.
            let email = try await t.patchZH("ABC123", #"{"email":"j@example.com","platform_updated_at":1700000000001}"#, requestID: "r-2")
            #expect(email.record("email") == .string("drift.j@example.com"), "\(email.body)")
        }
    }

    @Test func anEchoDriftRateOf0NeverDriftsAndAShareDriftsReproducibly() async throws {
        func drifted(rate: Double, seed: UInt64) async throws -> [Bool] {
            var seen: [Bool] = []
            try await Self.run({ $0.echoDriftRate = rate; $0.seed = seed }) { t in
                for n in 0..<40 {
                    let reply = try await t.patchZH("ABC123", Body.name("N\(n)", at: 1_700_000_000_000 + Int64(n)), requestID: "r-\(n)")
                    #expect(reply.status == 200)
                    seen.append(reply.record("first_name") != .string("N\(n)"))
                }
                #expect(t.sandbox.snapshot().echoDrifts == seen.filter { $0 }.count)
            }
            return seen
        }
        #expect(try await drifted(rate: 0, seed: 1).allSatisfy { !$0 })
        let half = try await drifted(rate: 0.5, seed: 11)
        #expect(half.contains(true) && half.contains(false))
        #expect(try await drifted(rate: 0.5, seed: 11) == half)
    }

    @Test func theDriftAppliesUnderTheSeedsContractToo() async throws {
        try await TestSandbox.run({ $0.echoDriftRate = 1 }) { t in
            let reply = try await t.patch("ABC123", Body.name("Ana", requestID: "r-1"))
            #expect(reply.status == 200)
            #expect(reply.record("first_name") == .string("Ana-drift"), "\(reply.body)")
            #expect(t.sandbox.snapshot().participant("ABC123")?[.firstName] == "Ana")
        }
    }

    @Test func theDriftRateMustBeAShare() {
        for rate in [-0.1, 1.5, Double.nan] {
            var c = SandboxConfiguration()
            c.echoDriftRate = rate
            #expect(throws: SandboxConfigurationError.self) { try c.validate() }
        }
    }

    // MARK: Naming the contract

    @Test func everyAnswerNamesTheContract() async throws {
        try await Self.run { t in
            let time = try await t.send("GET", "/time")
            #expect(time.status == 200)
            #expect(time.header("X-Backfill-Contract") == "zerohash")
            #expect(try await t.send("GET", "/missing").header("X-Backfill-Contract") == "zerohash")
            #expect(try await t.patchZH("ABC123", "[]", requestID: "r-1").header("X-Backfill-Contract") == "zerohash")
        }
        try await TestSandbox.run({ $0.contract = .ndax }) { t in
            let time = try await t.send("GET", "/time")
            #expect(time.header("X-Backfill-Contract") == "ndax")
        }
        // The library's default is the seed's, which the in-process harnesses have always started.
        #expect(SandboxConfiguration().contract == .ndax)
    }

    @Test func theStateFileNamesTheContractAndKeepsTheZeroHashRecord() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-zh-state-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await Self.run { t in
            #expect(try await t.patchZH("ABC123", Self.usBody, requestID: "r-1").status == 200)
            try t.sandbox.writeState(to: path)
        }
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(json["contract"] == .string("zerohash"))
        #expect(json["updates_applied"] == .number("1"))
        guard case .array(let people)? = json["participants"] else {
            Issue.record("no participants array")
            return
        }
        let record = try #require(people.first?["record"])
        guard case .object(let members) = record else {
            Issue.record("no record object")
            return
        }
        #expect(members.map(\.key) == [
            "first_name", "middle_name", "last_name", "former_name", "address_one", "address_two", "city", "country",
            "jurisdiction_code", "zip", "email", "date_of_birth", "phone_number", "gender",
            "platform_code", "participant_code", "platform_updated_at",
        ])
        #expect(record["jurisdiction_code"] == .string("US-IL"))
        #expect(people.first?["history"] == .array([.object([
            ("platform_updated_at", .number("1700000000000")),
            ("fields", .object([
                ("first_name", .string("John")), ("last_name", .string("Smith")), ("address_one", .string("1 Main St")),
                ("city", .string("Chicago")), ("country", .string("USA")), ("jurisdiction_code", .string("US-IL")),
                ("zip", .string("60601")), ("email", .string("john@example.com")),
            ])),
        ])]))
    }
}

extension TestSandbox {
    /// A signed PATCH of `body` for `participantCode`, with `X-REQUEST-ID: requestID` when given (Zero Hash's
    /// idempotency key).
    func patchZH(_ participantCode: String, _ body: String, requestID: String?) async throws -> Reply {
        let path = Profile.patchPath(participantCode: participantCode)
        var headers = authHeaders(method: "PATCH", path: path, body: body, profile: sandbox.configuration.profile)
        if let requestID { headers.append((Profile.requestIDHeader, requestID)) }
        return try await send("PATCH", path, body: body, headers: headers)
    }
}
