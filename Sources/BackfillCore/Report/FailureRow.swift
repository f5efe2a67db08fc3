import BackfillStore
import ParticipantAPI

/// One row of the failures export: a rejected input row (the cells a person must fix), or a participant failed
/// or held for another reason. Its input columns use canonical names and its own columns are prefixed
/// `backfill_`, so the export is itself a valid ingest input (and, fed back, a correction: see `Correction`).
public struct FailureRow: Sendable {
    /// By export name (see `SourceColumns`): `participant_code`, `platform_updated_at` and the updatable fields,
    /// then non-updatable and unknown columns. A rejected row: its cells as read. A job: its folded values (a
    /// held job: as far as it folds).
    public var values: [String: JSONValue] = [:]
    public var state: ExportState
    /// The row's report class (`ReportClass`).
    public var errorClass: String
    public var httpStatus: Int?
    public var message: String
    public var attempts: Int = 0
    /// Epoch milliseconds.
    public var lastAttemptAt: Int64?
    public var requestID: String?
    /// `file:line` of the rejected input row this row is (`backfill_row`); nil for a job.
    public var rejectedRow: String?
    /// The participant the row is about, normalized: the failed or held one, or the one a rejected row holds;
    /// nil for a rejected row with no usable participant_code.
    public var participantCode: String?
    /// `file:line` of every input row of the participant (of the rejected row itself).
    public var sources: [String] = []
    /// Sensitive values of the participant seen anywhere in its input, for `--redact` to find in messages.
    var knownValues: [(Field, String)] = []
    /// History mode: which step a held row stands for (`step 2 of 3 (platform_updated_at ...)`).
    var stepNote: String?

    /// `participant_code`, `platform_updated_at` and the updatable fields of the seed's contract (`ndax`).
    public static let inputColumns: [String] = inputColumns(.ndax)

    /// `participant_code`, `platform_updated_at` and the fields `contract` reads, in its order.
    public static func inputColumns(_ contract: Contract) -> [String] {
        [WireKey.participantCode, WireKey.platformUpdatedAt] + contract.fields.map(\.name)
    }
    /// The report's own columns, in order.
    public static let reportColumns: [String] = [
        "backfill_state", ReportColumn.row, "backfill_error_class", "backfill_http_status", "backfill_message",
        "backfill_attempts", "backfill_last_attempt_at", "backfill_request_id", "backfill_sources",
    ]
    /// The export's columns when no rejected row has other columns and nothing is redacted.
    public static let columns: [String] = inputColumns + reportColumns

    /// The export's columns: the input columns, the non-updatable and unknown columns rejected rows can fill
    /// (`extra`), the report's columns, and `backfill_redacted` when the values are masked.
    public static func columns(extra: [String], redacted: Bool, contract: Contract = .ndax) -> [String] {
        inputColumns(contract) + extra + reportColumns + (redacted ? [ReportColumn.redacted] : [])
    }

    /// The row with personal data masked (see `Redactor`); cells of non-updatable and unknown columns are
    /// masked whole.
    public func redacted() -> FailureRow {
        var copy = self
        var known = knownValues
        for (name, value) in values where name != WireKey.participantCode && name != WireKey.platformUpdatedAt {
            let text = FailureRow.text(value)
            if let field = Field(name: name) {
                known.append((field, text))
                copy.values[name] = .string(Redactor.redact(field, text))
            } else {
                copy.values[name] = .string(Redactor.mask(text))
            }
        }
        copy.message = Redactor.scrub(message, values: known)
        copy.knownValues = []
        return copy
    }

    /// The cells in `columns(extra:redacted:)` order, as JSON values (null where empty).
    func cells(extra: [String] = [], redacted: Bool = false, contract: Contract = .ndax) -> [JSONValue] {
        var out: [JSONValue] = FailureRow.inputColumns(contract).map { values[$0] ?? .null }
        for name in extra { out.append(values[name] ?? .null) }
        out.append(.string(state.rawValue))
        out.append(rejectedRow.map { .string($0) } ?? .null)
        out.append(.string(errorClass))
        out.append(httpStatus.map { .number(String($0)) } ?? .null)
        out.append(message.isEmpty ? .null : .string(message))
        out.append(.number(String(attempts)))
        out.append(lastAttemptAt.map { .string(ReportTime.iso8601($0)) } ?? .null)
        out.append(requestID.map { .string($0) } ?? .null)
        out.append(sources.isEmpty ? .null : .string(sources.joined(separator: ";")))
        if redacted { out.append(.bool(true)) }
        return out
    }

    /// One CSV record line (RFC 4180 quoting), no line end.
    public func csvLine(extra: [String] = [], redacted: Bool = false, contract: Contract = .ndax) -> String {
        CSVText.line(cells(extra: extra, redacted: redacted, contract: contract).map(FailureRow.text))
    }

    /// One JSONL line, no line end: the same names as the CSV columns; numbers stay numbers.
    public func jsonLine(extra: [String] = [], redacted: Bool = false, contract: Contract = .ndax) -> String {
        JSONValue.object(Array(zip(FailureRow.columns(extra: extra, redacted: redacted, contract: contract),
                                   cells(extra: extra, redacted: redacted, contract: contract)))).jsonText
    }

    /// A cell's text: a string as is, null empty, anything else as its JSON text.
    static func text(_ value: JSONValue) -> String {
        SourceColumns.text(value)
    }
}
