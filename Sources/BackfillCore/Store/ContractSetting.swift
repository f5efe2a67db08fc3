import GRDB
import ParticipantAPI

extension Contract: DatabaseValueConvertible {}

/// Which contract a database is made for (`setting.contract`): chosen by the first `backfill ingest`
/// (`--contract`, default `zerohash`) and kept, like the mode. A database made before contracts existed is `ndax`
/// (`0011_contract`), because that is what its bodies are.
package enum ContractSetting {
    /// The database's contract; `zerohash` for a database nothing was ingested into yet.
    package static func stored(_ db: Database) throws -> Contract {
        guard try db.tableExists("setting") else { return .ndax }
        return try Contract.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'contract'") ?? .default
    }

    /// The contract an ingest works under: the one asked for, which must be the database's own once the database
    /// has any file; a database with no file yet takes the one asked for (default `zerohash`) and keeps it.
    /// - Parameter displayPath: the database as the operator named it, for the refusal.
    package static func resolve(_ db: Database, requested: Contract?, displayPath: String) throws -> Contract {
        let hasFiles = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM source_file)") ?? false
        if !hasFiles {
            let contract = requested ?? .default
            try db.execute(sql: "INSERT OR REPLACE INTO setting (name, value) VALUES ('contract', ?)", arguments: [contract])
            return contract
        }
        let stored = try stored(db)
        if let requested, requested != stored {
            throw BackfillError("contract_mismatch", """
                \(displayPath) was made for the \(stored) contract; --contract \(requested) needs a new database \
                (backfill ingest --contract \(requested) --db NEW.sqlite FILE...), or leave --contract out to ingest under \(stored)
                """)
        }
        return stored
    }
}

/// Zero Hash's vendor-reliance track (`setting.vendor_reliance`): address lines up to 200 characters. Kept once an
/// ingest asks for it, like the contract: the track is the platform's, so a later ingest without the flag does not
/// fall back to 80 and 50.
package enum VendorRelianceSetting {
    package static func stored(_ db: Database) throws -> Bool {
        guard try db.tableExists("setting") else { return false }
        return try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'vendor_reliance'") == "1"
    }

    /// The track an ingest works under: on when asked for now or before (and then kept).
    package static func resolve(_ db: Database, requested: Bool) throws -> Bool {
        if requested {
            try db.execute(sql: "INSERT OR REPLACE INTO setting (name, value) VALUES ('vendor_reliance', '1')")
            return true
        }
        return try stored(db)
    }
}
