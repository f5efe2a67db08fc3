import GRDB
import ParticipantAPI

/// Counts for `backfill status`: current jobs by state on one target, every target's counts, and input rows.
/// Read from indexes, the sending rows and the per-file totals, so it answers at once on a database of
/// millions of rows.
public struct StatusSummary: Sendable, Codable, Equatable {
    /// One target the database has sent to.
    public struct TargetCounts: Sendable, Codable, Equatable {
        public var name: String
        public var profile: String
        public var baseURL: String
        /// Current jobs by state on this target; every state present.
        public var jobs: JobCounts
        /// The builds whose runs sent to the target (`0.21.0+<commit>`), oldest first; runs made before versions
        /// were recorded are left out.
        public var versions: [String] = []
        /// Lockouts of the IP the runs to this target caused, and their seconds.
        public var lockouts = 0
        public var lockoutSeconds: Double = 0
        /// History mode: `jobs` counts steps, and is also written as `steps`.
        var history = false

        enum CodingKeys: String, CodingKey {
            case name, profile, jobs, steps, versions
            case lockouts = "ip_lockouts"
            case lockoutSeconds = "ip_lockout_seconds"
            case baseURL = "base_url"
        }

        public init(name: String, profile: String, baseURL: String, jobs: JobCounts, history: Bool = false) {
            self.name = name
            self.profile = profile
            self.baseURL = baseURL
            self.jobs = jobs
            self.history = history
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            profile = try c.decode(String.self, forKey: .profile)
            baseURL = try c.decode(String.self, forKey: .baseURL)
            jobs = try c.decode(JobCounts.self, forKey: .jobs)
            history = c.contains(.steps)
            versions = try c.decodeIfPresent([String].self, forKey: .versions) ?? []
            lockouts = try c.decodeIfPresent(Int.self, forKey: .lockouts) ?? 0
            lockoutSeconds = try c.decodeIfPresent(Double.self, forKey: .lockoutSeconds) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(profile, forKey: .profile)
            try c.encode(baseURL, forKey: .baseURL)
            try c.encode(jobs, forKey: .jobs)
            if history { try c.encode(jobs, forKey: .steps) }
            if !versions.isEmpty { try c.encode(versions, forKey: .versions) }
            if lockouts > 0 {
                try c.encode(lockouts, forKey: .lockouts)
                try c.encode(lockoutSeconds, forKey: .lockoutSeconds)
            }
        }
    }

    /// The target described (`jobs`), nil when nothing has been sent and no target was named.
    public var target: String?
    /// Current jobs by state (`pending`, `held`, `in_flight`, `succeeded`, `failed`) on `target`; every state present.
    public var jobs: JobCounts
    /// Every target the database has sent to, oldest first.
    public var targets: [TargetCounts]
    /// Jobs no longer current: superseded by a newer fold.
    public var earlierJobs: Int
    public var files: Int
    public var rowsRead: Int
    public var rowsRejected: Int
    /// `latest` or `history`: in history mode `jobs` counts steps (with `blocked`) and `participantStates`
    /// counts participants.
    public var mode: IngestMode = .latest
    /// History mode: participants on `target` by where their steps stand: `held` (any step held), `failed` (a
    /// step failed: the later ones are blocked), `succeeded` (every step), `in_flight`, else `pending`.
    public var participantStates: JobCounts?
    /// The contract the database is made for: what its bodies are.
    public var contract: Contract = .default
    /// Under `zerohash`: participants with an ID change that needs a supporting document instead of a PATCH.
    public var documentNeeds = 0
    /// Jobs on `target` whose 200 echoed a field with another value than the one sent (`echo_mismatch`), and the
    /// fields in all.
    public var echoMismatches = 0
    public var echoMismatchFields = 0
    /// Email handovers, cycles and addresses held outside the input, on the target (absent from JSON when none).
    public var emailRules = EmailRuleCounts()
    /// Jurisdiction moves in the accepted histories, and into and out of the watched jurisdictions.
    public var moves = MoveCounts(moves: 0, participants: 0, watched: [])

    /// Participants (latest mode: one job each) or, in history mode, participants from `participantStates`.
    public var participants: Int { participantStates?.total ?? jobs.total }

    /// - Parameter scope: the target to describe; nil: the latest run's.
    /// `watch`: the jurisdictions whose moves into and out of are counted (ISO 3166-2).
    public static func read(_ db: Database, scope: TargetScope? = nil, watch: [String] = ["US-NY"]) throws -> StatusSummary {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let earlier = try Int.fetchOne(db, sql: "SELECT count(*) FROM job WHERE is_current = 0") ?? 0
        let files = try Row.fetchOne(db, sql: """
            SELECT count(*) AS files, coalesce(sum(rows_read), 0) AS read, coalesce(sum(rows_rejected), 0) AS rejected
            FROM source_file
            """)!
        let mode = try IngestMode.stored(db)
        // Each target's counts are made once (the scope's target is one of them).
        var countsByID: [Int64: JobCounts] = [:]
        let targets = try TargetStore.all(db).map { t in
            let jobs = try jobCounts(db, targetID: t.id, mode: mode)
            countsByID[t.id] = jobs
            var counts = TargetCounts(name: t.name, profile: t.target.profile.rawValue, baseURL: t.target.baseURL, jobs: jobs,
                                      history: mode == .history)
            counts.versions = try String.fetchAll(db, sql: """
                SELECT version FROM run WHERE target_id = ? AND version IS NOT NULL GROUP BY version ORDER BY min(id)
                """, arguments: [t.id])
            if let row = try Row.fetchOne(db, sql: "SELECT sum(lockouts), sum(lockout_seconds) FROM run WHERE target_id = ?",
                                          arguments: [t.id]) {
                counts.lockouts = row[0] ?? 0
                counts.lockoutSeconds = row[1] ?? 0
            }
            return counts
        }
        let scoped = try scope.stored.flatMap { countsByID[$0.id] } ?? jobCounts(db, targetID: scope.stored?.id, mode: mode)
        var summary = StatusSummary(target: scope.target?.name, jobs: scoped,
                                    targets: targets, earlierJobs: earlier, files: files["files"], rowsRead: files["read"],
                                    rowsRejected: files["rejected"])
        summary.mode = mode
        summary.contract = try ContractSetting.stored(db)
        summary.documentNeeds = try DocumentNeedReads.count(db)
        (summary.echoMismatches, summary.echoMismatchFields) = try EchoMismatchReads.count(db, targetID: scope.stored?.id)
        if mode == .history { summary.participantStates = try participantCounts(db, targetID: scope.stored?.id) }
        summary.emailRules = try EmailRuleCounts.read(db, targetID: scope.stored?.id)
        summary.moves = try MoveCounts.read(db, watch: watch)
        return summary
    }

    /// History mode: participants by where their current steps stand on one target.
    package static func participantCounts(_ db: Database, targetID: Int64?) throws -> JobCounts {
        var out = JobCounts(JobStatus.latest)
        for row in try Row.fetchAll(db, sql: """
            SELECT participant_state, count(*) AS n FROM (
                SELECT CASE WHEN max(j.state = \(JobState.held.sql)) THEN \(JobStatus.held.sql)
                            WHEN max(s.state = \(SendState.failed.sql)) THEN \(JobStatus.failed.sql)
                            WHEN min(coalesce(s.state = \(SendState.succeeded.sql), 0)) THEN \(JobStatus.succeeded.sql)
                            WHEN max(s.state = \(SendState.inFlight.sql)) THEN \(JobStatus.inFlight.sql)
                            ELSE \(JobStatus.pending.sql) END AS participant_state
                FROM job j LEFT JOIN job_send s ON s.target_id = ? AND s.job_id = j.id
                WHERE j.is_current = 1
                GROUP BY j.participant_code)
            GROUP BY participant_state
            """, arguments: [targetID ?? -1]) {
            out[row["participant_state"] as JobStatus] = row["n"]
        }
        return out
    }

    /// History mode: ready steps not sent to the target that come after a step that failed there.
    package static func blockedCount(_ db: Database, targetID: Int64) throws -> Int {
        try Int.fetchOne(db, sql: """
            WITH RECURSIVE \(EmailBlocked.cte(target: "?1")),
            step_blocked AS (
                SELECT n.id
                FROM job_send ps
                JOIN job p ON p.id = ps.job_id AND p.is_current = 1 AND p.step > 0
                JOIN job n ON n.participant_code = p.participant_code AND n.is_current = 1 AND n.step > p.step
                              AND n.state = \(JobState.pending.sql)
                WHERE ps.target_id = ?1 AND ps.state = \(SendState.failed.sql))
            SELECT count(*) FROM (
                SELECT id FROM step_blocked UNION SELECT b.id FROM email_blocked b JOIN job n ON n.id = b.id
                WHERE n.is_current = 1 AND n.state = \(JobState.pending.sql)) x
            WHERE NOT EXISTS (SELECT 1 FROM job_send s WHERE s.target_id = ?1 AND s.job_id = x.id AND s.state IN \(SendState.sent.sql))
            """, arguments: [targetID]) ?? 0
    }

    /// Current jobs by state on one target: a sent state there wins, then the job's own hold, else pending.
    /// Counts the ready and held jobs from the state index and only the rows sent to the target one by one.
    /// In history mode (`mode`), `blocked` counts the ready steps after a failed one (not in `pending`).
    public static func jobCounts(_ db: Database, targetID: Int64?, mode: IngestMode = .latest) throws -> JobCounts {
        var jobs = JobCounts(mode: mode)
        var ready = 0
        var held = 0
        // Ready jobs are nearly all of them: counted as every job (SQLite counts a table without visiting its
        // rows) less the others, which the state index finds without walking past the ready ones.
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM job") ?? 0
        let earlier = try Int.fetchOne(db, sql: "SELECT count(*) FROM job WHERE is_current = 0") ?? 0
        var others = 0
        for row in try Row.fetchAll(db, sql: """
            SELECT state, count(*) AS n FROM job WHERE is_current = 1 AND state < ?1 GROUP BY state
            UNION ALL
            SELECT state, count(*) AS n FROM job WHERE is_current = 1 AND state > ?1 GROUP BY state
            """, arguments: [JobState.pending.rawValue]) {
            let n: Int = row["n"]
            others += n
            if JobState(rawValue: row["state"]) == .held { held = n }
        }
        ready = total - earlier - others
        if let targetID {
            // Sent states from the counts the triggers keep (`send_count`: no walk over every sent job), less the
            // sends of jobs that are no longer current; the sends of held jobs come out of `held` (both sets are
            // small, found through the state index).
            for row in try Row.fetchAll(db, sql: """
                SELECT state, n FROM send_count WHERE target_id = ? AND state IN \(SendState.sent.sql)
                """, arguments: [targetID]) {
                let n: Int = row["n"]
                if let state = JobStatus(sent: row["state"]) { jobs[state] += n }
                ready -= n
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT s.state, j.is_current, count(*) AS n
                FROM job j INDEXED BY job_current_state JOIN job_send s ON s.target_id = ?1 AND s.job_id = j.id
                WHERE (j.is_current = 0 OR (j.is_current = 1 AND j.state = ?2)) AND s.state IN \(SendState.sent.sql)
                GROUP BY s.state, j.is_current
                """, arguments: [targetID, JobState.held.rawValue]) {
                let n: Int = row["n"]
                ready += n
                if (row["is_current"] as Int) == 0 {
                    if let state = JobStatus(sent: row["state"]) { jobs[state] -= n }
                } else {
                    held -= n
                }
            }
        }
        let handovers = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM email_handover)") ?? false
        if let targetID, mode == .history || handovers {
            // History mode: steps after a failed one. Both modes: takers of an email whose giver failed or is held.
            let blocked = try blockedCount(db, targetID: targetID)
            if mode == .history || blocked > 0 { jobs[.blocked] = blocked }
            ready -= blocked
        }
        jobs[.pending] = ready
        jobs[.held] = held
        return jobs
    }

    package enum CodingKeys: String, CodingKey {
        case target, jobs, steps, targets
        case earlierJobs = "earlier_jobs"
        case files
        case rowsRead = "rows_read"
        case rowsRejected = "rows_rejected"
        case mode
        case participantStates = "participants"
        case contract
        case documentNeeds = "needs_document"
        case echoMismatches = "echo_mismatches"
        case emailRules = "email_rules"
        case moves
    }

    /// The keys `status --json` has always written; in history mode `jobs` (which counts steps) is also written as
    /// `steps`, the name history mode uses everywhere else (`jobs` stays for one release).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(target, forKey: .target)
        try c.encode(jobs, forKey: .jobs)
        if mode == .history { try c.encode(jobs, forKey: .steps) }
        try c.encode(targets, forKey: .targets)
        try c.encode(earlierJobs, forKey: .earlierJobs)
        try c.encode(files, forKey: .files)
        try c.encode(rowsRead, forKey: .rowsRead)
        try c.encode(rowsRejected, forKey: .rowsRejected)
        try c.encode(mode, forKey: .mode)
        try c.encodeIfPresent(participantStates, forKey: .participantStates)
        try c.encode(contract, forKey: .contract)
        if contract == .zerohash { try c.encode(documentNeeds, forKey: .documentNeeds) }
        // Present when a 200 echoed another value (absent: none did).
        if echoMismatches > 0 { try c.encode(echoMismatches, forKey: .echoMismatches) }
        if !emailRules.isEmpty { try c.encode(emailRules, forKey: .emailRules) }
        // Present when the accepted histories hold a move (absent: none do, or the database predates the list).
        if moves.moves > 0 { try c.encode(moves, forKey: .moves) }
    }
}

extension StatusSummary {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        target = try c.decodeIfPresent(String.self, forKey: .target)
        jobs = try c.decode(JobCounts.self, forKey: .jobs)
        targets = try c.decode([TargetCounts].self, forKey: .targets)
        earlierJobs = try c.decode(Int.self, forKey: .earlierJobs)
        files = try c.decode(Int.self, forKey: .files)
        rowsRead = try c.decode(Int.self, forKey: .rowsRead)
        rowsRejected = try c.decode(Int.self, forKey: .rowsRejected)
        mode = try c.decodeIfPresent(IngestMode.self, forKey: .mode) ?? .latest
        contract = try c.decodeIfPresent(Contract.self, forKey: .contract) ?? .ndax
        documentNeeds = try c.decodeIfPresent(Int.self, forKey: .documentNeeds) ?? 0
        echoMismatches = try c.decodeIfPresent(Int.self, forKey: .echoMismatches) ?? 0
        participantStates = try c.decodeIfPresent(JobCounts.self, forKey: .participantStates)
        emailRules = try c.decodeIfPresent(EmailRuleCounts.self, forKey: .emailRules) ?? EmailRuleCounts()
        moves = try c.decodeIfPresent(MoveCounts.self, forKey: .moves) ?? MoveCounts(moves: 0, participants: 0, watched: [])
    }
}
