import Foundation
import GRDB
import ParticipantAPI

/// The stored rows a correction names (see `Correction` in ingest).
extension JobStore {
    /// A stored input row as a correction sees it.
    package struct StoredRow {
        package var id: Int64
        package var fileID: Int64
        package var line: Int64
        package var participantCode: String?
        package var platformUpdatedAt: Int64?
        package var status: RowStatus
        package var rejectCode: String?
        package var rejectMessage: String?
        /// Nil once purged.
        package var raw: String?
    }

    private static let storedRowColumns = """
        id, file_id, line, participant_code, platform_updated_at, status, reject_code, reject_message, CAST(raw AS BLOB)
        """

    private static func storedRow(_ row: Row) -> StoredRow {
        StoredRow(id: row[0], fileID: row[1], line: row[2], participantCode: row[3], platformUpdatedAt: row[4],
                  status: row[5], rejectCode: row[6], rejectMessage: row[7], raw: row.exactText(8))
    }

    // A correction file makes these lookups once per row: the statements are prepared once (`cachedStatement`).

    package func storedRow(id: Int64) throws -> StoredRow? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.storedRowColumns) FROM input_row WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(Self.storedRow)
    }

    /// The rejected and resolved rows at `line` of these files, in storage order (through `input_row_correctable`).
    package func correctableRows(fileIDs: [Int64], line: Int64) throws -> [StoredRow] {
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.storedRowColumns) FROM input_row
            WHERE file_id = ? AND line = ? AND status != \(RowStatus.accepted.sql) AND status IN (?, ?)
            """)
        return try fileIDs.sorted().flatMap { fileID in
            try Row.fetchAll(statement, arguments: [fileID, line, RowStatus.rejected, RowStatus.resolved]).map(Self.storedRow)
        }
    }

    /// The participant's rejected rows at `platformUpdatedAt` stored before row `beforeID` (through the fold index).
    package func rejectedRows(participantCode: String, platformUpdatedAt: Int64, before beforeID: Int64) throws -> [StoredRow] {
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.storedRowColumns) FROM input_row
            WHERE participant_code = ? AND platform_updated_at = ? AND status = ? AND id < ?
            ORDER BY id
            """)
        return try Row.fetchAll(statement, arguments: [participantCode, platformUpdatedAt, RowStatus.rejected, beforeID])
            .map(Self.storedRow)
    }

    /// Sets the fate of these rows (a correction replaced them, or changed nothing).
    package func setStatus(_ status: RowStatus, rowIDs: [Int64]) throws {
        let statement = try db.cachedStatement(sql: "UPDATE input_row SET status = ? WHERE id = ?")
        for id in rowIDs { try statement.execute(arguments: [status, id]) }
    }
}
