import BackfillSandbox
import Foundation
import ParticipantAPI
import Testing

/// What the sandbox keeps for history mode: every applied update in order, and (with `rejectStaleUpdates`) a
/// refusal of an update older than the last one applied.
struct HistoryTests {
    @Test func everyAppliedUpdateIsKeptInOrderAndWrittenToTheStateFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-history-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1", at: 1_600_000_000_000)).status == 200)
            // A replay is not a new step of the history.
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1", at: 1_600_000_000_000)).status == 200)
            #expect(try await t.patch("ABC123", Body.name("Bia", requestID: "r-2", at: 1_650_000_000_000)).status == 200)
            let history = try #require(t.sandbox.snapshot().participant("ABC123")).history
            #expect(history == [
                AppliedUpdate(platformUpdatedAt: "1600000000000", fields: [.firstName: "Ana", .lastName: "Lima"]),
                AppliedUpdate(platformUpdatedAt: "1650000000000", fields: [.firstName: "Bia", .lastName: "Lima"]),
            ])
            try t.sandbox.writeState(to: path)
        }
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        guard case .array(let people)? = json["participants"], case .array(let steps)? = people.first?["history"] else {
            Issue.record("no history in the state file")
            return
        }
        #expect(steps.count == 2)
        #expect(steps[0]["platform_updated_at"] == .number("1600000000000"))
        #expect(steps[1]["fields"] == .object([("first_name", .string("Bia")), ("last_name", .string("Lima"))]))
    }

    @Test func anOlderUpdateIsRefusedOnlyWhenAskedTo() async throws {
        try await TestSandbox.run({ $0.rejectStaleUpdates = true }) { t in
            #expect(try await t.patch("ABC123", Body.name("Bia", requestID: "r-2", at: 1_650_000_000_000)).status == 200)
            let stale = try await t.patch("ABC123", Body.name("Ana", requestID: "r-1", at: 1_600_000_000_000))
            #expect(stale.status == 400)
            #expect(stale.bytes.containsUTF8(of: SandboxMessage.staleUpdate), "\(stale.body)")
            // The same instant is not older.
            #expect(try await t.patch("ABC123", Body.name("Cid", requestID: "r-3", at: 1_650_000_000_000)).status == 200)
            let record = try #require(t.sandbox.snapshot().participant("ABC123"))
            #expect(record[.firstName] == "Cid")
            #expect(record.updatesApplied == 2)
        }
        // Off by default (the real API documents no such rule).
        try await TestSandbox.run({ _ in }) { t async throws in
            #expect(try await t.patch("ABC123", Body.name("Bia", requestID: "r-2", at: 1_650_000_000_000)).status == 200)
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1", at: 1_600_000_000_000)).status == 200)
        }
    }
}
