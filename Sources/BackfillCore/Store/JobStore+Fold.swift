import Foundation
import GRDB
import ParticipantAPI

extension JobStore {
    /// Which participants a fold pass reads.
    package enum FoldSelection: Sendable {
        /// Those named by the rows in this range.
        case rows(ClosedRange<Int64>)
        /// Those listed in `refold_pending` (`0009_exact_bytes`).
        case pending
    }

    /// A participant's stored rows in fold order, as the database thread reads them (decoded elsewhere).
    package struct StoredParticipant: Sendable {
        package struct Row: Sendable {
            package var fileID: Int64
            package var line: Int64
            package var platformUpdatedAt: Int64?
            /// The rejection message of a rejected row.
            package var rejection: String?
            package var raw: String?
            package var norm: [UInt8]?
        }
        package var code: String
        package var rows: [Row]
    }

    /// Participants whose jobs an earlier release folded from values it should have stored in NFC
    /// (`0009_exact_bytes`): folded again by the next ingest.
    package func pendingRefoldCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM refold_pending") ?? 0
    }

    package func clearPendingRefold() throws {
        try db.execute(sql: "DELETE FROM refold_pending")
    }

    /// Starts reading the rows a fold pass folds: every accepted and rejected row (a `resolved` or `ignored` row
    /// is never folded) of the selected participants, in fold order (participant, platform_updated_at, input
    /// order; SQLite sorts, so no participant set is held in memory).
    package func foldReader(_ selection: FoldSelection, now: Int64) throws -> FoldReader {
        try FoldReader(db, selection: selection, now: now)
    }
}

/// What a fold pass reads from and writes to: the selected participants' rows one participant at a time, the
/// stored files (to decode the rows' values on other threads), and the writers of jobs and steps.
///
/// Into an empty job table the job indexes are dropped and built once at the end (`finish()`), in sorted passes,
/// instead of being updated row by row; the same transaction brings them back on a rollback.
package struct FoldReader {
    /// Every stored file by id, to read a row's values (`StoredFile.values(raw:norm:)`).
    package let files: [Int64: StoredFile]
    package let jobs: JobWriter
    package let steps: HistoryWriter
    /// ID changes the contract does not send.
    package let documents: DocumentNeedWriter
    /// Released emails and jurisdiction moves.
    package let timeline: TimelineWriter
    private let db: Database
    private let query: FastStatement
    private let jobIndexes: [String]
    private var pending: JobStore.StoredParticipant?
    private var done = false

    fileprivate init(_ db: Database, selection: JobStore.FoldSelection, now: Int64) throws {
        self.db = db
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
        query = try FastStatement(db, sql: """
            SELECT r.participant_code, r.platform_updated_at, r.file_id, r.line,
                   CASE WHEN r.status = \(RowStatus.rejected.sql) THEN r.reject_message END, r.raw, r.norm
            FROM input_row r
            WHERE \(filter) AND r.status IN \([RowStatus.accepted, .rejected].sql)
            ORDER BY r.participant_code, r.platform_updated_at, r.id
            """)
        query.bind(1, rowRange.lowerBound)
        query.bind(2, rowRange.upperBound)
        files = try StoredFile.all(db)
        let noJobsYet = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM job)") ?? false
        let indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'job' AND sql IS NOT NULL"
        jobIndexes = noJobsYet ? try String.fetchAll(db, sql: "SELECT sql FROM (\(indexes))") : []
        if noJobsYet {
            for name in try String.fetchAll(db, sql: "SELECT name FROM (\(indexes))") {
                try db.execute(sql: "DROP INDEX \(name)")
            }
        }
        jobs = try JobWriter(db, now: now, noJobsYet: noJobsYet)
        steps = try HistoryWriter(db, now: now, noJobsYet: noJobsYet)
        documents = try DocumentNeedWriter(db, now: now)
        timeline = try TimelineWriter(db)
    }

    /// The next participant's rows in fold order; nil after the last.
    package mutating func next() throws -> JobStore.StoredParticipant? {
        guard !done else { return nil }
        while try query.step() {
            let code = query.string(0)!
            let row = JobStore.StoredParticipant.Row(
                fileID: query.int64(2)!, line: query.int64(3)!, platformUpdatedAt: query.int64(1),
                rejection: query.string(4), raw: query.string(5), norm: query.blob(6))
            if code == pending?.code {
                pending!.rows.append(row)
                continue
            }
            let finished = pending
            pending = JobStore.StoredParticipant(code: code, rows: [row])
            if let finished { return finished }
        }
        done = true
        query.reset()
        defer { pending = nil }
        return pending
    }

    /// Builds the job indexes dropped for a load into an empty job table.
    package func finish() throws {
        for sql in jobIndexes { try db.execute(sql: sql) }
    }
}
