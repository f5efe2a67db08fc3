import BackfillStore
import Foundation
import GRDB
import ParticipantAPI

/// The failures export's file format.
public enum FailureFormat: String, Sendable, CaseIterable {
    case csv
    case jsonl
}

/// `backfill report --failures`: one row per rejected input row (its cells as read: the cells a person must fix),
/// and one per participant whose current job failed or is held for another reason (segment, duplicate email,
/// an API refusal), with its folded values. A participant held only by rejected rows appears through them.
/// Participants come in code order, each job row before its rejected rows; rejected rows with no usable
/// participant come last, in input order. Streams through SQLite cursors: memory stays flat however many rows.
///
/// ```swift
/// let sink = try ReportSink(path: "failures.csv")
/// let count = try queue.read { try FailureExport(format: .csv, redact: false).write($0, to: sink) }
/// try sink.close()
/// ```
public struct FailureExport: Sendable {
    public var format: FailureFormat
    public var redact: Bool

    public init(format: FailureFormat = .csv, redact: Bool = false) {
        self.format = format
        self.redact = redact
    }

    /// Writes the export (a header line first for CSV); returns the number of rows. A redacted export carries
    /// a `backfill_redacted` column, which makes ingest refuse it.
    /// - Parameter scope: the target whose failures are listed; nil: the latest run's.
    public func write(_ db: Database, to sink: ReportSink, scope: TargetScope? = nil) throws -> Int {
        let extra = try FailureExport.extraColumns(db)
        let contract = try FailureReads.contract(db)
        if format == .csv { try sink.write(CSVText.line(FailureRow.columns(extra: extra, redacted: redact, contract: contract)) + "\n") }
        var count = 0
        try FailureExport.forEachRow(db, collectingValues: redact, scope: scope) { row in
            let shown = redact ? row.redacted() : row
            let line = format == .csv ? shown.csvLine(extra: extra, redacted: redact, contract: contract)
                : shown.jsonLine(extra: extra, redacted: redact, contract: contract)
            try sink.write(line + "\n")
            count += 1
        }
        return count
    }

    /// The non-updatable and unknown columns that the export's rejected rows can fill: those of every file
    /// that still has a rejected row.
    public static func extraColumns(_ db: Database) throws -> [String] {
        RawValues.extraColumns(try ReportSourceFile.all(db))
    }

    /// Every row of the export, unredacted, in the order described on the type.
    /// - Parameter collectingValues: gather each participant's values from all of its input rows, so that
    ///   `FailureRow.redacted()` finds them in messages (costs time; only `--redact` needs it).
    ///   - scope: the target whose failed jobs are listed (held jobs and rejected rows are the same on every
    ///     target); nil: the latest run's.
    public static func forEachRow(_ db: Database, collectingValues: Bool = true, scope: TargetScope? = nil,
                                  _ body: (FailureRow) throws -> Void) throws {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let files = try ReportSourceFile.all(db)
        try forEachJob(db, files: files, redact: collectingValues, scope: scope, body)
        try forEachDocumentNeed(db, body)
        try forEachUnusableRow(db, files: files, body)
    }

    private static let sensitiveColumns: [Field] = Field.allCases.filter(Redactor.isSensitive)

    /// One participant while its rows stream by.
    private struct Participant {
        var job: FailureRow
        var holds: [HoldReason]
        var emailConflict: Bool
        var email: String?
        var rejected: [FailureRow] = []
    }

    private static func forEachJob(_ db: Database, files: [Int64: ReportSourceFile], redact: Bool, scope: TargetScope,
                                   _ body: (FailureRow) throws -> Void) throws {
        var current: Participant?
        func flush() throws {
            guard let p = current else { return }
            current = nil
            if let job = try jobRow(db, p) { try body(job) }
            for var row in p.rejected {
                row.knownValues = p.job.knownValues
                try body(row)
            }
        }
        try FailureReads.forEachJobRow(db, scope: scope, withValues: redact) { job, input in
            if job.participantCode != current?.job.participantCode {
                try flush()
                current = participantRow(job)
                try nameStep(db, job, &current!.job)
            }
            guard let input else { return }
            let file = files[input.fileID]
            let source = "\(file?.name ?? "file \(input.fileID)"):\(input.line)"
            current!.job.sources.append(source)
            if redact, let normalized = file?.stored.values(raw: input.raw, norm: input.norm) {
                for field in sensitiveColumns {
                    if let v = normalized[field.order] { current!.job.knownValues.append((field, v)) }
                }
            }
            guard input.status == .rejected else { return }
            var rejected = rejectedRow(source: source, raw: input.raw, file: file, message: input.rejectMessage ?? input.rejectCode,
                                       participantCode: job.participantCode, platformUpdatedAt: input.platformUpdatedAt)
            if redact {
                for field in sensitiveColumns {
                    if let v = rejected.values[field.name] { current!.job.knownValues.append((field, FailureRow.text(v))) }
                }
            }
            rejected.participantCode = job.participantCode
            current!.rejected.append(rejected)
        }
        try flush()
    }

    /// History mode: a failed step's row says which step failed and which wait on it; a held one which step.
    private static func nameStep(_ db: Database, _ job: ReportJob, _ row: inout FailureRow) throws {
        let step = job.step
        guard step > 0 else { return }
        let last = try FailureReads.lastStep(db, participantCode: job.participantCode) ?? step
        let at = job.platformUpdatedAt.map { " (platform_updated_at \(ReportTime.iso8601($0)))" } ?? ""
        var text = "step \(step) of \(last)\(at)"
        if job.state == .failed {
            if last > step { text += "; step\(last > step + 1 ? "s \(step + 1)-\(last) are" : " \(last) is") blocked until it succeeds" }
            row.message = row.message.isEmpty ? text : "\(text): \(row.message)"
        } else {
            row.stepNote = text
        }
    }

    /// A rejected input row as the person must fix it: its cells as read (or, once purged, what is left).
    private static func rejectedRow(source: String, raw: String?, file: ReportSourceFile?, message: String?,
                                    participantCode: String?, platformUpdatedAt: Int64?) -> FailureRow {
        var row = FailureRow(state: .rejected, errorClass: HoldClass.validation.rawValue, message: message ?? "")
        row.rejectedRow = source
        row.sources = [source]
        if let raw, let file {
            row.values = RawValues.read(raw, file: file)
        } else {
            if let participantCode { row.values[WireKey.participantCode] = .string(participantCode) }
            if let ms = platformUpdatedAt { row.values[WireKey.platformUpdatedAt] = .string(ReportTime.iso8601(ms)) }
        }
        return row
    }

    /// A failed or held participant: folded values from the body and the outcome columns.
    private static func participantRow(_ job: ReportJob) -> Participant {
        var row = FailureRow(state: job.state == .failed ? .failed : .held, errorClass: job.reportClass.rawValue, httpStatus: job.lastStatus, message: "",
                             attempts: job.attempts, lastAttemptAt: job.lastAttemptAt, requestID: job.requestID)
        row.participantCode = job.participantCode
        row.values[WireKey.participantCode] = .string(job.participantCode)
        if let ms = job.platformUpdatedAt { row.values[WireKey.platformUpdatedAt] = .string(ReportTime.iso8601(ms)) }
        if let body = job.body, case .object(let members)? = try? JSONParser.parse(body) {
            for (key, value) in members where Field(name: key) != nil {
                if case .string(let s) = value, !s.isEmpty { row.values[key] = .string(s) }
            }
        }
        if job.state == .failed { row.message = job.lastMessage ?? "" }
        return Participant(job: row, holds: job.holdReasons, emailConflict: job.emailConflict, email: job.email)
    }

    /// The participant's own row: always for a failed job; for a held one, when something other than its
    /// rejected rows holds it (each rejected row holds it with one reason, sourced at that row), with those
    /// reasons only. Nil when the rejected rows say it all.
    private static func jobRow(_ db: Database, _ p: Participant) throws -> FailureRow? {
        var row = p.job
        if row.state == .failed { return row }
        let rejectedSources = Set(p.rejected.compactMap(\.rejectedRow))
        let other = p.holds.filter { !rejectedSources.contains($0.source) }
        guard !other.isEmpty || p.emailConflict || p.rejected.isEmpty else { return nil }
        var reasons = other.map { $0.source.isEmpty ? $0.message : "\($0.source): \($0.message)" }
        if p.emailConflict {
            var others: [String] = []
            if let email = p.email {
                others = try FailureReads.othersWithEmail(db, email, except: row.participantCode ?? "")
            }
            let who = others.isEmpty ? "another participant" : others.joined(separator: ", ")
            reasons.append("the same folded email as \(who) (emails are unique per platform)")
        }
        if !p.rejected.isEmpty {
            // Its rejected rows follow with their own reasons; this row says what else holds it.
            let holdClass: HoldClass = other.contains { $0.kind.holdClass == .validation } ? .validation
                : other.isEmpty ? .duplicateEmail
                : other.allSatisfy { $0.kind == .emailCycle } ? .emailCycle : .segment
            row.errorClass = holdClass.rawValue
        }
        row.message = (row.stepNote.map { ["\($0) held"] } ?? []).joined() + (row.stepNote == nil ? "" : ": ")
            + reasons.joined(separator: " | ")
        return row
    }

    /// Under `zerohash`: each participant's ID change that is not sent, by participant code.
    private static func forEachDocumentNeed(_ db: Database, _ body: (FailureRow) throws -> Void) throws {
        try DocumentNeedReads.forEach(db) { need in
            var row = FailureRow(state: .needsDocument, errorClass: ExportState.needsDocument.rawValue,
                                 message: DocumentNeed.what + (need.problem.map { "; the ID change is incomplete: \($0)" } ?? ""))
            row.participantCode = need.participantCode
            row.values[WireKey.participantCode] = .string(need.participantCode)
            row.values[WireKey.platformUpdatedAt] = .string(ReportTime.iso8601(need.platformUpdatedAt))
            if let type = need.idNumberType { row.values[Field.idNumberType.name] = .string(type) }
            row.sources = need.sources
            try body(row)
        }
    }

    private static func forEachUnusableRow(_ db: Database, files: [Int64: ReportSourceFile], _ body: (FailureRow) throws -> Void) throws {
        try FailureReads.forEachUnusableRow(db) { r in
            let file = files[r.fileID]
            var row = rejectedRow(source: "\(file?.name ?? "file \(r.fileID)"):\(r.line)", raw: r.raw, file: file,
                                  message: r.rejectMessage ?? r.rejectCode, participantCode: nil, platformUpdatedAt: r.platformUpdatedAt)
            let normalized = file?.stored.values(raw: r.raw, norm: r.norm) ?? StoredFile.noValues
            if r.raw == nil || file == nil {
                // Purged (or unknown file): whatever normalized values are left.
                for field in Field.allCases { if let v = normalized[field.order] { row.values[field.name] = .string(v) } }
            }
            for field in sensitiveColumns {
                if let v = normalized[field.order] { row.knownValues.append((field, v)) }
            }
            try body(row)
        }
    }
}
