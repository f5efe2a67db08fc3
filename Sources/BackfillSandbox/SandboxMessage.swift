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

    // 400, Zero Hash's published contract (`body/<key> ...`, the style of its examples: `body/amount must be >= 0`)
    /// A key outside the Standard User Details Patch variant (`state`, `id_number`, `request_id`...).
    public static func keyNotAllowed(_ key: String) -> String { "body/\(key) is not allowed" }
    public static func keyRequired(_ key: String) -> String { "body/\(key) is required" }
    public static func keyNotAString(_ key: String) -> String { "body/\(key) must be a string" }
    public static let timestampNotThirteenDigits = "body/\(WireKey.platformUpdatedAt) must be \(FieldRules.timestampFormat)"
    public static let zipWithPostalCode = "body/zip and body/postal_code must not both be sent (zip for USA, postal_code elsewhere)"
    public static let requestIDHeaderEmpty = "\(Profile.requestIDHeader) must be a non-empty string"

    /// A broken segment rule under `zerohash`, naming the body key: `body/zip is required`,
    /// `body/jurisdiction_code must be an ISO 3166-2 code of USA`, `body/email must match format name@example.com`.
    public static func zerohash(_ error: SegmentError, key: String) -> String {
        switch error.kind {
        case .required:
            return keyRequired(key)
        case .format(let format):
            // A description ("an ISO 3166-2 code of USA", "at most 80 characters") reads after "must be"; a pattern
            // ("YYYY-MM-DD", "12345 or 12345-6789", "name@example.com") after "must match format".
            let isDescription = ["a ", "an ", "at ", "digits"].contains { format.hasPrefix($0) }
                || format == FieldRules.genderFormat
            return "body/\(key) must \(isDescription ? "be" : "match format") \(format)"
        }
    }

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
