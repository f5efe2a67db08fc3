import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// Opening the job database: a private file, WAL, and the `migrations/` files applied in order and recorded.
struct BackfillDatabaseTests {
    let scratch = ScratchDirectory()

    /// The package's `migrations/sql` directory.
    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations/sql")

    /// `(name, sql)` of every migration file, in file-name order.
    func migrationFiles() throws -> [(name: String, sql: String)] {
        let directory = BackfillDatabaseTests.migrationsDirectory
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
            .map { (String($0.dropLast(4)), try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
    }

    func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    func schema(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { db in
            try String.fetchAll(db, sql: "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY name")
        }
    }

    @Test func databaseFileIsCreatedReadableByItsOwnerOnly() throws {
        let path = scratch.file("backfill.sqlite")
        let db = try BackfillDatabase.open(path: path)
        try db.write { try $0.execute(sql: "INSERT INTO source_file (path, format, sha256, ingested_at) VALUES ('a', 'csv', 'x', 0)") }
        #expect(mode(path) == 0o600)
        #expect(mode(path + "-wal") == 0o600)
        #expect(mode(path + "-shm") == 0o600)
    }

    @Test func databaseIsInWALMode() throws {
        let db = try scratch.database()
        #expect(try db.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        let other = try DatabaseQueue(path: scratch.file("backfill.sqlite"))
        #expect(try other.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func everyMigrationIsAppliedInOrderAndRecorded() throws {
        let names = try migrationFiles().map(\.name)
        #expect(names.first == "0001_init")
        let db = try scratch.database()
        #expect(try db.read(BackfillDatabase.appliedMigrations) == names)
        #expect(try db.read { try Bool.fetchOne($0, sql: "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'job'") } == true)
    }

    @Test func reopeningAppliesNothingTwice() throws {
        let first = try schema(try scratch.database())
        let db = try scratch.database()
        #expect(try schema(db) == first)
        #expect(try db.read(BackfillDatabase.appliedMigrations) == migrationFiles().map(\.name))
    }

    @Test func anOldDatabaseUpgradesItself() throws {
        let files = try migrationFiles()
        let path = scratch.file("old.sqlite")
        do {
            // A database made by the first release: only the first migration.
            var migrator = DatabaseMigrator()
            migrator.registerMigration(files[0].name) { db in try db.execute(sql: files[0].sql) }
            try migrator.migrate(try DatabaseQueue(path: path))
        }
        let upgraded = try BackfillDatabase.open(path: path)
        #expect(try upgraded.read(BackfillDatabase.appliedMigrations) == files.map(\.name))
        #expect(try schema(upgraded) == schema(try scratch.database("fresh.sqlite")))
    }
}
