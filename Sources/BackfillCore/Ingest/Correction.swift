import BackfillStore
import Foundation
import ParticipantAPI

/// A failures report's own cells on one of its rows (see `Correction`).
public struct CorrectionMark: Sendable, Equatable {
    /// `backfill_row`: the `file:line` of the rejected row this row replaces; nil when empty.
    public var row: String?
    /// `backfill_state`: `rejected`, `held` or `failed`; nil when empty.
    public var state: String?

    /// Cells as read; blank ones count as empty.
    public init(row: String?, state: String?) {
        func clean(_ cell: String?) -> String? {
            let trimmed = cell?.trimmingCharacters(in: .whitespaces)
            return trimmed?.isEmpty == false ? trimmed : nil
        }
        self.row = clean(row)
        self.state = clean(state)
    }
}

/// How a row of a failures report fed back to `ingest` (a file with `backfill_*` columns) corrects what was
/// rejected. Pure: the stored rows it is matched with are given (`CorrectionPass` finds them and carries out
/// the verdict).
///
/// **Which row it corrects.** A row whose `backfill_row` is one `file:line` corrects the rejected row stored
/// under that name: the file as it was given to ingest (`<stdin>` for standard input) and the line its record
/// started on. When several stored rows answer to it (the same path ingested twice), a rejected row wins over a
/// resolved one, a row of the correction's own participant over another's, the latest ingested over earlier
/// ones. A row with no `backfill_row` whose `backfill_state` is neither `held` nor `failed` corrects its
/// participant's rejected rows at the same `platform_updated_at` that no other row of the file names. Any other
/// row (a held or failed participant's folded values, a `backfill_row` listing several sources, one naming no
/// rejected row) is a new row, as in a plain file.
///
/// **What it does**: see `Verdict`. A correction never releases a participant whose rejected row it did not
/// actually replace: cells left as they were, or a participant_code made unusable, change nothing.
enum Correction {
    /// A stored row a correction names.
    struct Named {
        var status: RowStatus
        var participantCode: String?
        var rejectCode: String?
        /// Its cells as read (see `SourceColumns`); nil once purged.
        var cells: [String: String]?
    }

    /// The correction row, as stored.
    struct Candidate {
        var accepted: Bool
        var participantCode: String?
        var cells: [String: String]
    }

    enum Verdict: Equatable {
        /// Accepted with new cells: the named rows are `resolved`, the correction folds at its own timestamp.
        case applied
        /// Rejected with new cells: the named rows are `resolved`, the correction holds the participant instead.
        case replaced
        /// The same cells as a named row, rejected again (or accepted only because the export laid out afresh a
        /// record whose form was wrong, see `formCodes`): nothing changes; the correction is `ignored`.
        case unchanged
        /// No usable participant_code where the named row has one: nothing changes; the correction is `ignored`.
        case lostParticipant(String)
        /// The named row belongs to another participant: the correction is a new row of its own participant.
        case otherParticipant(String)
        /// An earlier correction replaced the named row: the correction is `ignored`.
        case alreadyReplaced
    }

    /// Rejections of a record's form rather than its values (a ragged CSV row, a JSON value that is not a string,
    /// invalid UTF-8, a repeated key). The export writes such a record's cells in a well-formed row, so reading
    /// the same cells back proves nothing about them: the row must be changed to count as a correction.
    static let formCodes: Set<String> = ["wrong_cell_count", "not_a_string", "invalid_utf8", "duplicate_key", "not_json_object"]

    static func verdict(_ correction: Candidate, named: [Named]) -> Verdict {
        let open = named.filter { $0.status == .rejected }
        guard !open.isEmpty else { return .alreadyReplaced }
        if let owner = open.lazy.compactMap(\.participantCode).first {
            guard let code = correction.participantCode else { return .lostParticipant(owner) }
            if code != owner { return .otherParticipant(owner) }
        }
        let same = open.filter { $0.cells.map { sameCells($0, correction.cells) } == true }
        if !same.isEmpty && (!correction.accepted || same.contains { $0.rejectCode.map(formCodes.contains) == true }) {
            return .unchanged
        }
        return correction.accepted ? .applied : .replaced
    }

    /// Whether a correction's cells are the named row's, as a person reads them: the same columns with the same
    /// text in NFC. Chosen on purpose rather than byte equality: an editor or a spreadsheet that saves the export
    /// back in NFC (or NFD) has not changed a cell, and such a row must still count as "left as it was". The fold
    /// reads either spelling as the same NFC value, so nothing that is sent depends on this choice.
    static func sameCells(_ a: [String: String], _ b: [String: String]) -> Bool {
        guard a.count == b.count else { return false }
        let normalized = Dictionary(b.map { ($0.key.nfc, $0.value.nfc) }, uniquingKeysWith: { first, _ in first })
        return a.allSatisfy { key, value in normalized[key.nfc].map { $0.hasSameBytes(as: value.nfc) } ?? false }
    }

    /// What a `backfill_row` cell refers to.
    enum Reference: Equatable {
        case row(file: String, line: Int64)
        /// `file:line;file:line`: the sources of a participant, not one row.
        case several
        case unreadable
    }

    /// `samples/changes.csv:14` -> the file and the line (the last `:` separates them, so a path may hold one).
    static func reference(_ text: String) -> Reference {
        let parts = text.split(separator: ";", omittingEmptySubsequences: true)
        if parts.count > 1 { return parts.allSatisfy { single(String($0)) != nil } ? .several : .unreadable }
        guard let (file, line) = single(text) else { return .unreadable }
        return .row(file: file, line: line)
    }

    private static func single(_ text: String) -> (String, Int64)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let file = String(text[..<colon])
        guard !file.isEmpty, let line = Int64(text[text.index(after: colon)...]), line > 0 else { return nil }
        return (file, line)
    }

    /// A row without `backfill_row` corrects its participant's rejected rows at the same timestamp unless it is
    /// a held or failed participant's own row.
    static func correctsByTimestamp(_ mark: CorrectionMark) -> Bool {
        mark.row == nil && ![ExportState.held, .failed, .needsDocument].map(\.rawValue).contains(mark.state ?? "")
    }

    /// Which of the stored rows named by one `file:line` the correction replaces (see the type's comment).
    static func pick<Row>(_ rows: [Row], status: (Row) -> RowStatus, participantCode: (Row) -> String?,
                          for code: String?) -> Row? {
        let rejected = rows.filter { status($0) == .rejected }
        if let own = rejected.last(where: { code != nil && participantCode($0) == code }) { return own }
        return rejected.last ?? rows.last(where: { status($0) == .resolved })
    }
}

extension CorrectionMark {
    /// The mark of a JSONL line: its `backfill_row` and `backfill_state` strings.
    init(members: [(key: String, value: JSONValue)]) {
        var row: String?
        var state: String?
        for (key, value) in members {
            guard case .string(let s) = value else { continue }
            switch ReportColumn.name(key) {
            case ReportColumn.row: row = s
            case ReportColumn.state: state = s
            default: break
            }
        }
        self.init(row: row, state: state)
    }
}
