import ParticipantAPI

/// One row of the failures export: a failed or held participant, or a rejected input row that belongs to no
/// usable participant. Its input columns use canonical names and its own columns are prefixed `backfill_`,
/// so the export is itself a valid ingest input.
public struct FailureRow: Sendable {
    /// `participant_code`, `platform_updated_at` and the updatable fields, by canonical name: the folded values
    /// of a job (a held job: as far as it folds), or the raw values of a rejected row as they were in the input.
    public var values: [String: JSONValue] = [:]
    /// `failed` | `held` | `rejected`.
    public var state: String
    public var errorClass: String
    public var httpStatus: Int?
    public var message: String
    public var attempts: Int = 0
    /// Epoch milliseconds.
    public var lastAttemptAt: Int64?
    public var requestID: String?
    /// `file:line` of every input row of the participant (of the rejected row itself).
    public var sources: [String] = []
    /// Sensitive values of the participant seen anywhere in its input, for `--redact` to find in messages.
    var knownValues: [(Field, String)] = []

    /// The export's columns, in order.
    public static let columns: [String] = [WireKey.participantCode, WireKey.platformUpdatedAt] + Field.allCases.map(\.name) + [
        "backfill_state", "backfill_error_class", "backfill_http_status", "backfill_message", "backfill_attempts",
        "backfill_last_attempt_at", "backfill_request_id", "backfill_sources",
    ]

    /// The row with personal data masked (see `Redactor`).
    public func redacted() -> FailureRow {
        var copy = self
        var known = knownValues
        for field in Field.allCases {
            guard let value = values[field.name] else { continue }
            let text = FailureRow.text(value)
            known.append((field, text))
            copy.values[field.name] = .string(Redactor.redact(field, text))
        }
        copy.message = Redactor.scrub(message, values: known)
        copy.knownValues = []
        return copy
    }

    /// The cells in `columns` order, as JSON values (null where empty).
    func cells() -> [JSONValue] {
        var out: [JSONValue] = [values[WireKey.participantCode] ?? .null, values[WireKey.platformUpdatedAt] ?? .null]
        for field in Field.allCases { out.append(values[field.name] ?? .null) }
        out.append(.string(state))
        out.append(.string(errorClass))
        out.append(httpStatus.map { .number(String($0)) } ?? .null)
        out.append(message.isEmpty ? .null : .string(message))
        out.append(.number(String(attempts)))
        out.append(lastAttemptAt.map { .string(ReportTime.iso8601($0)) } ?? .null)
        out.append(requestID.map { .string($0) } ?? .null)
        out.append(sources.isEmpty ? .null : .string(sources.joined(separator: ";")))
        return out
    }

    /// One CSV record line (RFC 4180 quoting), no line end.
    public func csvLine() -> String {
        CSVText.line(cells().map(FailureRow.text))
    }

    /// One JSONL line, no line end: the same names as the CSV columns; numbers stay numbers.
    public func jsonLine() -> String {
        JSONValue.object(Array(zip(FailureRow.columns, cells()))).jsonText
    }

    /// A cell's text: a string as is, null empty, anything else as its JSON text.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .null: ""
        default: value.jsonText
        }
    }
}
