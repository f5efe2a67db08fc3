import GRDB

/// The fate of a stored input row (`input_row.status`).
public enum RowStatus: String, Sendable, CaseIterable, Codable, SQLWord, DatabaseValueConvertible {
    /// Folds into its participant's job.
    case accepted
    /// Holds its participant (when it has a usable participant_code) until a correction replaces it.
    case rejected
    /// A rejected row a correction replaced: kept for the audit trail, never folded again.
    case resolved
    /// A correction row that changed nothing (see `Correction.Verdict`): kept, never folded.
    case ignored
}
