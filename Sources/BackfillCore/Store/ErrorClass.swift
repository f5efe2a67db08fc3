import GRDB

/// Stable error classes: ledger column values, report groups and metric labels.
public enum ErrorClass: String, Sendable, CaseIterable, Codable, SQLWord, DatabaseValueConvertible {
    /// 400 about the body (fields, formats).
    case validation
    /// 400 "Data segment validation failed...".
    case segment
    /// 400 "... is not a customer" or 403 "... is not a customer of ...".
    case notCustomer = "not_customer"
    /// 403 "... is not allowed to submit/update customers", a 403 that is not the API's JSON, and other 403s.
    case forbidden
    /// 400 "email is already used by another participant": sent once more after every other job of the run on
    /// the target had been answered, and refused again. Someone the input does not show holds the address.
    case emailTaken = "email_taken"
    /// 400 about request_id / payload reuse.
    case idempotencyConflict = "idempotency_conflict"
    /// 401.
    case unauthorized
    /// 404 on the route.
    case notFound = "not_found"
    /// Zero Hash's contract: a 404 in the API's own shape for one participant (`{"error": "Not Found"}`): Zero Hash
    /// does not know the participant. Permanent.
    case unknownParticipant = "unknown_participant"
    case rateLimited = "rate_limited"
    /// 5xx (HTML pages of a proxy in front of the API included), 408, 409, 425.
    case server
    /// Connection refused, reset or closed: no answer.
    case network
    /// No answer within --timeout: the update may or may not have been applied.
    case timeout
    /// TLS handshake or certificate failure.
    case tls
    /// The host name does not resolve.
    case dns
    /// The run saw the same answer too many times in a row.
    case repeated
    /// A lost attempt of a crashed run.
    case interrupted
    /// Any other status.
    case unexpected

    /// Failed jobs of this class may succeed if sent again as they are (`backfill retry --class`).
    public var isWorthRetrying: Bool {
        switch self {
        case .server, .network, .timeout, .rateLimited, .interrupted, .repeated: true
        default: false
        }
    }
}
