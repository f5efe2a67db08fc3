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
    /// A cycle of email handovers (a swap): no order applies it (`job.email_cycle` names the others).
    case emailCycle = "email_cycle"

    /// How reports group the hold: segment rule failures, or a validation problem to fix in the data.
    public var holdClass: HoldClass {
        switch self {
        case .segment, .noDataSegment: .segment
        case .rejectedRow, .outOfOrder: .validation
        case .emailCycle: .emailCycle
        }
    }

    /// Whether the message names no value of the participant's (purge keeps such messages).
    public var messageHoldsNoValue: Bool {
        switch self {
        case .segment, .noDataSegment, .emailCycle: true
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
    /// A swap (or longer cycle) of emails between participants.
    case emailCycle = "email_cycle"
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

/// The words of the email rules that span participants (handovers, cycles, addresses held by someone the input
/// does not show), shared by explain, the reports and the run summary.
public enum EmailRules {
    /// Why a participant of an email cycle is held, and what to do.
    public static func cycleMessage(others: [String]) -> String {
        "email cycle with \(others.joined(separator: ", ")): each takes an address another gives up, so no order of PATCHes applies them; have the platform approve an interim address (one nobody has) for one of them and export that change (latest mode: as its latest row, its final address following in a later export; history mode: at an instant before the swap), then ingest: the cycle resolves and the others follow it"
    }

    /// What a job that failed `email_taken` needs.
    public static let emailTakenAdvice = "another participant holds the address at Zero Hash (not one this run changes): `GET /participants/{email}` names the holder; once the address is free, `retry --class email_taken`, or export an approved address for this participant and ingest it"
}
