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
        if format == .csv { try sink.write(CSVText.line(FailureRow.columns(extra: extra, redacted: redact)) + "\n") }
        var count = 0
        try FailureExport.forEachRow(db, collectingValues: redact, scope: scope) { row in
            let shown = redact ? row.redacted() : row
            let line = format == .csv ? shown.csvLine(extra: extra, redacted: redact) : shown.jsonLine(extra: extra, redacted: redact)
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
        try forEachUnusableRow(db, files: files, body)
    }

    private static let sensitiveColumns: [Field] = Field.allCases.filter(Redactor.isSensitive)

    /// Columns of the job query, by position (reading a `Row` by name costs a lookup per cell).
    private enum C {
        static let code = 0, state = 1, body = 2, platformUpdatedAt = 3, holdReasons = 4, emailConflict = 5,
                   email = 6, attempts = 7, lastAttemptAt = 8, lastStatus = 9, lastMessage = 10, requestID = 11,
                   reportClass = 12, fileID = 13, line = 14, rowStatus = 15, raw = 16, rowUpdatedAt = 17,
                   rejectCode = 18, rejectMessage = 19, step = 20, storedRaw = 21, norm = 22
    }

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
        // Only the rows that fold: a resolved or ignored row is history, not part of the job.
        let cursor = try Row.fetchCursor(db, sql: ReportJobs.sql(scope, """
            SELECT j.participant_code, j.state, j.body, j.platform_updated_at, j.hold_reasons, j.email_conflict,
                   j.email, j.attempts, j.last_attempt_at, j.last_status, j.last_message, j.request_id,
                   \(ReportErrorClass.sql) AS report_class,
                   r.file_id, r.line, r.status, CASE WHEN r.status = 'rejected' THEN \(ExactText.select("r.raw")) END, r.platform_updated_at,
                   r.reject_code, r.reject_message, j.step, \(redact ? "\(ExactText.select("r.raw")), r.norm" : "NULL, NULL")
            FROM report_job j
            LEFT JOIN input_row r ON r.participant_code = j.participant_code AND r.status IN ('accepted', 'rejected')
            ORDER BY j.participant_code, r.platform_updated_at, r.id
            """))
        var current: Participant?
        var code: String?
        func flush() throws {
            guard let p = current else { return }
            current = nil
            if let job = try jobRow(db, p) { try body(job) }
            for var row in p.rejected {
                row.knownValues = p.job.knownValues
                try body(row)
            }
        }
        while let r = try cursor.next() {
            let participant: String = r[C.code]
            if participant != code {
                try flush()
                code = participant
                current = try participantRow(r)
                try nameStep(db, r, &current!.job)
            }
            guard let fileID: Int64 = r[C.fileID] else { continue }
            let file = files[fileID]
            let source = "\(file?.name ?? "file \(fileID)"):\(r[C.line] as Int64)"
            current!.job.sources.append(source)
            if redact, let normalized = file?.stored.values(raw: r.exactText(C.storedRaw), norm: r[C.norm]) {
                for field in sensitiveColumns {
                    if let v = normalized[field.order] { current!.job.knownValues.append((field, v)) }
                }
            }
            guard (r[C.rowStatus] as String) == RowStatus.rejected.rawValue else { continue }
            var rejected = rejectedRow(source: source, raw: r.exactText(C.raw), file: file, message: r[C.rejectMessage] ?? r[C.rejectCode],
                                       participantCode: participant, platformUpdatedAt: r[C.rowUpdatedAt])
            if redact {
                for field in sensitiveColumns {
                    if let v = rejected.values[field.name] { current!.job.knownValues.append((field, FailureRow.text(v))) }
                }
            }
            rejected.participantCode = participant
            current!.rejected.append(rejected)
        }
        try flush()
    }

    /// History mode: a failed step's row says which step failed and which wait on it; a held one which step.
    private static func nameStep(_ db: Database, _ r: Row, _ row: inout FailureRow) throws {
        let step: Int = r[C.step]
        guard step > 0 else { return }
        let statement = try db.cachedStatement(sql: "SELECT max(step) FROM job WHERE participant_code = ? AND is_current = 1")
        let last = try Int.fetchOne(statement, arguments: [r[C.code] as String]) ?? step
        let at = (r[C.platformUpdatedAt] as Int64?).map { " (platform_updated_at \(ReportTime.iso8601($0)))" } ?? ""
        var text = "step \(step) of \(last)\(at)"
        if row.state == "failed" {
            if last > step { text += "; step\(last > step + 1 ? "s \(step + 1)-\(last) are" : " \(last) is") blocked until it succeeds" }
            row.message = row.message.isEmpty ? text : "\(text): \(row.message)"
        } else {
            row.stepNote = text
        }
    }

    /// A rejected input row as the person must fix it: its cells as read (or, once purged, what is left).
    private static func rejectedRow(source: String, raw: String?, file: ReportSourceFile?, message: String?,
                                    participantCode: String?, platformUpdatedAt: Int64?) -> FailureRow {
        var row = FailureRow(state: "rejected", errorClass: ReportErrorClass.validation, message: message ?? "")
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
    private static func participantRow(_ r: Row) throws -> Participant {
        let state: String = r[C.state]
        var row = FailureRow(state: state, errorClass: r[C.reportClass], httpStatus: r[C.lastStatus], message: "",
                             attempts: r[C.attempts], lastAttemptAt: r[C.lastAttemptAt], requestID: r[C.requestID])
        row.participantCode = r[C.code]
        row.values[WireKey.participantCode] = .string(r[C.code])
        if let ms: Int64 = r[C.platformUpdatedAt] { row.values[WireKey.platformUpdatedAt] = .string(ReportTime.iso8601(ms)) }
        if let body: [UInt8] = try r.withUnsafeData(atIndex: C.body, { $0.map { Array($0) } }),
           case .object(let members)? = try? JSONParser.parse(body) {
            for (key, value) in members where Field(name: key) != nil {
                if case .string(let s) = value, !s.isEmpty { row.values[key] = .string(s) }
            }
        }
        if state == "failed" { row.message = r[C.lastMessage] ?? "" }
        var holds: [HoldReason] = []
        if let json: String = r[C.holdReasons] {
            holds = try JSONDecoder().decode([HoldReason].self, from: Data(json.utf8))
        }
        return Participant(job: row, holds: holds, emailConflict: (r[C.emailConflict] as Int) == 1, email: r[C.email])
    }

    /// The participant's own row: always for a failed job; for a held one, when something other than its
    /// rejected rows holds it (each rejected row holds it with one reason, sourced at that row), with those
    /// reasons only. Nil when the rejected rows say it all.
    private static func jobRow(_ db: Database, _ p: Participant) throws -> FailureRow? {
        var row = p.job
        if row.state == "failed" { return row }
        let rejectedSources = Set(p.rejected.compactMap(\.rejectedRow))
        let other = p.holds.filter { !rejectedSources.contains($0.source) }
        guard !other.isEmpty || p.emailConflict || p.rejected.isEmpty else { return nil }
        var reasons = other.map { "\($0.source): \($0.message)" }
        if p.emailConflict {
            var others: [String] = []
            if let email = p.email {
                others = try String.fetchAll(db, sql: """
                    SELECT participant_code FROM job WHERE is_current = 1 AND email = ? AND participant_code != ?
                    ORDER BY participant_code LIMIT 10
                    """, arguments: [email, row.participantCode ?? ""])
            }
            let who = others.isEmpty ? "another participant" : others.joined(separator: ", ")
            reasons.append("the same folded email as \(who) (emails are unique per platform)")
        }
        if !p.rejected.isEmpty {
            // Its rejected rows follow with their own reasons; this row says what else holds it.
            row.errorClass = other.contains { !ReportErrorClass.isSegmentMessage($0.message) } ? ReportErrorClass.validation
                : other.isEmpty ? ReportErrorClass.duplicateEmail : ReportErrorClass.segment
        }
        row.message = (row.stepNote.map { ["\($0) held"] } ?? []).joined() + (row.stepNote == nil ? "" : ": ")
            + reasons.joined(separator: " | ")
        return row
    }

    private static func forEachUnusableRow(_ db: Database, files: [Int64: ReportSourceFile], _ body: (FailureRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT r.file_id, r.line, \(ExactText.select("r.raw")) AS raw, r.platform_updated_at, r.reject_code, r.reject_message, r.norm
            FROM input_row r WHERE r.status = 'rejected' AND r.participant_code IS NULL
            ORDER BY r.id
            """)
        while let r = try cursor.next() {
            let fileID: Int64 = r["file_id"]
            let file = files[fileID]
            let message: String? = r["reject_message"]
            let raw = r.exactText("raw")
            var row = rejectedRow(source: "\(file?.name ?? "file \(fileID)"):\(r["line"] as Int64)", raw: raw, file: file,
                                  message: message ?? r["reject_code"], participantCode: nil,
                                  platformUpdatedAt: r["platform_updated_at"])
            let normalized = file?.stored.values(raw: raw, norm: r["norm"]) ?? StoredFile.noValues
            if raw == nil || file == nil {
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
