import BackfillStore
import ParticipantAPI

/// One problem that rejects an input row: a stable code, the source column, and a message saying what.
public struct RowProblem: Sendable, Equatable {
    public var code: String
    /// The column (or JSONL key) as named in the input; empty for whole-row problems.
    public var column: String
    /// E.g. `column 'zip': expected 12345 or 12345-6789, got '1234'`.
    public var message: String

    public init(code: String, column: String, message: String) {
        self.code = code
        self.column = column
        self.message = message
    }
}

/// An input row after normalization and row checks: what gets stored in `input_row`.
public struct InputRow: Sendable {
    public var line: Int
    /// The record as read.
    public var raw: String
    /// Normalized; nil when missing or unusable.
    public var participantCode: String?
    /// Epoch milliseconds; nil when missing or unusable.
    public var platformUpdatedAt: Int64?
    /// Normalized values indexed by `Field.order`; nil = not provided.
    public var values: [String?]
    /// What is stored of `values`: only where they differ from the record's cells (`StoredValues`).
    var norm: [UInt8]?
    /// Empty when the row is accepted.
    public var problems: [RowProblem]
    /// What a failures report's own columns say about the row; nil for a row of a plain file.
    public var correction: CorrectionMark?

    public init(line: Int, raw: String) {
        self.line = line
        self.raw = raw
        self.values = Array(repeating: nil, count: Field.allCases.count)
        self.problems = []
    }

    public var isAccepted: Bool { problems.isEmpty }

    public subscript(field: Field) -> String? {
        get { values[field.order] }
        set { values[field.order] = newValue }
    }
}
