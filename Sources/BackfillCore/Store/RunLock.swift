import Foundation
import GRDB

/// The one-run-per-database lock: a row with the holder's pid and host.
public enum RunLock {
    /// The holder, if a live process holds the lock. A lock whose process has died is stale: nil.
    public static func liveHolder(_ db: Database) throws -> (pid: Int32, startedAt: Int64)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT pid, host, started_at FROM run_lock WHERE id = 1") else { return nil }
        let pid: Int32 = row["pid"]
        let host: String = row["host"]
        guard host == ProcessInfo.processInfo.hostName, isAlive(pid) else { return nil }
        return (pid, row["started_at"])
    }

    /// Throws when a live `backfill run` holds the database.
    public static func refuseIfHeld(_ db: Database, action: String) throws {
        guard let holder = try liveHolder(db), holder.pid != getpid() else { return }
        throw BackfillError("database_locked",
                            "the database is held by a running `backfill run` (pid \(holder.pid)); \(action) is refused until it finishes or is stopped")
    }

    /// Takes the lock (a stale one is taken over). Throws when a live process holds it.
    public static func acquire(_ db: Database, now: Int64) throws {
        try refuseIfHeld(db, action: "another run")
        try db.execute(sql: "INSERT OR REPLACE INTO run_lock (id, pid, host, started_at) VALUES (1, ?, ?, ?)",
                       arguments: [getpid(), ProcessInfo.processInfo.hostName, now])
    }

    /// Releases the lock if this process holds it.
    public static func release(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM run_lock WHERE id = 1 AND pid = ?", arguments: [getpid()])
    }

    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
