import BackfillSandbox
import ParticipantAPI
import Testing

/// Idempotency as the seed states it, remembering only applied (200) requests.
struct IdempotencyTests {
    @Test func sameRequestIDAndPayloadAnswersTheStoredResponseWithoutApplyingAgain() async throws {
        try await TestSandbox.run { t in
            let first = try await t.patch("ABC123", Body.name("Ana", requestID: "r-1"))
            #expect(first.status == 200)
            // Another update in between: the replay must still answer the stored (older) record.
            #expect(try await t.patch("ABC123", Body.name("Bia", requestID: "r-2", at: 1_700_000_000_500)).status == 200)
            let replay = try await t.patch("ABC123", Body.name("Ana", requestID: "r-1"))
            #expect(replay.status == 200)
            #expect(replay.bytes == first.bytes, "\(replay.body)")
            let state = t.sandbox.snapshot()
            #expect(state.participant("ABC123")?.updatesApplied == 2)
            #expect(state.participant("ABC123")?[.firstName] == "Bia")
            #expect(state.idempotentReplays == 1)
        }
    }

    @Test func payloadIsComparedWithoutRegardToMemberOrder() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", #"{"request_id":"r-1","first_name":"Ana","last_name":"Lima","platform_updated_at":1}"#).status == 200)
            let reordered = try await t.patch("ABC123", #"{"platform_updated_at":1, "last_name":"Lima","first_name":"Ana","request_id":"r-1"}"#)
            #expect(reordered.status == 200)
            #expect(t.sandbox.snapshot().idempotentReplays == 1)
        }
    }

    @Test func sameRequestIDWithADifferentPayloadIs400() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1")).status == 200)
            let reply = try await t.patch("ABC123", Body.name("Bia", requestID: "r-1"))
            #expect(reply.status == 400)
            #expect(reply.errors == ["request_id r-1 was already used with a different payload or participant"])
            #expect(t.sandbox.snapshot().participant("ABC123")?[.firstName] == "Ana")
        }
    }

    @Test func sameRequestIDForAnotherParticipantIs400() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1")).status == 200)
            let reply = try await t.patch("XYZ456", Body.name("Ana", requestID: "r-1"))
            #expect(reply.status == 400)
            #expect(reply.errors == ["request_id r-1 was already used with a different payload or participant"])
            #expect(t.sandbox.snapshot().participant("XYZ456") == nil)
        }
    }

    @Test func samePayloadUnderADifferentRequestIDIs400() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1")).status == 200)
            let reply = try await t.patch("ABC123", Body.name("Ana", requestID: "r-2"))
            #expect(reply.status == 400)
            #expect(reply.errors == ["The same payload was already submitted for this participant under a different request_id"])
            let withoutID = try await t.patch("ABC123", Body.name("Ana"))
            #expect(withoutID.status == 400)
            #expect(t.sandbox.snapshot().participant("ABC123")?.updatesApplied == 1)
        }
    }

    @Test func samePayloadForAnotherParticipantIsAnotherUpdate() async throws {
        try await TestSandbox.run { t async throws in
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1")).status == 200)
            #expect(try await t.patch("XYZ456", Body.name("Ana", requestID: "r-2")).status == 200)
            #expect(t.sandbox.snapshot().updatesApplied == 2)
        }
    }

    @Test func withoutRequestIDOnlyThePayloadRuleApplies() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", Body.name("Ana")).status == 200)
            let again = try await t.patch("ABC123", Body.name("Ana"))
            #expect(again.status == 400)
            #expect(again.errors == ["The same payload was already submitted for this participant under a different request_id"])
            #expect(try await t.patch("ABC123", Body.name("Bia")).status == 200)
            // The first payload, now under a request_id, is still the same payload.
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-9")).status == 400)
            #expect(t.sandbox.snapshot().participant("ABC123")?.updatesApplied == 2)
        }
    }

    @Test func aRefusedRequestIsNotRememberedAndMayBeRetried() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("OWNER1", Body.email("ana@example.com", requestID: "r-0")).status == 200)
            let body = Body.email("ana@example.com", requestID: "r-1")
            let refused = try await t.patch("ABC123", body)
            #expect(refused.status == 400)
            #expect(refused.errors == ["email is already used by another participant of this platform"])
            // The owner moves to another address; the same request now applies.
            #expect(try await t.patch("OWNER1", Body.email("ana@example.org", requestID: "r-2")).status == 200)
            let retried = try await t.patch("ABC123", body)
            #expect(retried.status == 200)
            #expect(retried.record("email") == .string("ana@example.com"))
        }
    }

    @Test func aRequestIDThatIsNotAStringIs400() async throws {
        try await TestSandbox.run { t in
            let reply = try await t.patch("ABC123", #"{"request_id":17,"first_name":"Ana","last_name":"Lima","platform_updated_at":1}"#)
            #expect(reply.status == 400)
            #expect(reply.errors == ["request_id must be a non-empty string"])
        }
    }

    @Test func idempotencyIsCheckedBeforeTheBodyRules() async throws {
        try await TestSandbox.run { t in
            #expect(try await t.patch("ABC123", Body.name("Ana", requestID: "r-1")).status == 200)
            let reply = try await t.patch("ABC123", #"{"request_id":"r-1","first_name":"Ana","platform_updated_at":1}"#)
            #expect(reply.errors == ["request_id r-1 was already used with a different payload or participant"])
        }
    }
}
