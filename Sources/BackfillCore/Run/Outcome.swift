import BackfillStore
import Foundation
import ParticipantAPI
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

/// Decides the outcome of an answer (or of its absence).
public enum OutcomeClassifier {
    /// - Parameters:
    ///   - status: the HTTP status, nil when no answer came.
    ///   - message: the API's message, whichever shape it came in.
    ///   - body: the response body as kept, when known: a 403 that is not the API's JSON (Cloudflare's
    ///     `error code: 1020` page) stops the run. Nil treats the answer as the API's.
    ///   - retryAfter: the Retry-After header, parsed.
    ///   - failure: the transport failure when there is no status.
    ///   - contract: the target's. Under `zerohash`, Zero Hash's published guidance: a 404 in the API's shape is
    ///     one participant Zero Hash does not know (permanent, `unknown_participant`), while one that is not its
    ///     answer (a wrong route) still stops the run; a 500 is not retried automatically (`retry --class server`
    ///     is the operator's choice); a 502, 503 (`zh-allow-retry: true`) or 504 is retried with the same request id.
    ///   - notFoundIsRoute: `GET /time` answered 404, so the base URL's path is wrong: a 404 stops the run.
    /// A 400 that says another participant of the platform holds the email sent ("email is already used by
    /// another participant of this platform", or the same said with "in use" or "taken").
    public static func isEmailInUse(_ text: String) -> Bool {
        let lower = text.lowercased()
        guard lower.contains("email") else { return false }
        return lower.contains("already used") || lower.contains("already in use") || lower.contains("in use by")
            || lower.contains("already taken") || lower.contains("already exists")
    }

    public static func classify(status: Int?, message: String?, body: [UInt8]? = nil, retryAfter: Duration?,
                                failure: TransportFailure?, contract: Contract = .ndax, notFoundIsRoute: Bool = false) -> Outcome {
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
            if Self.isEmailInUse(text) { return .failed(.emailTaken) }
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
            if contract == .zerohash, !notFoundIsRoute, let body, APIErrorMessage.isAPIAnswer(body) {
                return .failed(.unknownParticipant)
            }
            return .stop(.notFound)
        case 429:
            return .rateLimited(retryAfter: retryAfter)
        case 500 where contract == .zerohash:
            return .failed(.server)
        case 408, 409, 425, 500...599:
            return .retry(.server, retryAfter: retryAfter)
        default:
            return .failed(.unexpected)
        }
    }
}
