import Hummingbird
import ParticipantAPI

/// Checks a request's four authentication headers the way the API does, per profile:
/// every header present, the right key and passphrase, a timestamp (seconds) within 60 s of the server's clock,
/// and `Base64(HMAC-SHA256(secret, timestamp + method + path + body))`.
struct RequestAuthenticator: Sendable {
    /// Why a request is refused with 401; `message` is what the client reads.
    struct Failure: Error, Sendable, Equatable {
        /// Stable code, for the request log.
        let code: String
        let message: String
    }

    private let apiKeyHeader: HeaderName
    private let signatureHeader: HeaderName
    private let timestampHeader: HeaderName
    private let passphraseHeader: HeaderName
    private let apiKey: String
    private let passphrase: String
    private let signer: RequestSigner
    private let toleranceSeconds: Int64

    init(profile: Profile, credentials: SandboxCredentials) throws {
        apiKeyHeader = HeaderName(profile.apiKeyHeader)!
        signatureHeader = HeaderName(profile.signatureHeader)!
        timestampHeader = HeaderName(profile.timestampHeader)!
        passphraseHeader = HeaderName(profile.passphraseHeader)!
        apiKey = credentials.apiKey
        passphrase = credentials.passphrase
        signer = try RequestSigner(base64Secret: credentials.apiSecret)
        toleranceSeconds = Int64(RateLimit.timestampTolerance.components.seconds)
    }

    /// Nil when the request is authentic; otherwise the first reason it is not.
    func check(
        headers: HTTPFields, method: String, path: String, body: [UInt8], nowMilliseconds: Int64
    ) -> Failure? {
        guard let key = headers[apiKeyHeader] else { return Self.missing(apiKeyHeader) }
        guard let signature = headers[signatureHeader] else { return Self.missing(signatureHeader) }
        guard let timestamp = headers[timestampHeader] else { return Self.missing(timestampHeader) }
        guard let presentedPassphrase = headers[passphraseHeader] else { return Self.missing(passphraseHeader) }
        // By bytes, in constant time: `==` would accept a canonically equal spelling of the secret.
        guard constantTimeEqual(key, apiKey) else { return Failure(code: "unknown_api_key", message: SandboxMessage.invalidAPIKey) }
        guard constantTimeEqual(presentedPassphrase, passphrase) else {
            return Failure(code: "wrong_passphrase", message: SandboxMessage.invalidPassphrase)
        }
        guard let seconds = Int64(timestamp) else {
            return Failure(
                code: "malformed_timestamp",
                message: SandboxMessage.malformedTimestamp(timestampHeader.rawName)
            )
        }
        let nowSeconds = nowMilliseconds / 1000
        guard abs(nowSeconds - seconds) <= toleranceSeconds else {
            return Failure(
                code: "stale_timestamp",
                message: SandboxMessage.staleTimestamp(toleranceSeconds: toleranceSeconds)
            )
        }
        guard signer.isValid(signature: signature, timestamp: timestamp, method: method, path: path, body: body) else {
            return Failure(code: "bad_signature", message: SandboxMessage.invalidSignature)
        }
        return nil
    }

    private static func missing(_ name: HeaderName) -> Failure {
        Failure(code: "missing_header", message: SandboxMessage.missingHeader(name.rawName))
    }
}

/// A header name, parsed once. (`HTTPField` is reached through Hummingbird's `HTTPFields` re-export.)
typealias HeaderName = HTTPFields.Element.Name
