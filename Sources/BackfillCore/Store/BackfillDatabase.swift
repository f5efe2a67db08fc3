import BackfillMigrations
import Foundation
import GRDB

/// Opens the job database. Only ingest creates one (mode 0600: it holds personal data); every other command
/// opens an existing backfill database, and a read-only command never writes to it.
///
/// ```swift
/// let db = try BackfillDatabase.open(path: "backfill.sqlite", mode: .create)
/// ```
public enum BackfillDatabase {
    /// The default file name, in the current directory.
    public static let defaultPath = "backfill.sqlite"

    /// How a command may use the database file.
    public enum Mode: Sendable {
        /// `ingest`: creates the file (0600) when missing, switches it to WAL and applies new migrations.
        case create
        /// Commands that write (`run`, `retry`, `purge`, `unlock`): the file must be a backfill database; it is
        /// upgraded in place when an older backfill made it.
        case existing
        /// Commands that only read (`status`, `explain`, `report`, `run --dry-run`): the file is never written.
        /// A database an older backfill made is upgraded in a private in-memory copy.
        case readOnly
    }

    public static func open(path: String, mode: Mode = .create) throws -> DatabaseQueue {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && mode != .create {
            throw BackfillError("database_missing", "no backfill database at \(path) (backfill ingest creates one)")
        }
        if exists { try checkIsBackfillDatabase(path, mode: mode) }
        if mode == .create { try createPrivately(path) }
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -8192")
        }
        do {
            if mode == .readOnly { return try openForReading(path, config: config) }
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            let queue = try DatabaseQueue(path: path, configuration: config)
            try queue.writeWithoutTransaction { db in
                // A new database gets 8 KiB pages (before its first table; an existing one keeps its size): a job
                // row is about 480 bytes, and 4 KiB pages leave 8% of the job table unused.
                if try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") == 0 {
                    try db.execute(sql: "PRAGMA page_size = 8192")
                }
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                if mode?.lowercased() != "wal" {
                    throw BackfillError("database_wal", "\(path): could not switch the database to WAL mode (got \(mode ?? "nothing"))")
                }
            }
            try migrator().migrate(queue)
            return queue
        } catch let error as DatabaseError {
            throw BackfillError("database_open", "\(path): \(error.message ?? "cannot open the database") (SQLite code \(error.resultCode.rawValue))")
        }
    }

    /// A database that needs no migration is read where it is (every read in a query-only transaction, so no
    /// statement can write); one an older backfill made is copied into memory and upgraded there.
    private static func openForReading(_ path: String, config: Configuration) throws -> DatabaseQueue {
        // A read-only connection never checkpoints: a write-ahead log a killed run left behind stays where it is
        // (a read-write connection, the last to close, would copy it into the main file and delete it).
        var readOnly = config
        readOnly.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: readOnly)
        let migrator = try migrator()
        if try queue.read({ try migrator.hasCompletedMigrations($0) }) { return queue }
        let copy = try DatabaseQueue(configuration: config)
        try queue.backup(to: copy)
        try queue.close()
        try migrator.migrate(copy)
        return copy
    }

    /// Refuses a file that is not SQLite, or a SQLite database with tables but no backfill schema, before
    /// anything opens it for writing: its bytes stay as they are.
    private static func checkIsBackfillDatabase(_ path: String, mode: Mode) throws {
        try rollBackInterruptedWrite(path, mode: mode)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BackfillError("database_unreadable", "\(path): cannot read the file: \(String(cString: strerror(errno)))")
        }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        if head.isEmpty {
            // An empty file is an empty database: ingest may fill it, nothing else has anything to read.
            if mode == .create { return }
            throw BackfillError("database_missing", "no backfill database at \(path) (the file is empty; backfill ingest creates one)")
        }
        guard head == Data("SQLite format 3\0".utf8) else {
            throw BackfillError("not_a_database", "\(path) is not a SQLite database; pass the path of a database made by backfill ingest")
        }
        var config = Configuration()
        config.readonly = true
        let tables: [String]
        let migrations: [String]
        do {
            let probe = try DatabaseQueue(path: path, configuration: config)
            defer { try? probe.close() }
            (tables, migrations) = try probe.read { db in
                let tables = try String.fetchAll(db, sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
                    """)
                let migrations = tables.contains("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
                return (tables, migrations)
            }
        } catch let error as DatabaseError {
            throw BackfillError("database_open", "\(path): \(error.message ?? "cannot open the database") (SQLite code \(error.resultCode.rawValue))")
        }
        if tables.isEmpty {
            if mode == .create { return }
            throw BackfillError("database_missing", "no backfill database at \(path) (it has no tables; backfill ingest creates one)")
        }
        if !migrations.contains("0001_init") {
            let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
            throw BackfillError("not_a_backfill_database",
                                "\(path) is a SQLite database but not a backfill database (its tables: \(shown)); it was left unchanged. Pass the path of a database made by backfill ingest")
        }
        let known = Set(try Migrations.all().map(\.name))
        if let newer = migrations.first(where: { !known.contains($0) }) {
            throw BackfillError("database_newer", "\(path) was made by a newer backfill (schema step \(newer)); use that version")
        }
    }

    /// A first load into an empty database writes through a rollback journal (see `Ingester`); a process killed
    /// during it leaves `PATH-journal`, which SQLite must play back before anyone can read the file. A writing
    /// command does that (opening the file read-write, as SQLite would for any writer): the file is back to its
    /// last committed state, the empty database. A read-only command cannot, and says what to run.
    private static func rollBackInterruptedWrite(_ path: String, mode: Mode) throws {
        var st = stat()
        guard stat(path + "-journal", &st) == 0, st.st_size > 0 else { return }
        if mode == .readOnly {
            throw BackfillError("database_interrupted",
                                "\(path): a write to it was interrupted (\(path)-journal holds what it had changed), and a read-only command cannot undo it; run backfill ingest (the load again) or backfill unlock --db \(path), which roll it back, then read it")
        }
        do {
            let queue = try DatabaseQueue(path: path)
            _ = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
            try queue.close()
        } catch let error as DatabaseError {
            throw BackfillError("database_open", "\(path): could not roll back an interrupted write: \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// Names of the migrations applied to a database, in order.
    public static func appliedMigrations(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }

    package static func migrator() throws -> DatabaseMigrator {
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
