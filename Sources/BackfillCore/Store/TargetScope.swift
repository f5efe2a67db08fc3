import Foundation
import GRDB
import ParticipantAPI

/// A target as stored: its row id and what it names.
public struct StoredTarget: Sendable, Equatable {
    public var id: Int64
    public var target: Target
    public var name: String { target.name }
}

/// The targets a database has sent to, and the target a read describes.
public enum TargetStore {
    /// Every target, oldest first.
    public static func all(_ db: Database) throws -> [StoredTarget] {
        try Row.fetchAll(db, sql: "SELECT id, profile, base_url FROM target ORDER BY id").map(stored)
    }

    /// The target of the latest run, if any run was made.
    public static func latest(_ db: Database) throws -> StoredTarget? {
        try Row.fetchOne(db, sql: """
            SELECT t.id, t.profile, t.base_url FROM run r JOIN target t ON t.id = r.target_id ORDER BY r.id DESC LIMIT 1
            """).map(stored)
    }

    /// The stored row of `target`, if the database knows it.
    public static func find(_ db: Database, _ target: Target) throws -> StoredTarget? {
        try Row.fetchOne(db, sql: "SELECT id, profile, base_url FROM target WHERE profile = ? AND base_url = ?",
                         arguments: [target.profile.rawValue, target.baseURL]).map(stored)
    }

    /// The stored row of `target`, created if new.
    public static func findOrCreate(_ db: Database, _ target: Target, now: Int64) throws -> StoredTarget {
        if let found = try find(db, target) { return found }
        try db.execute(sql: "INSERT INTO target (name, profile, base_url, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [target.name, target.profile.rawValue, target.baseURL, now])
        return StoredTarget(id: db.lastInsertedRowID, target: target)
    }

    private static func stored(_ row: Row) -> StoredTarget {
        let profile: String = row["profile"]
        return StoredTarget(id: row["id"], target: Target(profile: Profile(rawValue: profile) ?? .zerohash, baseURL: row["base_url"]))
    }
}

/// What a read describes: one target's view of the jobs, its attempts and its runs. `sql(_:)` puts three
/// common table expressions in front of a statement, so report SQL reads `target_job`, `target_attempt` and
/// `target_run` with the columns the one-target schema had:
/// - `target_job`: every job with `state` as this target sees it (a sent state wins, then `held`; `superseded`
///   for a version that was never sent there; in history mode `blocked` for a step after one that failed
///   there; in both modes `blocked` for the taker of an email whose giver failed there or is held; else
///   `pending`), its `step` and its sending columns;
/// - `target_attempt`, `target_run`: the ledger rows and runs of this target.
public struct TargetScope: Sendable, Equatable {
    /// Nil when the database has sent nothing to the target (every ready job is pending there).
    public var stored: StoredTarget?
    /// The target described, nil when nothing names one (no flag and no run yet).
    public var target: Target?

    public init(stored: StoredTarget?, target: Target?) {
        self.stored = stored
        self.target = target
    }

    /// `target`'s scope, or the latest run's target's when nil.
    public static func resolve(_ db: Database, target: Target?) throws -> TargetScope {
        if let target { return TargetScope(stored: try TargetStore.find(db, target), target: target) }
        let latest = try TargetStore.latest(db)
        return TargetScope(stored: latest, target: latest?.target)
    }

    /// The first line of a read command: which target it describes.
    public var headline: String {
        guard let target else { return "target: none yet (nothing has been sent; every ready job is pending)" }
        return stored == nil ? "target: \(target.name) (nothing sent there yet)" : "target: \(target.name)"
    }

    private var id: Int64 { stored?.id ?? -1 }

    /// `statement` with the target's views in front of it.
    public func sql(_ statement: String) -> String {
        let views = """
            \(EmailBlocked.cte(target: "\(id)")),
            target_job AS (
                SELECT j.id, j.participant_code, j.is_current,
                       CASE WHEN s.state IN \(SendState.sent.sql) THEN s.state
                            WHEN j.state = \(JobState.held.sql) THEN \(JobStatus.held.sql)
                            WHEN j.state = \(JobState.superseded.sql) THEN \(JobState.superseded.sql)
                            WHEN j.step > 1 AND EXISTS (
                                SELECT 1 FROM job p JOIN job_send ps ON ps.target_id = \(id) AND ps.job_id = p.id
                                WHERE p.participant_code = j.participant_code AND p.is_current = 1 AND p.step < j.step
                                  AND ps.state = \(SendState.failed.sql)) THEN \(JobStatus.blocked.sql)
                            WHEN j.state = \(JobState.pending.sql) AND j.id IN (SELECT id FROM email_blocked) THEN \(JobStatus.blocked.sql)
                            ELSE \(JobStatus.pending.sql) END AS state,
                       j.step, j.corrective,
                       j.request_id, j.body, j.platform_updated_at, j.email, j.hold_reasons, j.email_conflict, j.email_cycle,
                       j.row_count, j.created_at, coalesce(s.updated_at, j.updated_at) AS updated_at,
                       coalesce(s.attempts, 0) AS attempts, s.next_attempt_at, s.last_attempt_at, s.last_status,
                       s.error_class, s.last_message, s.response
                FROM job j LEFT JOIN job_send s ON s.target_id = \(id) AND s.job_id = j.id),
            target_attempt AS (SELECT * FROM attempt WHERE target_id = \(id)),
            target_run AS (SELECT * FROM run WHERE target_id = \(id))
            """
        let trimmed = statement.drop { $0 == " " || $0 == "\n" }
        if trimmed.prefix(5).uppercased() == "WITH " {
            return "WITH RECURSIVE " + views + ", " + trimmed.dropFirst(5)
        }
        return "WITH RECURSIVE " + views + "\n" + statement
    }
}

/// The jobs an email handover blocks on a target: takers whose giver failed there or is held (and was not sent
/// there), and, in turn, the takers of those.
package enum EmailBlocked {
    /// The recursive common table expression `email_blocked(id)` for `target` (an SQL expression: a literal id or a
    /// parameter); it goes after `WITH RECURSIVE`.
    package static func cte(target: String) -> String {
        """
        email_blocked(id) AS (
            SELECT h.taker_job_id FROM email_handover h JOIN job g ON g.id = h.giver_job_id
            LEFT JOIN job_send gs ON gs.target_id = \(target) AND gs.job_id = g.id
            WHERE gs.state = \(SendState.failed.sql)
               OR (g.state = \(JobState.held.sql) AND (gs.state IS NULL OR gs.state != \(SendState.succeeded.sql)))
            UNION
            SELECT h.taker_job_id FROM email_handover h JOIN email_blocked b ON b.id = h.giver_job_id)
        """
    }
}
