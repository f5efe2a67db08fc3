import GRDB

/// Counts for `backfill status`: current jobs by state, and input rows. Read from indexes and the per-file
/// totals, so it answers at once on a database of millions of rows.
public struct StatusSummary: Sendable, Codable, Equatable {
    /// Current jobs by state (`pending`, `held`, `in_flight`, `succeeded`, `failed`); every state present.
    public var jobs: [String: Int]
    /// Jobs no longer current: superseded before sending, or earlier sent versions.
    public var earlierJobs: Int
    public var files: Int
    public var rowsRead: Int
    public var rowsRejected: Int

    /// The states a current job can be in, in pipeline order.
    public static let states = ["pending", "held", "in_flight", "succeeded", "failed"]

    public var participants: Int { jobs.values.reduce(0, +) }

    public static func read(_ db: Database) throws -> StatusSummary {
        var jobs = Dictionary(uniqueKeysWithValues: states.map { ($0, 0) })
        for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM job WHERE is_current = 1 GROUP BY state") {
            jobs[row["state"]] = row["n"]
        }
        let earlier = try Int.fetchOne(db, sql: "SELECT count(*) FROM job WHERE is_current = 0") ?? 0
        let files = try Row.fetchOne(db, sql: """
            SELECT count(*) AS files, coalesce(sum(rows_read), 0) AS read, coalesce(sum(rows_rejected), 0) AS rejected
            FROM source_file
            """)!
        return StatusSummary(jobs: jobs, earlierJobs: earlier, files: files["files"], rowsRead: files["read"],
                             rowsRejected: files["rejected"])
    }

    enum CodingKeys: String, CodingKey {
        case jobs
        case earlierJobs = "earlier_jobs"
        case files
        case rowsRead = "rows_read"
        case rowsRejected = "rows_rejected"
    }
}
