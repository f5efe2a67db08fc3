import Foundation
import ParticipantAPI
import Testing

/// Signing as the API does it, checked against vectors computed outside Swift with Python's hmac module:
/// `base64.b64encode(hmac.new(base64.b64decode(secret), (ts + method + path).encode() + body, hashlib.sha256).digest())`.
struct RequestSignerTests {
    /// Base64 of `sandbox-demo-secret-0123456789abcdef`.
    static let secret = "c2FuZGJveC1kZW1vLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm"

    struct Vector: Sendable, CustomTestStringConvertible {
        let timestamp: String
        let method: String
        let path: String
        let body: String
        let signature: String
        var testDescription: String { "\(method) \(path)" }
    }

    static let vectors = [
        Vector(
            timestamp: "1700000000", method: "PATCH", path: "/participants/customers/XYZ456",
            body: #"{"first_name":"Gaurav","last_name":"Mehta","platform_updated_at":1603378501286}"#,
            signature: "MrTm1TzfjleDXKeeQRFADj/JoIech949vmHKFzVk63o="
        ),
        Vector(
            timestamp: "1603378501", method: "GET", path: "/time", body: "",
            signature: "GlLPvvR0+nBt0kWsFD+vgGvpGPMg4aS/anvY0amJvhk="
        ),
        Vector(
            timestamp: "1700000000", method: "PATCH", path: "/participants/customers/ABC123",
            body: #"{"request_id":"r-1","email":"ana@example.com","platform_updated_at":1700000000000}"#,
            signature: "S5V3uz/JOKF4B31Tn1FuqE3GSfEjc9NbjP425/+AtjM="
        ),
    ]

    @Test(arguments: vectors)
    func signsLikePythonsHmac(_ v: Vector) throws {
        let signer = try RequestSigner(base64Secret: Self.secret)
        #expect(signer.signature(timestamp: v.timestamp, method: v.method, path: v.path, body: Array(v.body.utf8)) == v.signature)
    }

    @Test(arguments: vectors)
    func verifiesThePythonSignature(_ v: Vector) throws {
        let signer = try RequestSigner(base64Secret: Self.secret)
        #expect(signer.isValid(signature: v.signature, timestamp: v.timestamp, method: v.method, path: v.path, body: Array(v.body.utf8)))
    }

    @Test(arguments: vectors)
    func refusesTheSignatureWhenAnyPartChanges(_ v: Vector) throws {
        let signer = try RequestSigner(base64Secret: Self.secret)
        let body = Array(v.body.utf8)
        #expect(!signer.isValid(signature: v.signature, timestamp: v.timestamp + "1", method: v.method, path: v.path, body: body))
        #expect(!signer.isValid(signature: v.signature, timestamp: v.timestamp, method: "POST", path: v.path, body: body))
        #expect(!signer.isValid(signature: v.signature, timestamp: v.timestamp, method: v.method, path: v.path + "/", body: body))
        #expect(!signer.isValid(signature: v.signature, timestamp: v.timestamp, method: v.method, path: v.path, body: body + [0x20]))
        #expect(!signer.isValid(signature: "not base64!", timestamp: v.timestamp, method: v.method, path: v.path, body: body))
        let other = try RequestSigner(base64Secret: Data("another-secret".utf8).base64EncodedString())
        #expect(!other.isValid(signature: v.signature, timestamp: v.timestamp, method: v.method, path: v.path, body: body))
    }

    @Test func toleratesWhitespaceAroundTheSecret() throws {
        let signer = try RequestSigner(base64Secret: "  \(Self.secret)\n")
        let v = Self.vectors[0]
        #expect(signer.signature(timestamp: v.timestamp, method: v.method, path: v.path, body: Array(v.body.utf8)) == v.signature)
    }

    @Test func refusesASecretThatIsNotBase64WithoutEchoingIt() {
        #expect(throws: RequestSigner.SecretError.notBase64) { try RequestSigner(base64Secret: "not base64!") }
        #expect(throws: RequestSigner.SecretError.empty) { try RequestSigner(base64Secret: "  ") }
        #expect(RequestSigner.SecretError.notBase64.description
            == "the API secret is not valid Base64 (the API expects the secret exactly as issued)")
        #expect(RequestSigner.SecretError.empty.description == "the API secret is empty")
    }
}
