import ParticipantAPI

/// The messages the sandbox words itself, where the published API text gives none.
/// (The seed's own wording lives in `APIMessage`.) Kept in one place so the README can list them.
public enum SandboxMessage {
    // 400, body rules
    public static let bodyNotAnObject = "Request body must be a JSON object"
    public static let requestIDNotAString = "request_id must be a non-empty string"
    public static let platformUpdatedAtMissing = "platform_updated_at is required"

    public static func platformUpdatedAtNotANumber(got value: JSONValue) -> String {
        "platform_updated_at must be a number (UNIX time in milliseconds), got \(value.kindDescription)"
    }

    public static func fieldNotAString(_ field: Field, got value: JSONValue) -> String {
        "\(field.name) must be a string, got \(value.kindDescription)"
    }

    /// With `--reject-stale-updates` only: the real API documents no such rule.
    public static let staleUpdate = "platform_updated_at is older than the participant's last update"
    public static let emailInUse = "email is already used by another participant of this platform"

    // 400, idempotency
    public static func requestIDReused(_ requestID: String) -> String {
        "request_id \(requestID) was already used with a different payload or participant"
    }

    public static let duplicatePayload = "The same payload was already submitted for this participant under a different request_id"

    // 401, authentication (see RequestAuthenticator)
    public static func missingHeader(_ name: String) -> String { "Missing header \(name)" }
    public static let invalidAPIKey = "Invalid API key"
    public static let invalidPassphrase = "Invalid passphrase"
    public static func malformedTimestamp(_ header: String) -> String {
        "Invalid \(header): expected a UNIX timestamp in seconds"
    }
    public static func staleTimestamp(toleranceSeconds: Int64) -> String {
        "Request timestamp is more than \(toleranceSeconds) seconds away from the server time"
    }
    public static let invalidSignature = "Invalid signature"

    // 404/413/429/5xx, `{"error": "..."}`
    public static let notFound = "Not Found"
    public static let bodyTooLarge = "Request body too large"
    public static let tooManyRequests = "Too Many Requests"
    public static let internalServerError = "Internal Server Error"
    public static let badGateway = "Bad Gateway"
    public static let serviceUnavailable = "Service Unavailable"
}
