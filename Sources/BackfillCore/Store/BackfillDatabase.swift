import BackfillMigrations
import Foundation
import GRDB

/// Opens the job database: creates it with mode 0600 (it holds personal data), switches it to WAL,
/// and applies the `migrations/` files it has not seen yet, in order, so an old database upgrades itself.
///
/// ```swift
/// let db = try BackfillDatabase.open(path: "backfill.sqlite")
/// ```
public enum BackfillDatabase {
    /// The default file name, in the current directory.
    public static let defaultPath = "backfill.sqlite"

    public static func open(path: String) throws -> DatabaseQueue {
        try createPrivately(path)
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -8192")
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try queue.writeWithoutTransaction { db in
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                if mode?.lowercased() != "wal" {
                    throw BackfillError("database_wal", "\(path): could not switch the database to WAL mode (got \(mode ?? "nothing"))")
                }
            }
            try migrator().migrate(queue)
        } catch let error as DatabaseError {
            throw BackfillError("database_open", "\(path): \(error.message ?? "cannot open the database") (SQLite code \(error.resultCode.rawValue))")
        }
        return queue
    }

    /// Names of the migrations applied to a database, in order.
    public static func appliedMigrations(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }

    static func migrator() throws -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for step in try Migrations.all() {
            migrator.registerMigration(step.name) { db in
                try db.execute(sql: step.sql)
            }
        }
        return migrator
    }

    /// Creates the file with mode 0600 before SQLite does (SQLite would honour the umask, typically 0644);
    /// SQLite gives its -wal and -shm files the main file's mode.
    private static func createPrivately(_ path: String) throws {
        let fd = Foundation.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BackfillError("database_open", "\(path): cannot create or open the database: \(String(cString: strerror(errno)))")
        }
        close(fd)
    }
}
