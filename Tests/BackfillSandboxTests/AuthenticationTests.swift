import Foundation
import BackfillSandbox
import ParticipantAPI
import Testing

/// Authentication per profile: four headers, the right key and passphrase, a timestamp within 60 s,
/// and `Base64(HMAC-SHA256(secret, timestamp + method + path + body))`.
struct AuthenticationTests {
    // Computed outside Swift, with Python's hmac module:
    //   secret = base64.b64decode("c2FuZGJveC1kZW1vLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm")
    //   msg = b"1700000000" + b"PATCH" + b"/participants/customers/XYZ456" + body
    //   base64.b64encode(hmac.new(secret, msg, hashlib.sha256).digest())
    static let vectorTimestamp = "1700000000"
    static let vectorPath = "/participants/customers/XYZ456"
    static let vectorBody = #"{"first_name":"Gaurav","last_name":"Mehta","platform_updated_at":1603378501286}"#
    static let vectorSignature = "MrTm1TzfjleDXKeeQRFADj/JoIech949vmHKFzVk63o="

    /// The sandbox's clock pinned to the vector's timestamp (plus 30 s, inside the window).
    static func pinnedClock(_ c: inout SandboxConfiguration) {
        c.wallClock = { 1_700_000_030_000 }
    }

    static func vectorHeaders(signature: String = vectorSignature, timestamp: String = vectorTimestamp) -> [(String, String)] {
        [
            ("X-SCX-API-KEY", TestSandbox.credentials.apiKey), ("X-SCX-SIGNED", signature),
            ("X-SCX-TIMESTAMP", timestamp), ("X-SCX-PASSPHRASE", TestSandbox.credentials.passphrase),
        ]
    }

    @Test func acceptsTheSignatureComputedByPythonsHmac() async throws {
        try await TestSandbox.run(Self.pinnedClock) { t in
            let reply = try await t.send("PATCH", Self.vectorPath, body: Self.vectorBody, headers: Self.vectorHeaders())
            #expect(reply.status == 200)
            #expect(reply.record("first_name") == .string("Gaurav"))
            #expect(t.sandbox.snapshot().participant("XYZ456")?.updatesApplied == 1)
        }
    }

    @Test func refusesTheVectorSignatureWhenOneBodyByteChanged() async throws {
        try await TestSandbox.run(Self.pinnedClock) { t in
            let tampered = Self.vectorBody.replacingOccurrences(of: "Mehta", with: "Mehtb")
            let reply = try await t.send("PATCH", Self.vectorPath, body: tampered, headers: Self.vectorHeaders())
            #expect(reply.status == 401)
            #expect(reply.refusal == "Invalid signature")
            #expect(reply.bytes == Array(#"{"error":true,"message":"Invalid signature"}"#.utf8), "\(reply.body)")
            #expect(t.sandbox.snapshot().updatesApplied == 0)
        }
    }

    @Test func refusesASignatureThatIsNotBase64() async throws {
        try await TestSandbox.run(Self.pinnedClock) { t in
            let reply = try await t.send(
                "PATCH", Self.vectorPath, body: Self.vectorBody, headers: Self.vectorHeaders(signature: "not base64!")
            )
            #expect(reply.status == 401)
            #expect(reply.refusal == "Invalid signature")
        }
    }

    @Test(arguments: ["X-SCX-API-KEY", "X-SCX-SIGNED", "X-SCX-TIMESTAMP", "X-SCX-PASSPHRASE"])
    func namesTheMissingHeader(_ missing: String) async throws {
        try await TestSandbox.run(Self.pinnedClock) { t in
            let headers = Self.vectorHeaders().filter { $0.0 != missing }
            let reply = try await t.send("PATCH", Self.vectorPath, body: Self.vectorBody, headers: headers)
            #expect(reply.status == 401)
            #expect(reply.refusal == "Missing header \(missing)")
        }
    }

    @Test func refusesAWrongAPIKey() async throws {
        try await TestSandbox.run(Self.pinnedClock) { t in
            var headers = Self.vectorHeaders()
            headers[0].1 = "someone-else"
            let reply = try await t.send("PATCH", Self.vectorPath, body: Self.vectorBody, headers: headers)
            #expect(reply.status == 401)
            #expect(reply.refusal == "Invalid API key")
        }
    }

    @Test func refusesAWrongPassphrase() async throws {
        try await TestSandbox.run(Self.pinnedClock) { t in
            var headers = Self.vectorHeaders()
            headers[3].1 = "guess"
            let reply = try await t.send("PATCH", Self.vectorPath, body: Self.vectorBody, headers: headers)
            #expect(reply.status == 401)
            #expect(reply.refusal == "Invalid passphrase")
        }
    }

    @Test func refusesATimestampMoreThanSixtySecondsFromTheServerClock() async throws {
        try await TestSandbox.run({ $0.wallClock = { 1_700_000_061_000 } }) { t in
            let reply = try await t.send("PATCH", Self.vectorPath, body: Self.vectorBody, headers: Self.vectorHeaders())
            #expect(reply.status == 401)
            #expect(reply.refusal == "Request timestamp is more than 60 seconds away from the server time")
        }
        try await TestSandbox.run({ $0.wallClock = { 1_699_999_939_000 } }) { t in
            let reply = try await t.send("PATCH", Self.vectorPath, body: Self.vectorBody, headers: Self.vectorHeaders())
            #expect(reply.status == 401)
        }
        try await TestSandbox.run({ $0.wallClock = { 1_700_000_060_999 } }) { t in
            let reply = try await t.send("PATCH", Self.vectorPath, body: Self.vectorBody, headers: Self.vectorHeaders())
            #expect(reply.status == 200)
        }
    }

    @Test func refusesATimestampInMilliseconds() async throws {
        try await TestSandbox.run { t in
            let path = Profile.patchPath(participantCode: "ABC123")
            let headers = t.authHeaders(method: "PATCH", path: path, body: Body.name, timestamp: "1700000000000")
            let reply = try await t.send("PATCH", path, body: Body.name, headers: headers)
            #expect(reply.status == 401)
            #expect(reply.refusal == "Request timestamp is more than 60 seconds away from the server time")
        }
    }

    @Test func refusesATimestampThatIsNotANumber() async throws {
        try await TestSandbox.run(Self.pinnedClock) { t in
            let reply = try await t.send(
                "PATCH", Self.vectorPath, body: Self.vectorBody, headers: Self.vectorHeaders(timestamp: "yesterday")
            )
            #expect(reply.status == 401)
            #expect(reply.refusal == "Invalid X-SCX-TIMESTAMP: expected a UNIX timestamp in seconds")
        }
    }

    @Test func ndaxProfileExpectsNDAXHeaders() async throws {
        try await TestSandbox.run({ $0.profile = .ndax }) { t in
            let accepted = try await t.patch("ABC123", Body.name)
            #expect(accepted.status == 200)

            let path = Profile.patchPath(participantCode: "ABC123")
            let scxHeaders = t.authHeaders(method: "PATCH", path: path, body: Body.name("Bia"), profile: .zerohash)
            let refused = try await t.send("PATCH", path, body: Body.name("Bia"), headers: scxHeaders)
            #expect(refused.status == 401)
            #expect(refused.refusal == "Missing header X-NDAX-API-KEY")
        }
    }

    @Test func signsThePathWithItsQueryString() async throws {
        try await TestSandbox.run { t in
            let path = "/participants/customers/ABC123?trace=1"
            let signedWithoutQuery = t.authHeaders(method: "PATCH", path: "/participants/customers/ABC123", body: Body.name)
            let refused = try await t.send("PATCH", path, body: Body.name, headers: signedWithoutQuery)
            #expect(refused.status == 401)
            let signed = t.authHeaders(method: "PATCH", path: path, body: Body.name)
            let accepted = try await t.send("PATCH", path, body: Body.name, headers: signed)
            #expect(accepted.status == 200)
        }
    }
}
