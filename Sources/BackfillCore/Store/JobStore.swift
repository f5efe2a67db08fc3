import Foundation
import GRDB
import ParticipantAPI

/// Ingest's writes: source files, input rows, and the fold into jobs. Lives inside one transaction.
struct JobStore {
    private let db: Database
    private let insertRowStatement: FastStatement

    init(_ db: Database) throws {
        self.db = db
        insertRowStatement = try FastStatement(db, sql: """
            INSERT INTO input_row (file_id, line, participant_code, platform_updated_at, status, raw, norm,
                                   reject_code, reject_column, reject_message)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    func insertFile(path: String, format: InputFormat, now: Int64) throws -> Int64 {
        // A placeholder digest until the whole file is read (the unique index wants a value).
        try db.execute(sql: "INSERT INTO source_file (path, format, sha256, ingested_at) VALUES (?, ?, ?, ?)",
                       arguments: [path, format.rawValue, "reading:\(UUID().uuidString)", now])
        return db.lastInsertedRowID
    }

    /// Stores the row: its record as read and, of its normalized values, only what differs from its cells.
    func insertRow(_ row: InputRow, fileID: Int64) throws -> Int64 {
        let s = insertRowStatement
        s.bind(1, fileID)
        s.bind(2, Int64(row.line))
        s.bind(3, row.participantCode)
        s.bind(4, row.platformUpdatedAt)
        s.bind(6, row.raw)
        s.bind(7, row.norm)
        if let first = row.problems.first {
            s.bind(5, RowStatus.rejected.rawValue)
            s.bind(8, first.code)
            s.bind(9, first.column)
            s.bind(10, row.problems.map(\.message).joined(separator: "; "))
        } else {
            s.bind(5, RowStatus.accepted.rawValue)
            s.bind(8, nil as String?)
            s.bind(9, nil as String?)
            s.bind(10, nil as String?)
        }
        try s.execute()
        return db.lastInsertedRowID
    }

    /// Rows already stored.
    func rowCount() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM input_row") ?? 0
    }

    /// A bulk load: drops the fold index (random inserts into it are what makes a big load slow) and returns
    /// its SQL, taken from the schema the migrations made, for `rebuildIndex`. Same transaction: a rollback
    /// brings the index back.
    func dropFoldIndex() throws -> String? {
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'input_row_fold'") else {
            return nil
        }
        try db.execute(sql: "DROP INDEX input_row_fold")
        return sql
    }

    /// Builds the index again in one sorted pass.
    func rebuildIndex(_ sql: String) throws {
        try db.execute(sql: sql)
    }

    /// The path of an earlier file with this content, if any.
    func fileWithDigest(_ digest: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT path FROM source_file WHERE sha256 = ?", arguments: [digest])
    }

    /// Records what was read: the digest, the header, what each column was read as, the counts and the rows.
    func finishFile(_ id: Int64, digest: String, header: [String]?, columns: SourceColumns, report: IngestReport,
                    rowRange: ClosedRange<Int64>?) throws {
        let headerJSON = header.map { cells -> String in
            var out: [UInt8] = []
            JSONWriter.write(.array(cells.map { .string($0) }), into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        try db.execute(sql: """
            UPDATE source_file SET sha256 = ?, header = ?, columns = ?, rows_read = ?, rows_accepted = ?,
                                   rows_rejected = ?, first_row_id = ?, last_row_id = ?
            WHERE id = ?
            """, arguments: [digest, headerJSON, columns.storedJSON, report.rowsRead, report.rowsAccepted,
                             report.rowsRejected, rowRange?.lowerBound, rowRange?.upperBound, id])
    }

    /// Participants per batch handed to the fold's thread.
    private static let foldBatch = 256

    /// A participant's stored rows in fold order, as the database thread reads them.
    private struct StoredParticipant {
        struct Row {
            var fileID: Int64
            var line: Int64
            var platformUpdatedAt: Int64?
            var rejection: String?
            var raw: String?
            var norm: [UInt8]?
        }
        var code: String
        var rows: [Row]
    }

    /// What the fold's thread made of a participant: latest mode's fold, or history mode's steps (with the
    /// decoded rows, for the corrective fold `HistoryWriter` may ask for).
    private struct FoldedParticipant {
        var code: String
        var rows: [Fold.Row]
        var latest: Fold.Result?
        var steps: HistorySteps.Result?
    }

    struct FoldCounts {
        var participants = 0
        var created = 0
        var unchanged = 0
        var superseded = 0
    }

    /// Folds again every participant named by the rows in `rowRange`, with all of their accepted and rejected
    /// rows in the database (a `resolved` or `ignored` row is never folded), streaming in participant order
    /// (SQLite sorts; no participant set is held in memory).
    /// In history mode each participant's rows become its steps (`HistorySteps`, written by `HistoryWriter`);
    /// the counts are then of steps.
    func refold(rowRange: ClosedRange<Int64>, fold: Fold, mode: IngestMode = .latest, now: Int64) throws -> FoldCounts {
        try refold(.rows(rowRange), fold: fold, mode: mode, now: now)
    }

    /// Which participants a refold reads.
    enum FoldSelection {
        /// Those named by the rows in this range.
        case rows(ClosedRange<Int64>)
        /// Those listed in `refold_pending` (`0009_exact_bytes`).
        case pending
    }

    /// Participants whose jobs an earlier release folded from values it should have stored in NFC
    /// (`0009_exact_bytes`): folded again by the next ingest.
    func pendingRefoldCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM refold_pending") ?? 0
    }

    func clearPendingRefold() throws {
        try db.execute(sql: "DELETE FROM refold_pending")
    }

    func refold(_ selection: FoldSelection, fold: Fold, mode: IngestMode = .latest, now: Int64) throws -> FoldCounts {
        let rowRange: ClosedRange<Int64>
        let filter: String
        switch selection {
        case .rows(let range):
            rowRange = range
            // Into an empty database every stored row is this file's: no need to pick the participants it names.
            filter = range.lowerBound == 1
                ? "r.participant_code IS NOT NULL AND ?1 <= ?2"
                : "r.participant_code IN (SELECT participant_code FROM input_row WHERE id BETWEEN ?1 AND ?2 AND participant_code IS NOT NULL)"
        case .pending:
            rowRange = 0...0
            filter = "r.participant_code IN (SELECT participant_code FROM refold_pending) AND ?1 <= ?2"
        }
        let query = try FastStatement(db, sql: """
            SELECT r.participant_code, r.platform_updated_at, r.file_id, r.line,
                   CASE WHEN r.status = 'rejected' THEN r.reject_message END, r.raw, r.norm
            FROM input_row r
            WHERE \(filter) AND r.status IN ('\(RowStatus.accepted.rawValue)', '\(RowStatus.rejected.rawValue)')
            ORDER BY r.participant_code, r.platform_updated_at, r.id
            """)
        query.bind(1, rowRange.lowerBound)
        query.bind(2, rowRange.upperBound)
        defer { query.reset() }
        let files = try StoredFile.all(db)
        let noJobsYet = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM job)") ?? false
        // Into an empty job table, the job indexes are built once at the end, in sorted passes, instead of being
        // updated row by row (same transaction: a rollback brings them back).
        let jobIndexes = noJobsYet
            ? try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'job' AND sql IS NOT NULL")
            : []
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'job' AND sql IS NOT NULL")
        where noJobsYet {
            try db.execute(sql: "DROP INDEX \(name)")
        }
        let writer = try JobWriter(db, now: now, noJobsYet: noJobsYet)
        let historyWriter = try HistoryWriter(db, now: now, noJobsYet: noJobsYet)
        let history = HistorySteps(rules: fold.rules)
        var counts = FoldCounts()

        // The database thread reads the sorted rows and writes jobs; decoding the rows, folding and making the
        // bodies and request_ids runs on two more threads (`WorkerStage`), a batch of participants at a time.
        let stage = WorkerStage<StoredParticipant, FoldedParticipant>(workers: 2) { p in
            let rows = p.rows.map { r -> Fold.Row in
                let file = files[r.fileID]
                let values = file?.values(raw: r.raw, norm: r.norm) ?? StoredFile.noValues
                return Fold.Row(file: file?.name ?? "file \(r.fileID)", line: r.line, platformUpdatedAt: r.platformUpdatedAt,
                                values: values, rejection: r.rejection)
            }
            return mode == .history
                ? FoldedParticipant(code: p.code, rows: rows, latest: nil, steps: history.build(participantCode: p.code, rows: rows))
                : FoldedParticipant(code: p.code, rows: [], latest: fold.fold(participantCode: p.code, rows: rows), steps: nil)
        }
        var finished = false
        defer { if !finished { stage.cancel() } }

        func write(_ batch: [FoldedParticipant]) throws {
            for p in batch {
                counts.participants += 1
                if let steps = p.steps {
                    let written = try historyWriter.write(steps) { fold.fold(participantCode: p.code, rows: p.rows) }
                    counts.created += written.created
                    counts.unchanged += written.unchanged
                    counts.superseded += written.superseded
                } else if let latest = p.latest {
                    switch try writer.write(latest) {
                    case .created: counts.created += 1
                    case .unchanged: counts.unchanged += 1
                    case .replaced: counts.created += 1; counts.superseded += 1
                    }
                }
            }
        }

        var batch: [StoredParticipant] = []
        batch.reserveCapacity(Self.foldBatch)
        var current: StoredParticipant?
        while try query.step() {
            let code = query.string(0)!
            if code != current?.code {
                if let done = current {
                    batch.append(done)
                    if batch.count == Self.foldBatch {
                        try stage.submit(batch, write: write)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                current = StoredParticipant(code: code, rows: [])
            }
            current!.rows.append(StoredParticipant.Row(
                fileID: query.int64(2)!, line: query.int64(3)!, platformUpdatedAt: query.int64(1),
                rejection: query.string(4), raw: query.string(5), norm: query.blob(6)))
        }
        if let done = current { batch.append(done) }
        try stage.submit(batch, write: write)
        try stage.finish(write: write)
        finished = true
        for sql in jobIndexes { try db.execute(sql: sql) }
        return counts
    }

    /// Holds every unsent current job whose folded email another participant also has, and releases jobs
    /// whose conflict is gone (unless the fold holds them).
    func applyEmailUniqueness(mode: IngestMode = .latest, now: Int64) throws {
        if mode == .history { return try applyEmailUniquenessOnTimeline(now: now) }
        let dup = "SELECT email FROM job WHERE is_current = 1 AND email IS NOT NULL GROUP BY email HAVING count(*) > 1"
        try db.execute(sql: """
            UPDATE job SET email_conflict = 1, state = 'held', updated_at = ?1
            WHERE is_current = 1 AND state IN ('pending', 'held') AND email_conflict = 0 AND email IN (\(dup))
            """, arguments: [now])
        try db.execute(sql: """
            UPDATE job SET email_conflict = 0, updated_at = ?1,
                           state = CASE WHEN hold_reasons IS NULL AND state = 'held' THEN 'pending' ELSE state END
            WHERE is_current = 1 AND email_conflict = 1 AND email NOT IN (\(dup))
            """, arguments: [now])
    }

    /// History mode: each step holds the participant's email from its instant until the next step's. Two
    /// participants conflict when one email is theirs at the same instant; every current step of both is held
    /// (unless sent: a sent state wins), and participants whose conflict is gone are released.
    private func applyEmailUniquenessOnTimeline(now: Int64) throws {
        try db.execute(sql: "CREATE TEMP TABLE email_clash (code TEXT PRIMARY KEY) WITHOUT ROWID")
        defer { try? db.execute(sql: "DROP TABLE temp.email_clash") }
        try db.execute(sql: """
            WITH shared AS (
                SELECT email FROM job WHERE is_current = 1 AND email IS NOT NULL
                GROUP BY email HAVING count(DISTINCT participant_code) > 1),
            iv AS (
                SELECT participant_code, email, coalesce(platform_updated_at, 0) AS from_t,
                       coalesce(lead(platform_updated_at) OVER (PARTITION BY participant_code ORDER BY step),
                                9223372036854775807) AS to_t
                FROM job
                WHERE is_current = 1
                  AND participant_code IN (SELECT participant_code FROM job WHERE is_current = 1 AND email IN shared))
            INSERT OR IGNORE INTO email_clash
            SELECT a.participant_code FROM iv a JOIN iv b
              ON b.email = a.email AND b.participant_code != a.participant_code AND a.from_t < b.to_t AND b.from_t < a.to_t
            WHERE a.email IS NOT NULL
            """)
        try db.execute(sql: """
            UPDATE job SET email_conflict = 1, state = 'held', updated_at = ?1
            WHERE is_current = 1 AND state IN ('pending', 'held') AND email_conflict = 0
              AND participant_code IN (SELECT code FROM email_clash)
            """, arguments: [now])
        try db.execute(sql: """
            UPDATE job SET email_conflict = 0, updated_at = ?1,
                           state = CASE WHEN hold_reasons IS NULL AND state = 'held' THEN 'pending' ELSE state END
            WHERE is_current = 1 AND email_conflict = 1 AND participant_code NOT IN (SELECT code FROM email_clash)
            """, arguments: [now])
    }

    /// A stored input row as a correction sees it.
    struct StoredRow {
        var id: Int64
        var fileID: Int64
        var line: Int64
        var participantCode: String?
        var platformUpdatedAt: Int64?
        var status: RowStatus
        var rejectCode: String?
        var rejectMessage: String?
        /// Nil once purged.
        var raw: String?
    }

    private static let storedRowColumns = """
        id, file_id, line, participant_code, platform_updated_at, status, reject_code, reject_message, CAST(raw AS BLOB)
        """

    private static func storedRow(_ row: Row) -> StoredRow {
        StoredRow(id: row[0], fileID: row[1], line: row[2], participantCode: row[3], platformUpdatedAt: row[4],
                  status: row[5], rejectCode: row[6], rejectMessage: row[7], raw: row.exactText(8))
    }

    // A correction file makes these lookups once per row: the statements are prepared once (`cachedStatement`).

    func storedRow(id: Int64) throws -> StoredRow? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.storedRowColumns) FROM input_row WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(Self.storedRow)
    }

    /// The rejected and resolved rows at `line` of these files, in storage order (through `input_row_correctable`).
    func correctableRows(fileIDs: [Int64], line: Int64) throws -> [StoredRow] {
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.storedRowColumns) FROM input_row
            WHERE file_id = ? AND line = ? AND status != 'accepted' AND status IN (?, ?)
            """)
        return try fileIDs.sorted().flatMap { fileID in
            try Row.fetchAll(statement, arguments: [fileID, line, RowStatus.rejected, RowStatus.resolved]).map(Self.storedRow)
        }
    }

    /// The participant's rejected rows at `platformUpdatedAt` stored before row `beforeID` (through the fold index).
    func rejectedRows(participantCode: String, platformUpdatedAt: Int64, before beforeID: Int64) throws -> [StoredRow] {
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.storedRowColumns) FROM input_row
            WHERE participant_code = ? AND platform_updated_at = ? AND status = ? AND id < ?
            ORDER BY id
            """)
        return try Row.fetchAll(statement, arguments: [participantCode, platformUpdatedAt, RowStatus.rejected, beforeID])
            .map(Self.storedRow)
    }

    /// Ids and display names (`file` of `file:line`) of the stored files.
    func fileNames() throws -> [(id: Int64, name: String)] {
        try Row.fetchAll(db, sql: "SELECT id, path FROM source_file ORDER BY id").map { ($0["id"], inputDisplayName($0["path"])) }
    }

    /// What the columns of a stored file were read as.
    func sourceColumns(fileID: Int64) throws -> SourceColumns? {
        try Row.fetchOne(db, sql: "SELECT format, header, columns FROM source_file WHERE id = ?", arguments: [fileID]).map {
            SourceColumns(format: InputFormat(rawValue: $0["format"]) ?? .csv, headerJSON: $0["header"], columnsJSON: $0["columns"])
        }
    }

    /// Sets the fate of these rows (a correction replaced them, or changed nothing).
    func setStatus(_ status: RowStatus, rowIDs: [Int64]) throws {
        let statement = try db.cachedStatement(sql: "UPDATE input_row SET status = ? WHERE id = ?")
        for id in rowIDs { try statement.execute(arguments: [status, id]) }
    }

    /// Distinct participants named by the rows in `rowRange`.
    func participantCount(rowRange: ClosedRange<Int64>) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(DISTINCT participant_code) FROM input_row WHERE id BETWEEN ? AND ?",
                         arguments: [rowRange.lowerBound, rowRange.upperBound]) ?? 0
    }

    /// Held current jobs among the participants named by the rows in `rowRange`.
    func heldCount(rowRange: ClosedRange<Int64>) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(DISTINCT participant_code) FROM job WHERE is_current = 1 AND state = 'held' AND participant_code IN
                (SELECT participant_code FROM input_row WHERE id BETWEEN ? AND ? AND participant_code IS NOT NULL)
            """, arguments: [rowRange.lowerBound, rowRange.upperBound]) ?? 0
    }
}
