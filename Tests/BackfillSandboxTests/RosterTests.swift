import BackfillSandbox
import Foundation
import ParticipantAPI
import Testing

/// The platform and its customers: approval, the roster, and codes without a roster.
struct RosterTests {
    static let roster: [RosterEntry] = try! RosterEntry.parseRoster(Array("""
        {"participant_code":"ABC123","customer":true,"first_name":"Ana","last_name":"Lima","email":"ana@example.com","date_of_birth":"1990-01-02","platform_updated_at":1600000000000}

        {"participant_code":"NOTCUS","customer":false}
        {"participant_code":"lower1","customer":true}
        """.utf8), path: "roster.jsonl")

    @Test func unapprovedPlatformIs403() async throws {
        try await TestSandbox.run({ $0.approved = false; $0.platformCode = "PLAT99" }) { t in
            let reply = try await t.patch("ABC123", Body.name)
            #expect(reply.status == 403)
            #expect(reply.bytes == Array(#"{"error":true,"message":"Participant PLAT99 is not allowed to submit/update customers"}"#.utf8), "\(reply.body)")
            #expect(t.sandbox.snapshot().updatesApplied == 0)
        }
    }

    @Test func codeNotOnTheRosterIs403NotACustomerOf() async throws {
        try await TestSandbox.run({ $0.roster = Self.roster }) { t in
            let reply = try await t.patch("XYZ456", Body.name)
            #expect(reply.status == 403)
            #expect(reply.refusal == "Participant XYZ456 is not a customer of PLAT01")
        }
    }

    @Test func rosterEntryThatIsNotACustomerIs400() async throws {
        try await TestSandbox.run({ $0.roster = Self.roster }) { t in
            let reply = try await t.patch("NOTCUS", Body.name)
            #expect(reply.status == 400)
            #expect(reply.bytes == Array(#"{"errors":["Participant NOTCUS is not a customer"]}"#.utf8), "\(reply.body)")
            #expect(t.sandbox.snapshot().participant("NOTCUS")?.updatesApplied == 0)
        }
    }

    @Test func rosterCodesAreUsedAsIsEvenWhenMalformed() async throws {
        try await TestSandbox.run({ $0.roster = Self.roster }) { t in
            let asListed = try await t.patch("lower1", Body.name)
            #expect(asListed.status == 200)
            let upperCased = try await t.patch("LOWER1", Body.name)
            #expect(upperCased.status == 403)
        }
    }

    @Test(arguments: ["abc123", "ABC12", "ABC1234", "ABC-12", "%41BC123"])
    func withoutARosterAMalformedCodeIsNotACustomerOfThePlatform(_ code: String) async throws {
        try await TestSandbox.run { t in
            let reply = try await t.patch(code, Body.name)
            #expect(reply.status == 403)
            #expect(reply.refusal == "Participant \(code) is not a customer of PLAT01")
        }
    }

    @Test func rosterRecordIsUpdatedAndShownWhole() async throws {
        try await TestSandbox.run({ $0.roster = Self.roster }) { t in
            let reply = try await t.patch("ABC123", Body.usAddress)
            #expect(reply.status == 200)
            #expect(reply.bytes == Array("""
                {"message":{"first_name":"Ana","last_name":"Lima","address_one":"1 Main St","address_two":"",\
                "country":"United States","state":"NY","city":"New York","zip":"10001","email":"ana@example.com",\
                "id_number_type":"","id_number":"","date_of_birth":"1990-01-02","platform_code":"PLAT01",\
                "participant_code":"ABC123","platform_updated_at":1700000000001}}
                """.utf8), "\(reply.body)")
        }
    }

    @Test func rosterEmailsCountForUniqueness() async throws {
        try await TestSandbox.run({ $0.roster = Self.roster + [RosterEntry(participantCode: "BIA456")] }) { t in
            let reply = try await t.patch("BIA456", Body.email("ANA@example.com"))
            #expect(reply.status == 400)
            #expect(reply.errors == ["email is already used by another participant of this platform"])
        }
    }

    @Test func loadsARosterFileAndNamesTheLineOfAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.jsonl").path
        try Data(#"{"participant_code":"ABC123","customer":false,"city":"Pune"}"#.utf8).write(to: URL(fileURLWithPath: good))
        let entries = try RosterEntry.loadRoster(path: good)
        #expect(entries.count == 1)
        #expect(entries[0].participantCode == "ABC123")
        #expect(entries[0].isCustomer == false)
        #expect(entries[0].fields == [.city: "Pune"])

        let cases: [(String, String)] = [
            ("{\"participant_code\":\"A\"}\n{\"customer\":\"yes\",\"participant_code\":\"B\"}", "bad.jsonl:2: 'customer' must be true or false, got a string"),
            ("{\"customer\":true}", "bad.jsonl:1: 'participant_code' is missing"),
            ("[1]", "bad.jsonl:1: expected a JSON object, got an array"),
            ("{\"participant_code\":\"A\",\"zip\":12345}", "bad.jsonl:1: 'zip' must be a string, got a number"),
            ("{\"participant_code\":\"A\"}\n{\"participant_code\":\"A\"}", "bad.jsonl:2: participant A is listed twice"),
            ("{\"participant_code\":", "bad.jsonl:1: not valid JSON: unexpected end of input at byte 21"),
        ]
        for (text, message) in cases {
            #expect(throws: RosterError.self) { try RosterEntry.parseRoster(Array(text.utf8), path: "bad.jsonl") }
            do {
                _ = try RosterEntry.parseRoster(Array(text.utf8), path: "bad.jsonl")
            } catch {
                #expect(error.description == message)
            }
        }
        #expect(throws: RosterError.self) { try RosterEntry.loadRoster(path: dir.appendingPathComponent("missing.jsonl").path) }
    }
}
