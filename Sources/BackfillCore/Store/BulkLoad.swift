import GRDB

/// How the store takes a big load: connection settings an ingest runs under, and the first load's journal.
/// Called outside any transaction.
package enum BulkLoad {
    /// Runs `body` with SQLite's sorter (the fold's ORDER BY, the index builds) allowed a second thread, and a
    /// smaller page cache so that the peak memory stays where it was; both restored after.
    package static func tuned<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -8192
        try db.execute(sql: "PRAGMA threads = 2")
        try db.execute(sql: "PRAGMA cache_size = -4096")
        defer {
            try? db.execute(sql: "PRAGMA threads = 0")
            try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)")
        }
        return try body()
    }

    /// Runs `body` straight into the file when the database holds no input row yet, and in WAL otherwise.
    ///
    /// A first load into an empty database writes each page once: the rollback journal has nothing to keep for
    /// pages that did not exist (and a rollback truncates them), where the write-ahead log would write every page
    /// twice (the log, then the checkpoint). Back to WAL after. Only when no other connection has the file open
    /// (the switch needs that); otherwise WAL as always.
    package static func firstLoadDirect<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let direct = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM input_row)") == true
            && switchJournal(db, to: "delete")
        defer {
            if direct {
                _ = switchJournal(db, to: "wal")
                // The first checkpoint after the switch answers SQLITE_LOCKED once (seen with this schema); take that
                // answer here, where nothing is in the log, so the next one (a purge's) works.
                _ = try? Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
        return try body()
    }

    /// Switches the journal mode; false when SQLite kept the old one (another connection has the file open).
    /// Every row of the pragma is read, so no statement stays active.
    private static func switchJournal(_ db: Database, to mode: String) -> Bool {
        guard let answer = try? String.fetchAll(db, sql: "PRAGMA journal_mode = \(mode)") else { return false }
        return answer.first?.lowercased() == mode
    }
}
