/// Why a participant is held, and which input rows it comes from: one entry of `job.hold_reasons`.
public struct HoldReason: Sendable, Equatable, Codable {
    /// `file:line` entries, `;`-separated.
    public var source: String
    public var message: String

    public init(source: String, message: String) {
        self.source = source
        self.message = message
    }
}
