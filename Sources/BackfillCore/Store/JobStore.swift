import Foundation
import GRDB
import ParticipantAPI

/// Ingest's reads and writes: source files and input rows (here), the rows a fold pass reads and the jobs it
/// writes (`JobStore+Fold`), email uniqueness (`JobStore+Email`) and the rows corrections name
/// (`JobStore+Corrections`). Lives inside one transaction.
package struct JobStore {
    package let db: Database
    private let insertRowStatement: FastStatement

    package init(_ db: Database) throws {
        self.db = db
        insertRowStatement = try FastStatement(db, sql: """
            INSERT INTO input_row (file_id, line, participant_code, platform_updated_at, status, raw, norm,
                                   reject_code, reject_column, reject_message)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    package func insertFile(path: String, format: InputFormat, now: Int64) throws -> Int64 {
        // A placeholder digest until the whole file is read (the unique index wants a value).
        try db.execute(sql: "INSERT INTO source_file (path, format, sha256, ingested_at) VALUES (?, ?, ?, ?)",
                       arguments: [path, format.rawValue, "reading:\(UUID().uuidString)", now])
        return db.lastInsertedRowID
    }

    /// Stores an input row: its record as read and, of its normalized values, only `norm` (what differs from its
    /// cells, `StoredValues.encode`); with its first problem's code and column and every problem's message when
    /// it was rejected.
    package func insertRow(fileID: Int64, line: Int, raw: String, participantCode: String?, platformUpdatedAt: Int64?,
                           norm: [UInt8]?, rejection: (code: String, column: String, message: String)?) throws -> Int64 {
        let s = insertRowStatement
        s.bind(1, fileID)
        s.bind(2, Int64(line))
        s.bind(3, participantCode)
        s.bind(4, platformUpdatedAt)
        s.bind(6, raw)
        s.bind(7, norm)
        s.bind(5, (rejection == nil ? RowStatus.accepted : RowStatus.rejected).rawValue)
        s.bind(8, rejection?.code)
        s.bind(9, rejection?.column)
        s.bind(10, rejection?.message)
        try s.execute()
        return db.lastInsertedRowID
    }

    /// Rows already stored.
    package func rowCount() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM input_row") ?? 0
    }

    /// A bulk load: drops the fold index (random inserts into it are what makes a big load slow) and returns
    /// its SQL, taken from the schema the migrations made, for `rebuildIndex`. Same transaction: a rollback
    /// brings the index back.
    package func dropFoldIndex() throws -> String? {
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'input_row_fold'") else {
            return nil
        }
        try db.execute(sql: "DROP INDEX input_row_fold")
        return sql
    }

    /// Builds the index again in one sorted pass.
    package func rebuildIndex(_ sql: String) throws {
        try db.execute(sql: sql)
    }

    /// The path of an earlier file with this content, if any.
    package func fileWithDigest(_ digest: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT path FROM source_file WHERE sha256 = ?", arguments: [digest])
    }

    /// Records what was read: the digest, the header, what each column was read as, the counts and the rows.
    package func finishFile(_ id: Int64, digest: String, header: [String]?, columns: SourceColumns,
                            rows: (read: Int, accepted: Int, rejected: Int), rowRange: ClosedRange<Int64>?) throws {
        let headerJSON = header.map { cells -> String in
            var out: [UInt8] = []
            JSONWriter.write(.array(cells.map { .string($0) }), into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        try db.execute(sql: """
            UPDATE source_file SET sha256 = ?, header = ?, columns = ?, rows_read = ?, rows_accepted = ?,
                                   rows_rejected = ?, first_row_id = ?, last_row_id = ?
            WHERE id = ?
            """, arguments: [digest, headerJSON, columns.storedJSON, rows.read, rows.accepted,
                             rows.rejected, rowRange?.lowerBound, rowRange?.upperBound, id])
    }

    /// Ids and display names (`file` of `file:line`) of the stored files.
    package func fileNames() throws -> [(id: Int64, name: String)] {
        try Row.fetchAll(db, sql: "SELECT id, path FROM source_file ORDER BY id").map { ($0["id"], inputDisplayName($0["path"])) }
    }

    /// What the columns of a stored file were read as.
    package func sourceColumns(fileID: Int64) throws -> SourceColumns? {
        try Row.fetchOne(db, sql: "SELECT format, header, columns FROM source_file WHERE id = ?", arguments: [fileID]).map {
            SourceColumns(format: InputFormat(rawValue: $0["format"]) ?? .csv, headerJSON: $0["header"], columnsJSON: $0["columns"],
                          contract: try ContractSetting.stored(db))
        }
    }

    /// Distinct participants named by the rows in `rowRange`.
    package func participantCount(rowRange: ClosedRange<Int64>) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(DISTINCT participant_code) FROM input_row WHERE id BETWEEN ? AND ?",
                         arguments: [rowRange.lowerBound, rowRange.upperBound]) ?? 0
    }

    /// Held current jobs among the participants named by the rows in `rowRange`.
    package func heldCount(rowRange: ClosedRange<Int64>) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(DISTINCT participant_code) FROM job WHERE is_current = 1 AND state = \(JobState.held.sql) AND participant_code IN
                (SELECT participant_code FROM input_row WHERE id BETWEEN ? AND ? AND participant_code IS NOT NULL)
            """, arguments: [rowRange.lowerBound, rowRange.upperBound]) ?? 0
    }
}
