import GRDB

/// How a database turns a participant's history into requests. Chosen when the database is made, and kept.
public enum IngestMode: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    /// One PATCH per participant: the fold of every row (the customer as they are today).
    case latest
    /// One PATCH per step of the participant's history, sent in order (see `HistorySteps`).
    case history

    /// The database's mode: `latest` for a database made before modes existed.
    public static func stored(_ db: Database) throws -> IngestMode {
        guard try db.tableExists("setting") else { return .latest }
        return try IngestMode.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'mode'") ?? .latest
    }

    /// The mode an ingest works in: the one asked for, which must be the database's own once the database has
    /// any file; a database with no file yet takes the mode asked for (default `latest`) and keeps it.
    /// - Parameter displayPath: the database as the operator named it, for the refusal.
    package static func resolve(_ db: Database, requested: IngestMode?, displayPath: String) throws -> IngestMode {
        let hasFiles = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM source_file)") ?? false
        if !hasFiles {
            let mode = requested ?? .latest
            try db.execute(sql: "INSERT OR REPLACE INTO setting (name, value) VALUES ('mode', ?)", arguments: [mode])
            return mode
        }
        let stored = try stored(db)
        if let requested, requested != stored {
            throw BackfillError("mode_mismatch", """
                \(displayPath) was made in \(stored) mode; --mode \(requested) needs a new database \
                (backfill ingest --mode \(requested) --db NEW.sqlite FILE...), or leave --mode out to ingest in \(stored) mode
                """)
        }
        return stored
    }
}
