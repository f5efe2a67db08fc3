import BackfillSandbox
import ParticipantAPI
import Testing

/// The body rules with the seed's messages; any failure applies nothing.
struct BodyRulesTests {
    static let segmentPrefix = "Data segment validation failed. One or more segment fields either invalid or not provided. Segment error: "

    /// Sends `body` to a fresh participant and expects 400 with exactly `message`, nothing applied.
    func expectRefused(_ body: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await TestSandbox.run { t in
            let reply = try await t.patch("ABC123", body)
            #expect(reply.status == 400, sourceLocation: sourceLocation)
            #expect(reply.errors == [message], sourceLocation: sourceLocation)
            #expect(t.sandbox.snapshot().updatesApplied == 0, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ["", "[]", "\"text\"", "{", #"{"first_name":"Ana",}"#, "null"])
    func bodyThatIsNotAJSONObjectIs400(_ body: String) async throws {
        try await expectRefused(body, "Request body must be a JSON object")
    }

    @Test func fieldsThatAreNotUpdatableAre400NamingThem() async throws {
        try await expectRefused(
            #"{"first_name":"Ana","last_name":"Lima","date_of_birth":"1990-01-01","nickname":"A","platform_updated_at":1}"#,
            "Cannot update the requested fields: date_of_birth, nickname"
        )
    }

    @Test func missingPlatformUpdatedAtIs400() async throws {
        try await expectRefused(#"{"first_name":"Ana","last_name":"Lima"}"#, "platform_updated_at is required")
    }

    @Test func platformUpdatedAtThatIsNotANumberIs400() async throws {
        try await expectRefused(
            #"{"first_name":"Ana","last_name":"Lima","platform_updated_at":"1700000000000"}"#,
            "platform_updated_at must be a number (UNIX time in milliseconds), got a string"
        )
    }

    @Test func onlyPlatformUpdatedAtIs400() async throws {
        try await expectRefused(#"{"platform_updated_at":1700000000000}"#, "platform_updated_at submitted with no data segment to update")
        try await expectRefused(
            #"{"request_id":"r-1","platform_updated_at":1700000000000}"#,
            "platform_updated_at submitted with no data segment to update"
        )
    }

    @Test func incompleteNameSegmentIs400() async throws {
        try await expectRefused(#"{"first_name":"Ana","platform_updated_at":1}"#, Self.segmentPrefix + #""last_name required field""#)
    }

    @Test func malformedAddressSegmentNamesEveryBrokenRule() async throws {
        try await expectRefused(
            #"{"address_one":"PO Box 12","country":"United States","state":"ZZ","zip":"1234","platform_updated_at":1}"#,
            Self.segmentPrefix
                + #""address_one should match format a street address (PO Box addresses are not accepted)", "#
                + #""state should match format two-letter US state code", "city required field", "#
                + #""zip should match format 12345 or 12345-6789""#
        )
    }

    @Test func malformedEmailIs400() async throws {
        try await expectRefused(
            #"{"email":"not-an-email","platform_updated_at":1}"#,
            Self.segmentPrefix + #""email should match format name@example.com""#
        )
    }

    @Test func unsupportedIDTypeIs400AndExtraTypesAreAccepted() async throws {
        let body = #"{"id_number_type":"library_card","id_number":"42","platform_updated_at":1}"#
        try await TestSandbox.run { t in
            let reply = try await t.patch("ABC123", body)
            #expect(reply.status == 400)
            #expect(reply.errors?.first?.hasPrefix(Self.segmentPrefix + #""id_number_type should match format one of aadhar_card, "#) == true)
        }
        try await TestSandbox.run({ $0.extraIDTypes = ["library_card"] }) { t async throws in
            #expect(try await t.patch("ABC123", body).status == 200)
        }
    }

    @Test func fieldThatIsNotAStringIs400() async throws {
        try await expectRefused(
            #"{"address_one":"1 Main St","country":"United States","state":"NY","city":"NYC","zip":10001,"platform_updated_at":1}"#,
            "zip must be a string, got a number"
        )
    }

    @Test func emailUsedByAnotherParticipantIs400AndNothingIsApplied() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("OWNER1", Body.email("ana@example.com")).status == 200)
            let both = #"{"first_name":"Bia","last_name":"Melo","email":"Ana@Example.com","platform_updated_at":2}"#
            let reply = try await t.patch("ABC123", both)
            #expect(reply.status == 400)
            #expect(reply.errors == ["email is already used by another participant of this platform"])
            #expect(t.sandbox.snapshot().participant("ABC123") == nil)
            // A participant may send its own email again.
            #expect(try await t.patch("OWNER1", #"{"email":"ana@example.com","platform_updated_at":3}"#).status == 200)
        }
    }

    @Test func successAnswersTheFullRecordAfterTheUpdate() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", Body.name("Ana")).status == 200)
            let reply = try await t.patch("ABC123", Body.usAddress)
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type") == "application/json")
            #expect(reply.bytes == Array("""
                {"message":{"first_name":"Ana","last_name":"Lima","address_one":"1 Main St","address_two":"",\
                "country":"United States","state":"NY","city":"New York","zip":"10001","email":"",\
                "id_number_type":"","id_number":"","platform_code":"PLAT01","participant_code":"ABC123",\
                "platform_updated_at":1700000000001}}
                """.utf8), "\(reply.body)")
        }
    }

    @Test func emptyAddressTwoClearsTheSecondLineAndOmittingItKeepsIt() async throws {
        try await TestSandbox.run { t in
            let withSecondLine = #"{"address_one":"1 Main St","address_two":"Apt 4","country":"Canada","city":"Toronto","platform_updated_at":1}"#
            #expect(try await t.patch("ABC123", withSecondLine).status == 200)
            let omitted = #"{"address_one":"2 Main St","country":"Canada","city":"Toronto","platform_updated_at":2}"#
            #expect(try await t.patch("ABC123", omitted).record("address_two") == .string("Apt 4"))
            let cleared = #"{"address_one":"2 Main St","address_two":"","country":"Canada","city":"Toronto","platform_updated_at":3}"#
            let reply = try await t.patch("ABC123", cleared)
            #expect(reply.status == 200)
            #expect(reply.record("address_two") == .string(""))
            #expect(t.sandbox.snapshot().participant("ABC123")?[.addressTwo] == "")
        }
    }

    @Test func platformUpdatedAtKeepsItsNumberTextExactly() async throws {
        try await TestSandbox.run { t in
            let reply = try await t.patch("ABC123", #"{"first_name":"Ana","last_name":"Lima","platform_updated_at":1603378501286}"#)
            #expect(reply.record("platform_updated_at") == .number("1603378501286"))
        }
    }
}
