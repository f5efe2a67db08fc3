/// An error an operator can act on: a stable `code` (no variable values: usable as a column or a metric label)
/// and a message that says where and what, e.g. `samples/changes.csv:17: unterminated quote opened on this line`.
/// `cause`, when there is one, is the typed error it was made from, for code that must decide by it (never by the
/// code's or the message's text).
public struct BackfillError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: String, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    public static func == (lhs: BackfillError, rhs: BackfillError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}
