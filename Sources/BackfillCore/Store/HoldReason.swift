/// Why a participant is held, and which input rows it comes from: one entry of `job.hold_reasons`
/// (`{"source": ..., "message": ..., "kind": ...}`). The kind is stored when ingest makes the hold, so that no
/// later reader has to tell a segment failure from a rejected row by its words.
public struct HoldReason: Sendable, Equatable, Codable {
    /// `file:line` entries, `;`-separated.
    public var source: String
    public var message: String
    /// What holds the participant.
    public var kind: HoldKind

    public init(source: String, message: String, kind: HoldKind) {
        self.source = source
        self.message = message
        self.kind = kind
    }

    // `explain --json` shows source and message, as it always has; the kind is read back, not shown.
    enum CodingKeys: String, CodingKey {
        case source, message
    }

    private enum StoredKeys: String, CodingKey {
        case source, message, kind
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StoredKeys.self)
        source = try container.decode(String.self, forKey: .source)
        message = try container.decode(String.self, forKey: .message)
        kind = try container.decodeIfPresent(HoldKind.self, forKey: .kind) ?? .rejectedRow
    }
}

/// What holds a participant (`job.hold_reasons[].kind`).
public enum HoldKind: String, Sendable, CaseIterable, Codable, SQLWord {
    /// One of its input rows was rejected (the message is the row's problems).
    case rejectedRow = "rejected_row"
    /// A folded segment fails the API's segment rules.
    case segment
    /// No row provides an updatable field: the API refuses a body with only platform_updated_at.
    case noDataSegment = "no_data_segment"
    /// History mode: a row older than a step already sent changes the history (`retry --as-latest`).
    case outOfOrder = "out_of_order"

    /// How reports group the hold: segment rule failures, or a validation problem to fix in the data.
    public var holdClass: HoldClass {
        switch self {
        case .segment, .noDataSegment: .segment
        case .rejectedRow, .outOfOrder: .validation
        }
    }

    /// Whether the message names no value of the participant's (purge keeps such messages).
    public var messageHoldsNoValue: Bool {
        switch self {
        case .segment, .noDataSegment: true
        case .rejectedRow, .outOfOrder: false
        }
    }
}

/// How reports group a held job (a failed job is grouped by its `ErrorClass`): a rejected row (or a history that
/// cannot be replayed) outranks a segment failure, which outranks an email another participant also has.
public enum HoldClass: String, Sendable, CaseIterable, SQLWord {
    case validation
    case segment
    case duplicateEmail = "duplicate_email"
}

/// What a row of the failures export is (`backfill_state`): a rejected input row, or a participant whose current job
/// failed or is held. Ingest reads it back from an export fed to it (`CorrectionMark`).
public enum ExportState: String, Sendable, CaseIterable, Codable {
    case rejected
    case failed
    case held
    /// Under `zerohash`: an ID change that is not sent, which needs a supporting document.
    case needsDocument = "needs_document"
}
