import Foundation
import GRDB
import ParticipantAPI

/// The failures export's file format.
public enum FailureFormat: String, Sendable, CaseIterable {
    case csv
    case jsonl
}

/// `backfill report --failures`: one row per current job that failed or is held, then one per rejected input
/// row with no usable participant. Streams through SQLite cursors: memory stays flat however many rows.
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

    /// Writes the export (a header line first for CSV); returns the number of rows.
    public func write(_ db: Database, to sink: ReportSink) throws -> Int {
        if format == .csv { try sink.write(CSVText.line(FailureRow.columns) + "\n") }
        var count = 0
        try FailureExport.forEachRow(db, collectingValues: redact) { row in
            let shown = redact ? row.redacted() : row
            try sink.write((format == .csv ? shown.csvLine() : shown.jsonLine()) + "\n")
            count += 1
        }
        return count
    }

    /// Every row of the export, unredacted: jobs by participant code, then rejected rows in input order.
    /// - Parameter collectingValues: gather each participant's values from all of its input rows, so that
    ///   `FailureRow.redacted()` finds them in messages (costs time; only `--redact` needs it).
    public static func forEachRow(_ db: Database, collectingValues: Bool = true, _ body: (FailureRow) throws -> Void) throws {
        let files = try ReportSourceFile.all(db)
        try forEachJob(db, files: files, redact: collectingValues, body)
        try forEachUnusableRow(db, files: files, body)
    }

    private static let sensitiveColumns: [Field] = Field.allCases.filter(Redactor.isSensitive)

    /// Columns of the job query, by position (reading a `Row` by name costs a lookup per cell).
    private enum C {
        static let code = 0, state = 1, body = 2, platformUpdatedAt = 3, holdReasons = 4, emailConflict = 5,
                   email = 6, attempts = 7, lastAttemptAt = 8, lastStatus = 9, lastMessage = 10, requestID = 11,
                   reportClass = 12, fileID = 13, line = 14, rowStatus = 15, raw = 16, sensitive = 17
    }

    private static func forEachJob(_ db: Database, files: [Int64: ReportSourceFile], redact: Bool,
                                   _ body: (FailureRow) throws -> Void) throws {
        let rowColumns = sensitiveColumns.map { "r.\($0.name)" }.joined(separator: ", ")
        // Many failures: walk the jobs in participant order through the unique index, so SQLite needs no sort
        // (input rows come in fold order from input_row_fold). Few: find them through the state index and sort.
        let many = try Int.fetchOne(db, sql: "SELECT count(*) FROM job WHERE is_current = 1 AND state IN ('failed', 'held')") ?? 0
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT j.participant_code, j.state, j.body, j.platform_updated_at, j.hold_reasons, j.email_conflict,
                   j.email, j.attempts, j.last_attempt_at, j.last_status, j.last_message, j.request_id,
                   \(ReportErrorClass.sql) AS report_class,
                   r.file_id, r.line, r.status, CASE WHEN r.status = 'rejected' THEN r.raw END, \(rowColumns)
            FROM job j \(many > 50_000 ? "INDEXED BY job_current" : "")
            LEFT JOIN input_row r ON r.participant_code = j.participant_code
            WHERE j.is_current = 1 AND j.state IN ('failed', 'held')
            ORDER BY j.participant_code, r.platform_updated_at, r.id
            """)
        var current: FailureRow?
        var code: String?
        var bodyMissing = false
        var lastRejected: [String: JSONValue]?
        func flush() throws {
            guard var row = current else { return }
            if bodyMissing, let raw = lastRejected {
                // Nothing folds (every row was rejected): show the latest rejected row as it was read.
                row.values = raw
                row.values[WireKey.participantCode] = .string(code!)
            }
            try body(row)
            current = nil
            lastRejected = nil
        }
        while let r = try cursor.next() {
            let participant: String = r[C.code]
            if participant != code {
                try flush()
                code = participant
                current = try jobRow(db, r)
                bodyMissing = r.hasNull(atIndex: C.body)
            }
            guard let fileID: Int64 = r[C.fileID] else { continue }
            let file = files[fileID]
            current!.sources.append("\(file?.name ?? "file \(fileID)"):\(r[C.line] as Int64)")
            if redact {
                for (i, field) in sensitiveColumns.enumerated() {
                    if let v: String = r[C.sensitive + i] { current!.knownValues.append((field, v)) }
                }
            }
            if let raw: String = r[C.raw], let file {
                let values = RawValues.read(raw, file: file)
                lastRejected = values
                for field in sensitiveColumns {
                    if let v = values[field.name] { current!.knownValues.append((field, FailureRow.text(v))) }
                }
            }
        }
        try flush()
    }

    /// The job part of a row: folded values from the body, outcome columns, and the message.
    private static func jobRow(_ db: Database, _ r: Row) throws -> FailureRow {
        let state: String = r[C.state]
        var row = FailureRow(state: state, errorClass: r[C.reportClass], httpStatus: r[C.lastStatus], message: "",
                             attempts: r[C.attempts], lastAttemptAt: r[C.lastAttemptAt], requestID: r[C.requestID])
        row.values[WireKey.participantCode] = .string(r[C.code])
        if let ms: Int64 = r[C.platformUpdatedAt] { row.values[WireKey.platformUpdatedAt] = .string(ReportTime.iso8601(ms)) }
        if let body: [UInt8] = try r.withUnsafeData(atIndex: C.body, { $0.map { Array($0) } }),
           case .object(let members)? = try? JSONParser.parse(body) {
            for (key, value) in members where Field(name: key) != nil {
                if case .string(let s) = value, !s.isEmpty { row.values[key] = .string(s) }
            }
        }
        if state == "failed" {
            row.message = r[C.lastMessage] ?? ""
            return row
        }
        var reasons: [String] = []
        if let holds: String = r[C.holdReasons] {
            let decoded = try JSONDecoder().decode([Fold.HoldReason].self, from: Data(holds.utf8))
            reasons = decoded.map { "\($0.source): \($0.message)" }
        }
        if (r[C.emailConflict] as Int) == 1 {
            var others: [String] = []
            if let email: String = r[C.email] {
                others = try String.fetchAll(db, sql: """
                    SELECT participant_code FROM job WHERE is_current = 1 AND email = ? AND participant_code != ?
                    ORDER BY participant_code LIMIT 10
                    """, arguments: [email, r[C.code] as String])
            }
            let who = others.isEmpty ? "another participant" : others.joined(separator: ", ")
            reasons.append("the same folded email as \(who) (emails are unique per platform)")
        }
        row.message = reasons.joined(separator: " | ")
        return row
    }

    private static func forEachUnusableRow(_ db: Database, files: [Int64: ReportSourceFile], _ body: (FailureRow) throws -> Void) throws {
        let columns = Field.allCases.map { "r.\($0.name)" }.joined(separator: ", ")
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT r.file_id, r.line, r.raw, r.platform_updated_at, r.reject_code, r.reject_message, \(columns)
            FROM input_row r WHERE r.status = 'rejected' AND r.participant_code IS NULL
            ORDER BY r.id
            """)
        while let r = try cursor.next() {
            let fileID: Int64 = r["file_id"]
            let file = files[fileID]
            let message: String? = r["reject_message"]
            var row = FailureRow(state: "rejected", errorClass: ReportErrorClass.validation,
                                 message: message ?? r["reject_code"] ?? "")
            row.sources = ["\(file?.name ?? "file \(fileID)"):\(r["line"] as Int64)"]
            if let raw: String = r["raw"], let file {
                row.values = RawValues.read(raw, file: file)
            } else {
                // Purged (or unknown file): whatever normalized values are left.
                for field in Field.allCases { if let v: String = r[field.name] { row.values[field.name] = .string(v) } }
                if let ms: Int64 = r["platform_updated_at"] { row.values[WireKey.platformUpdatedAt] = .string(ReportTime.iso8601(ms)) }
            }
            for field in sensitiveColumns {
                if let v: String = r[field.name] { row.knownValues.append((field, v)) }
            }
            try body(row)
        }
    }
}
