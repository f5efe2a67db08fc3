import BackfillSandbox
import Foundation
import ParticipantAPI
import Testing

/// The state a sandbox ends with: records, update counts, answers by status, as a snapshot and as a JSON file.
struct StateFileTests {
    @Test func writesEveryRecordAndCountToTheStateFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-state-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await TestSandbox.run({ $0.roster = [RosterEntry(participantCode: "ABC123"), RosterEntry(participantCode: "NOTCUS", isCustomer: false)] }) { t in
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1")).status == 200)
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1")).status == 200)
            #expect(try await t.patch("ABC123", Body.name("Bia", requestID: "r-2")).status == 200)
            #expect(try await t.patch("NOTCUS", Body.name("Cid")).status == 400)
            try t.sandbox.writeState(to: path)
        }
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(json["platform_code"] == .string("PLAT01"))
        #expect(json["updates_applied"] == .number("2"))
        #expect(json["requests"]?["by_status"] == .object([("200", .number("3")), ("400", .number("1"))]))
        #expect(json["requests"]?["idempotent_replays"] == .number("1"))
        #expect(json["requests"]?["rate_limited"] == .number("0"))
        #expect(json["requests"]?["connection_resets"] == .number("0"))
        guard case .array(let people)? = json["participants"] else {
            Issue.record("no participants array")
            return
        }
        #expect(people.count == 2)
        #expect(people[0]["participant_code"] == .string("ABC123"))
        #expect(people[0]["customer"] == .bool(true))
        #expect(people[0]["updates_applied"] == .number("2"))
        #expect(people[0]["record"]?["first_name"] == .string("Bia"))
        #expect(people[0]["record"]?["platform_updated_at"] == .number("1700000000000"))
        #expect(people[1]["participant_code"] == .string("NOTCUS"))
        #expect(people[1]["customer"] == .bool(false))
        #expect(people[1]["updates_applied"] == .number("0"))
        #expect(people[1]["record"]?["platform_updated_at"] == .null)
    }

    @Test func snapshotCountsAnswersByStatus() async throws {
        try await TestSandbox.run { t in
            _ = try await t.send("GET", "/time")
            _ = try await t.send("GET", "/missing")
            _ = try await t.patch("ABC123", "[]")
            let state = t.sandbox.snapshot()
            #expect(state.requestsByStatus == [200: 1, 404: 1, 400: 1])
            #expect(state.requestsAnswered == 3)
        }
    }
}
