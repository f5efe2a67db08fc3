import Foundation
/// What one attempt's answer means for its job and for the run. Pure: `classify` decides, the worker pool acts.
public enum Outcome: Sendable, Equatable {
    /// 200: the update is applied; keep the response.
    case succeeded
    /// A refusal about this participant's data or relationship: fail the job, keep the API's message.
    case failed(ErrorClass)
    /// Worth trying again with the same request_id and bytes (the API treats that as idempotent).
    case retry(ErrorClass, retryAfter: Duration?)
    /// 429: every worker pauses; the job's attempt is not used up.
    case rateLimited(retryAfter: Duration?)
    /// Proof that every request will fail (credentials, platform approval, wrong host): stop the run.
    case stop(ErrorClass)

    /// The class written to the ledger.
    public var errorClass: ErrorClass? {
        switch self {
        case .succeeded: nil
        case .failed(let c), .retry(let c, _), .stop(let c): c
        case .rateLimited: .rateLimited
        }
    }
}

/// Stable error classes: ledger column values, report groups and metric labels.
public enum ErrorClass: String, Sendable, CaseIterable, Codable {
    /// 400 about the body (fields, formats).
    case validation
    /// 400 "Data segment validation failed...".
    case segment
    /// 400 "... is not a customer" or 403 "... is not a customer of ...".
    case notCustomer = "not_customer"
    /// 403 "... is not allowed to submit/update customers", a 403 that is not the API's JSON, and other 403s.
    case forbidden
    /// 400 about request_id / payload reuse.
    case idempotencyConflict = "idempotency_conflict"
    /// 401.
    case unauthorized
    /// 404 on the route.
    case notFound = "not_found"
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

/// Decides the outcome of an answer (or of its absence).
public enum OutcomeClassifier {
    /// - Parameters:
    ///   - status: the HTTP status, nil when no answer came.
    ///   - message: the API's message, whichever shape it came in.
    ///   - body: the response body as kept, when known: a 403 that is not the API's JSON (Cloudflare's
    ///     `error code: 1020` page) stops the run. Nil treats the answer as the API's.
    ///   - retryAfter: the Retry-After header, parsed.
    ///   - failure: the transport failure when there is no status.
    public static func classify(status: Int?, message: String?, body: [UInt8]? = nil, retryAfter: Duration?,
                                failure: TransportFailure?) -> Outcome {
        guard let status else {
            switch failure {
            case .timeout: return .retry(.timeout, retryAfter: nil)
            case .tls: return .stop(.tls)
            case .dns: return .stop(.dns)
            case .unreachable, .connection, nil: return .retry(.network, retryAfter: nil)
            }
        }
        let text = message ?? ""
        switch status {
        case 200..<300:
            return .succeeded
        case 400:
            if text.contains("is not a customer") { return .failed(.notCustomer) }
            if text.hasPrefix("Data segment validation failed") { return .failed(.segment) }
            // The seed: a request_id reused with another payload, or a payload reused under another request_id.
            if text.range(of: "request_id", options: .caseInsensitive) != nil
                || text.range(of: "idempoten", options: .caseInsensitive) != nil {
                return .failed(.idempotencyConflict)
            }
            return .failed(.validation)
        case 401:
            return .stop(.unauthorized)
        case 403:
            // Not the API's answer: a proxy in front of it refused (Cloudflare 1020: the egress IP is not allowlisted),
            // and it will refuse every request the same way.
            if let body, !APIErrorMessage.isAPIAnswer(body) { return .stop(.forbidden) }
            if text.contains("is not a customer of") { return .failed(.notCustomer) }
            if text.contains("is not allowed to submit/update customers") { return .stop(.forbidden) }
            return .failed(.forbidden)
        case 404:
            return .stop(.notFound)
        case 429:
            return .rateLimited(retryAfter: retryAfter)
        case 408, 409, 425, 500...599:
            return .retry(.server, retryAfter: retryAfter)
        default:
            return .failed(.unexpected)
        }
    }
}
