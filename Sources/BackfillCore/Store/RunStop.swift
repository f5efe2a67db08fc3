import GRDB

/// Why a run stopped before its jobs were drained: a code (`run.stop_code`) and the words that go with it
/// (`run.stop_message`). Stored apart, so that nothing reads the code back out of a sentence.
public struct RunStop: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, CaseIterable, Codable, SQLWord, DatabaseValueConvertible {
        /// 401: the credentials.
        case unauthorized
        /// A 403 that says the platform may not update customers, or that is not the API's answer.
        case forbidden
        /// 404 on the route: a wrong base URL.
        case notFound = "not_found"
        case tls
        case dns
        /// The same answer `--stop-after` times in a row.
        case repeated
        /// The job database failed.
        case database
        /// SIGINT or SIGTERM (the message names the signal).
        case interrupted
        /// The run died without recording an end (found by the next run).
        case crashed
        /// Any other error that ended the run (the message is the error).
        case error
        /// The run caused `--max-lockouts` lockouts of the IP: it stopped rather than keep hurting the platform.
        case lockouts

        /// The code of a run-stopping error class (see `Outcome.stop`).
        public init(_ errorClass: ErrorClass) {
            switch errorClass {
            case .unauthorized: self = .unauthorized
            case .forbidden: self = .forbidden
            case .notFound: self = .notFound
            case .tls: self = .tls
            case .dns: self = .dns
            case .repeated: self = .repeated
            default: self = .error
            }
        }
    }

    public var code: Code
    public var message: String?

    public init(_ code: Code, _ message: String?) {
        self.code = code
        self.message = message
    }

    /// The stop in one line, as the summary and the page show it: `unauthorized: 401 Unauthorized: ...` for an
    /// answer that stopped the run, the signal's name for an interruption, `crashed`, or the error's words.
    public var text: String {
        switch code {
        case .crashed: code.rawValue
        case .interrupted, .error: message ?? code.rawValue
        default: message.map { "\(code.rawValue): \($0)" } ?? code.rawValue
        }
    }

    /// Stopped by an answer or a failure that any further request would meet too (not an interruption).
    public var isFailure: Bool { code != .interrupted }
}
