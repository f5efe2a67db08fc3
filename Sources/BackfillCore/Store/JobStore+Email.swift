import Foundation
import GRDB
import ParticipantAPI

extension JobStore {
    /// Holds every unsent current job whose folded email another participant also has, and releases jobs
    /// whose conflict is gone (unless the fold holds them).
    package func applyEmailUniqueness(mode: IngestMode = .latest, now: Int64) throws {
        if mode == .history { return try applyEmailUniquenessOnTimeline(now: now) }
        let dup = "SELECT email FROM job WHERE is_current = 1 AND email IS NOT NULL GROUP BY email HAVING count(*) > 1"
        try db.execute(sql: """
            UPDATE job SET email_conflict = 1, state = \(JobState.held.sql), updated_at = ?1
            WHERE is_current = 1 AND state IN \([JobState.pending, .held].sql) AND email_conflict = 0 AND email IN (\(dup))
            """, arguments: [now])
        try db.execute(sql: """
            UPDATE job SET email_conflict = 0, updated_at = ?1,
                           state = CASE WHEN hold_reasons IS NULL AND state = \(JobState.held.sql) THEN \(JobState.pending.sql) ELSE state END
            WHERE is_current = 1 AND email_conflict = 1 AND email NOT IN (\(dup))
            """, arguments: [now])
    }

    /// History mode: each step holds the participant's email from its instant until the next step's. Two
    /// participants conflict when one email is theirs at the same instant; every current step of both is held
    /// (unless sent: a sent state wins), and participants whose conflict is gone are released.
    private func applyEmailUniquenessOnTimeline(now: Int64) throws {
        try db.execute(sql: "CREATE TEMP TABLE email_clash (code TEXT PRIMARY KEY) WITHOUT ROWID")
        defer { try? db.execute(sql: "DROP TABLE temp.email_clash") }
        try db.execute(sql: """
            WITH shared AS (
                SELECT email FROM job WHERE is_current = 1 AND email IS NOT NULL
                GROUP BY email HAVING count(DISTINCT participant_code) > 1),
            iv AS (
                SELECT participant_code, email, coalesce(platform_updated_at, 0) AS from_t,
                       coalesce(lead(platform_updated_at) OVER (PARTITION BY participant_code ORDER BY step),
                                9223372036854775807) AS to_t
                FROM job
                WHERE is_current = 1
                  AND participant_code IN (SELECT participant_code FROM job WHERE is_current = 1 AND email IN shared))
            INSERT OR IGNORE INTO email_clash
            SELECT a.participant_code FROM iv a JOIN iv b
              ON b.email = a.email AND b.participant_code != a.participant_code AND a.from_t < b.to_t AND b.from_t < a.to_t
            WHERE a.email IS NOT NULL
            """)
        try db.execute(sql: """
            UPDATE job SET email_conflict = 1, state = \(JobState.held.sql), updated_at = ?1
            WHERE is_current = 1 AND state IN \([JobState.pending, .held].sql) AND email_conflict = 0
              AND participant_code IN (SELECT code FROM email_clash)
            """, arguments: [now])
        try db.execute(sql: """
            UPDATE job SET email_conflict = 0, updated_at = ?1,
                           state = CASE WHEN hold_reasons IS NULL AND state = \(JobState.held.sql) THEN \(JobState.pending.sql) ELSE state END
            WHERE is_current = 1 AND email_conflict = 1 AND participant_code NOT IN (SELECT code FROM email_clash)
            """, arguments: [now])
    }

}
