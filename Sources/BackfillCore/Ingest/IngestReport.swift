import BackfillStore
import ParticipantAPI
/// What ingesting one file did.
public struct IngestReport: Sendable {
    public var path: String
    public var format: InputFormat
    /// The database's mode: in `history` mode the job counts are of steps.
    public var mode: IngestMode = .latest
    /// The database's contract: the fields read and the bodies made.
    public var contract: Contract = .default
    /// True when the same content was ingested before: nothing changed.
    public var unchanged = false
    public var rowsRead = 0
    public var rowsAccepted = 0
    public var rowsRejected = 0
    /// Rejections by reason code, with the count and up to three `file:line: message` examples.
    public var rejectionsByCode: [String: (count: Int, examples: [String])] = [:]
    /// Distinct participants the file's rows name.
    public var participants = 0
    public var jobsCreated = 0
    public var jobsUnchanged = 0
    public var jobsSuperseded = 0
    /// Under `zerohash`: participants whose only change is their ID; they get no job (the ID change is listed as
    /// needing a supporting document) and are not counted as unchanged.
    public var idOnly = 0
    /// Participants of this file whose current job is held.
    public var held = 0
    /// What the rows of a failures report fed back did (see `Correction`); nil for a plain file.
    public var corrections: CorrectionCounts?
    /// Wall time of each phase, in order: read+store rows, fold, index, email check.
    public var phaseSeconds: [(phase: String, seconds: Double)] = []
    /// Notes about the columns, reported once.
    public var notes: [String] = []

    public init(path: String, format: InputFormat) {
        self.path = path
        self.format = format
    }

    mutating func countRejection(code: String, example: @autoclosure () -> String) {
        var entry = rejectionsByCode[code] ?? (0, [])
        entry.count += 1
        if entry.examples.count < 3 { entry.examples.append(example()) }
        rejectionsByCode[code] = entry
    }
}

/// What the rows of one failures report fed back to ingest did to the rows they correct.
public struct CorrectionCounts: Sendable, Equatable {
    /// Accepted corrections: each replaced a rejected row, which no longer holds its participant.
    public var applied = 0
    /// Corrections after which their participant is still held by the row they name or by themselves: rejected
    /// again, or left as they were.
    public var stillRejected = 0
    /// Corrections of rows an earlier correction already replaced: ignored.
    public var alreadyReplaced = 0
    /// Rows that named a row but were read as new rows (no such rejected row here, another participant's row).
    public var unmatched = 0

    public init(applied: Int = 0, stillRejected: Int = 0, alreadyReplaced: Int = 0, unmatched: Int = 0) {
        self.applied = applied
        self.stillRejected = stillRejected
        self.alreadyReplaced = alreadyReplaced
        self.unmatched = unmatched
    }
}
