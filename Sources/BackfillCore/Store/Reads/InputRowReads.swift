import Foundation
import GRDB

/// An ingested file as the reports read it.
package struct StoredSourceFile: Sendable {
    package var id: Int64
    /// As given to ingest (`-` for standard input).
    package var path: String
    package var format: InputFormat
    /// What each column was read as, as ingest stored it (`--map` included).
    package var columns: SourceColumns
    /// The file still has a rejected row.
    package var hasRejectedRows: Bool
}

/// A rejected input row as the page lists it.
package struct StoredRejectedRow: Sendable {
    package var fileID: Int64
    package var line: Int64
    package var participantCode: String?
    package var rejectCode: String?
    package var rejectColumn: String?
    package var rejectMessage: String?
    /// The record as read (exactly); nil once purged.
    package var raw: String?
    package var norm: [UInt8]?
}

/// The store's reads of input rows and files for the reports.
package enum InputRowReads {
    /// Every ingested file, with whether it still has a rejected row.
    package static func files(_ db: Database) throws -> [StoredSourceFile] {
        let contract = try ContractSetting.stored(db)
        return try Row.fetchAll(db, sql: """
            SELECT f.id, f.path, f.format, f.header, f.columns,
                   EXISTS (SELECT 1 FROM input_row r WHERE r.file_id = f.id AND r.status != \(RowStatus.accepted.sql)
                                                       AND r.status = \(RowStatus.rejected.sql)) AS rejected
            FROM source_file f
            """).map { row in
            let format = InputFormat(rawValue: row["format"]) ?? .csv
            return StoredSourceFile(id: row["id"], path: row["path"], format: format,
                                    columns: SourceColumns(format: format, headerJSON: row["header"], columnsJSON: row["columns"],
                                                           contract: contract),
                                    hasRejectedRows: row["rejected"])
        }
    }

    /// The first `limit` rejected rows in input order (through the `input_row_rejected` index).
    package static func rejectedRows(_ db: Database, limit: Int) throws -> [StoredRejectedRow] {
        try Row.fetchAll(db, sql: """
            SELECT r.file_id, r.line, r.participant_code, r.reject_code, r.reject_column, r.reject_message,
                   \(ExactText.select("r.raw")), r.norm
            FROM input_row r INDEXED BY input_row_rejected WHERE r.status = \(RowStatus.rejected.sql) ORDER BY r.id LIMIT ?
            """, arguments: [limit]).map { r in
            StoredRejectedRow(fileID: r[0], line: r[1], participantCode: r[2], rejectCode: r[3], rejectColumn: r[4],
                              rejectMessage: r[5], raw: r.exactText(6), norm: (r[7] as Data?).map { Array($0) })
        }
    }

    /// Every input row of a participant: its file, fate, record and stored values.
    package static func participantRows(_ db: Database, participantCode: String)
        throws -> [(fileID: Int64, status: RowStatus, raw: String?, norm: [UInt8]?)] {
        try Row.fetchAll(db, sql: """
            SELECT file_id, status, \(ExactText.select("raw")), norm FROM input_row WHERE participant_code = ?
            """, arguments: [participantCode]).map { ($0[0], $0[1], $0.exactText(2), ($0[3] as Data?).map { Array($0) }) }
    }
}
