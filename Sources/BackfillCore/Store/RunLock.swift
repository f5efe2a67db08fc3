import Foundation
import GRDB
import ParticipantAPI

/// The one-run-per-database lock: a row naming the holder's process by pid, host and start time, so that a
/// process that reused the pid is not taken for the holder.
public enum RunLock {
    /// Whoever the lock row names.
    public struct Holder: Sendable, Equatable, CustomStringConvertible {
        public var pid: Int32
        public var host: String
        /// When the lock was taken, epoch ms.
        public var startedAt: Int64
        /// The holder's process start (`boot id:ticks since boot`, from /proc); nil for a lock from before it was recorded.
        public var processStart: String?
        public var command: String?

        public var isThisHost: Bool { host == ProcessInfo.processInfo.hostName }

        /// True when the process named is still the one that took the lock (same host, alive, same start time).
        public var isAlive: Bool {
            guard isThisHost, RunLock.isAlive(pid) else { return false }
            guard let processStart, let now = RunLock.processStart(pid) else { return true }
            return processStart == now
        }

        public var description: String {
            "pid \(pid) on host \(host) (\(command ?? "backfill run"), since \(ISOTime.text(epochMilliseconds: startedAt)))"
        }
    }

    /// The lock row, whether its holder is alive or not.
    public static func holder(_ db: Database) throws -> Holder? {
        guard let row = try Row.fetchOne(db, sql: "SELECT pid, host, started_at, process_start, command FROM run_lock WHERE id = 1") else {
            return nil
        }
        return Holder(pid: row["pid"], host: row["host"], startedAt: row["started_at"], processStart: row["process_start"],
                      command: row["command"])
    }

    /// Throws when a live `backfill run` (or a holder on another host, whose life cannot be checked) holds the
    /// database. A holder on this host that is gone is stale and does not count.
    public static func refuseIfHeld(_ db: Database, action: String) throws {
        guard let holder = try holder(db), !(holder.isThisHost && holder.pid == getpid()) else { return }
        if holder.isAlive {
            throw BackfillError("database_locked",
                                "the database is held by a running `backfill run` (\(holder)); \(action) is refused until it finishes or is stopped")
        }
        if !holder.isThisHost {
            throw BackfillError("database_locked_elsewhere",
                                "the database is locked by \(holder), which this host cannot check; \(action) is refused. If that run is over, `backfill unlock` clears the lock")
        }
    }

    /// Takes the lock. A stale lock (its holder gone from this host) is taken over and returned, so the caller
    /// can say so. Throws when a live process holds it.
    @discardableResult
    public static func acquire(_ db: Database, now: Int64, command: String = "backfill run") throws -> Holder? {
        try refuseIfHeld(db, action: "another run")
        let stale = try holder(db).flatMap { $0.isThisHost && $0.pid == getpid() ? nil : $0 }
        try db.execute(sql: """
            INSERT OR REPLACE INTO run_lock (id, pid, host, started_at, process_start, command) VALUES (1, ?, ?, ?, ?, ?)
            """, arguments: [getpid(), ProcessInfo.processInfo.hostName, now, processStart(getpid()), command])
        return stale
    }

    /// Releases the lock if this process holds it.
    public static func release(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM run_lock WHERE id = 1 AND pid = ? AND host = ?",
                       arguments: [getpid(), ProcessInfo.processInfo.hostName])
    }

    /// What `backfill unlock` did.
    public enum UnlockResult: Sendable, Equatable {
        case noLock
        /// Cleared a lock whose holder is gone from this host, or one left by another host.
        case cleared(Holder)
    }

    /// Clears the lock unless its holder is alive on this host.
    public static func unlock(_ db: Database) throws -> UnlockResult {
        guard let holder = try holder(db) else { return .noLock }
        if holder.isAlive {
            throw BackfillError("database_locked",
                                "the lock is held by a running `backfill run` (\(holder)); stop that run (Ctrl-C, or kill \(holder.pid)) instead of unlocking")
        }
        try db.execute(sql: "DELETE FROM run_lock WHERE id = 1")
        return .cleared(holder)
    }

    package static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// `boot id:start time in clock ticks since boot` of a process, from /proc; nil where /proc is missing.
    package static func processStart(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, starttime field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown-boot"
        return "\(boot):\(fields[19])"
    }
}
