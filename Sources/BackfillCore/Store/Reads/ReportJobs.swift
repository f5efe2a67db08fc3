import GRDB

/// The target's current failed and held jobs, read through indexes (`job_send_due` for failed, `job_current_state`
/// for held) rather than through `target_job`, which joins every job of the database to its sending state.
/// Each view has the columns of `target_job` that the reports read, and the same states:
/// - `report_failed`: `target_job`'s failed jobs, i.e. the target's `job_send.state` is `failed`;
/// - `report_held`: `target_job`'s held jobs, i.e. the job is held and nothing was sent for it there;
/// - `report_job`: both.
///
/// ```swift
/// let n = try Int.fetchOne(db, sql: ReportJobs.sql(scope, "SELECT count(*) FROM report_failed"))
/// ```
package enum ReportJobs {
    package static func sql(_ scope: TargetScope, _ statement: String) -> String {
        let id = scope.stored?.id ?? -1
        return scope.sql("""
            WITH report_failed AS (
                SELECT j.id, j.participant_code, \(JobStatus.failed.sql) AS state, j.request_id, j.body, j.platform_updated_at, j.email,
                       j.hold_reasons, j.email_conflict, j.email_cycle, s.attempts, s.last_attempt_at, s.last_status, s.error_class,
                       s.last_message, j.step
                FROM job_send s JOIN job j ON j.id = s.job_id
                WHERE s.target_id = \(id) AND s.state = \(SendState.failed.sql) AND j.is_current = 1),
            report_held AS (
                SELECT j.id, j.participant_code, \(JobStatus.held.sql) AS state, j.request_id, j.body, j.platform_updated_at, j.email,
                       j.hold_reasons, j.email_conflict, j.email_cycle, coalesce(s.attempts, 0) AS attempts, s.last_attempt_at,
                       s.last_status, s.error_class, s.last_message, j.step
                FROM job j LEFT JOIN job_send s ON s.target_id = \(id) AND s.job_id = j.id
                WHERE j.is_current = 1 AND j.state = \(JobState.held.sql) AND (s.state IS NULL OR s.state NOT IN \(SendState.sent.sql))
                  -- History mode: a participant's first unsent held step stands for it (an email conflict holds them all).
                  AND (j.step = 0 OR j.step = (
                      SELECT min(e.step) FROM job e LEFT JOIN job_send es ON es.target_id = \(id) AND es.job_id = e.id
                      WHERE e.participant_code = j.participant_code AND e.is_current = 1 AND e.state = \(JobState.held.sql)
                        AND (es.state IS NULL OR es.state NOT IN \(SendState.sent.sql))))),
            report_job AS (SELECT * FROM report_failed UNION ALL SELECT * FROM report_held)
            \(statement)
            """)
    }
}
