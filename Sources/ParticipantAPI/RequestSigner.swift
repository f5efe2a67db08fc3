import Crypto
import Foundation

/// Signs and verifies requests the way the API does:
/// `Base64(HMAC-SHA256(key: Base64-decoded secret, message: timestamp + method + path + body))`.
///
/// ```swift
/// let signer = try RequestSigner(base64Secret: secret)
/// let signature = signer.signature(timestamp: "1603378501", method: "PATCH",
///                                  path: "/participants/customers/XYZ456", body: bodyBytes)
/// ```
public struct RequestSigner: Sendable {
    /// Why a secret cannot be used. Never carries the secret itself.
    public enum SecretError: Error, Sendable, CustomStringConvertible {
        case empty
        case notBase64
        public var description: String {
            switch self {
            case .empty: "the API secret is empty"
            case .notBase64: "the API secret is not valid Base64 (the API expects the secret exactly as issued)"
            }
        }
    }

    private let key: SymmetricKey

    /// - Throws: `SecretError` when the secret is empty or not Base64.
    public init(base64Secret: String) throws(SecretError) {
        let trimmed = base64Secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .empty }
        guard let data = Data(base64Encoded: trimmed), !data.isEmpty else { throw .notBase64 }
        key = SymmetricKey(data: data)
    }

    /// The Base64 signature of one request.
    public func signature(timestamp: String, method: String, path: String, body: some DataProtocol) -> String {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array(timestamp.utf8))
        hmac.update(data: Array(method.utf8))
        hmac.update(data: Array(path.utf8))
        hmac.update(data: body)
        return Data(hmac.finalize()).base64EncodedString()
    }

    /// Constant-time check of a presented signature.
    public func isValid(signature: String, timestamp: String, method: String, path: String, body: some DataProtocol) -> Bool {
        guard let presented = Data(base64Encoded: signature) else { return false }
        var message = Data(timestamp.utf8)
        message.append(contentsOf: Array(method.utf8))
        message.append(contentsOf: Array(path.utf8))
        message.append(contentsOf: body)
        return HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: message, using: key)
    }
}
