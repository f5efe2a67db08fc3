import GRDB
import ParticipantAPI

/// `backfill rate N/W`: a new ceiling for the run that holds the database, recorded in `setting` (`run_rate`),
/// which the run reads once a second. The same limit checks as `--rate`: never above the documented 2000/10s for a
/// documented host. A run started later clears it and starts from its own `--rate`.
public enum RateRequest {
    /// What was recorded: the running run's target and when it started.
    public struct Recorded: Sendable, Equatable {
        public var target: String
        public var runStartedAt: Int64
        public var previous: String
    }

    public static func record(_ db: Database, rate: RateLimit) throws -> Recorded {
        guard let holder = try RunLock.holder(db), !holder.isThisHost || holder.isAlive,
              let run = try Row.fetchOne(db, sql: """
                SELECT started_at, base_url, profile, rate FROM run WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1
                """) else {
            throw BackfillError("no_run", "no run holds this database, so there is no rate to change: a run started later starts from its own --rate (backfill run --rate \(rate))")
        }
        let profile = Profile(rawValue: run["profile"] ?? "") ?? .zerohash
        let target = Target(profile: profile, baseURL: run["base_url"])
        try target.checkRate(rate, label: "rate \(rate)")
        let previous = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = ?", arguments: [RunStore.rateSetting])
        try db.execute(sql: "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       arguments: [RunStore.rateSetting, rate.description])
        return Recorded(target: target.name, runStartedAt: run["started_at"], previous: previous ?? run["rate"])
    }
}
