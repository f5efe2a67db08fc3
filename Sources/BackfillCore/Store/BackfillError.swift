/// An error an operator can act on: a stable `code` (no variable values: usable as a column or a metric label)
/// and a message that says where and what, e.g. `samples/changes.csv:17: unterminated quote opened on this line`.
public struct BackfillError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
