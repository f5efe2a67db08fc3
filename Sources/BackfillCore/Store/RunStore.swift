import Foundation
import GRDB
import ParticipantAPI
import Synchronization

/// A job handed to a worker: what is sent, exactly as stored by ingest.
public struct ClaimedJob: Sendable, Equatable {
    public var id: Int64
    public var participantCode: String
    public var requestID: String
    public var body: [UInt8]
    /// Attempts used before this one.
    public var attempts: Int
    /// The job was refused once already because another participant holds its email, and waited for the rest
    /// of the run: a second such refusal fails it (`email_taken`).
    public var deferred: Bool

    public init(id: Int64, participantCode: String, requestID: String, body: [UInt8], attempts: Int, deferred: Bool = false) {
        self.deferred = deferred
        self.id = id
        self.participantCode = participantCode
        self.requestID = requestID
        self.body = body
        self.attempts = attempts
    }
}

/// The end of one attempt, as written to the ledger and to its job.
public struct AttemptRecord: Sendable, Equatable {
    public var jobID: Int64
    public var number: Int
    public var requestID: String
    public var startedAt: Int64
    public var endedAt: Int64
    public var status: Int?
    public var outcome: AttemptOutcome
    public var errorClass: ErrorClass?
    public var message: String?
    public var responseBody: [UInt8]?
    /// What happens to the job.
    public var transition: JobTransition
    /// The fields a 200 echoed with another value than the one sent (`EchoCheck`).
    public var echoMismatches: [EchoMismatch]

    public init(jobID: Int64, number: Int, requestID: String, startedAt: Int64, endedAt: Int64, status: Int?,
                outcome: AttemptOutcome, errorClass: ErrorClass?, message: String?, responseBody: [UInt8]?, transition: JobTransition,
                echoMismatches: [EchoMismatch] = []) {
        self.echoMismatches = echoMismatches
        self.jobID = jobID
        self.number = number
        self.requestID = requestID
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.outcome = outcome
        self.errorClass = errorClass
        self.message = message
        self.responseBody = responseBody
        self.transition = transition
    }
}

/// The state a job moves to after an attempt. Decided by the pool (pure), carried out here.
public enum JobTransition: Sendable, Equatable {
    case succeeded
    case failed
    /// Back to pending, sendable from `notBefore` (epoch ms); `countsAttempt` is false for 429s and stops.
    case pending(notBefore: Int64?, countsAttempt: Bool)
    /// "Email already used" from a holder the input does not show: pending, but sent again only once every other
    /// job of the run on the target has been answered (`nextDue`), with the same request id.
    case deferred
}

/// The run's database side, for one target: the sending rows (`job_send`) of that target, its ledger rows and
/// its runs. Every method is one short transaction on the writer's connection.
public final class RunStore: Sendable {
    public let database: DatabaseQueue
    /// Where this store's jobs are sent.
    public let target: StoredTarget
    /// Bytes of a response body kept in the ledger.
    public static let responseCap = 4096

    /// The database's mode. In history mode a participant's steps go out one after another: step 1 is fresh
    /// work, claimed oldest instant first; a later step becomes sendable (a pending `job_send` row) when the
    /// step before it succeeds on this target.
    public let mode: IngestMode
    /// Ingest planned email handovers: a giver's success may make its takers sendable.
    public let hasHandovers: Bool

    private struct Cursor {
        /// Fresh jobs (never claimed for this target) are claimed in id order past this one (latest mode).
        var lastFreshID: Int64 = 0
        /// History mode: first steps are claimed in (platform_updated_at, id) order past this one.
        var lastFreshStep: (at: Int64, id: Int64) = (Int64.min, 0)
        /// The run whose attempts are being recorded.
        var runID: Int64?
    }
    private let cursor = Mutex(Cursor())

    /// Finds (or records) the target in the database.
    public init(database: DatabaseQueue, target: Target) throws {
        self.database = database
        (self.target, self.mode, self.hasHandovers) = try database.write { db in
            (try TargetStore.findOrCreate(db, target, now: EpochClock.milliseconds()), try IngestMode.stored(db),
             try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM email_handover)") ?? false)
        }
    }

    private var targetID: Int64 { target.id }

    /// SQL true when job `j` (an alias) waits for no email handover on target `?1`: every giver it waits for has
    /// succeeded there.
    static let handoversDone = """
        NOT EXISTS (SELECT 1 FROM email_handover h WHERE h.taker_job_id = j.id AND NOT EXISTS (
            SELECT 1 FROM job_send gs WHERE gs.target_id = ?1 AND gs.job_id = h.giver_job_id AND gs.state = \(SendState.succeeded.sql)))
        """

    /// Makes sendable (a pending `job_send` row on this target) the takers of email handovers whose givers have
    /// all succeeded here, whose own step before (history mode) has too, and that have no sending row yet: those
    /// of `giver`, or every taker when nil.
    private func releaseTakers(_ db: Database, giver: Int64?, now: Int64) throws {
        // Two statements, not one with `?3 IS NULL OR ...`, which would walk every handover on each success
        // instead of looking the giver's takers up by index. The one after a success is prepared once.
        let takers = giver == nil ? "SELECT taker_job_id FROM email_handover"
            : "SELECT taker_job_id FROM email_handover WHERE giver_job_id = ?3"
        let sql = """
            INSERT INTO job_send (target_id, job_id, state, attempts, updated_at)
            SELECT ?1, j.id, \(SendState.pending.sql), 0, ?2
            FROM job j
            WHERE j.id IN (\(takers))
              AND j.is_current = 1 AND j.state = \(JobState.pending.sql)
              AND NOT EXISTS (SELECT 1 FROM job_send s WHERE s.target_id = ?1 AND s.job_id = j.id)
              AND \(Self.handoversDone)
              AND (j.step <= 1 OR EXISTS (
                  SELECT 1 FROM job p JOIN job_send ps ON ps.target_id = ?1 AND ps.job_id = p.id AND ps.state = \(SendState.succeeded.sql)
                  WHERE p.participant_code = j.participant_code AND p.is_current = 1 AND p.step = j.step - 1))
            """
        if let giver {
            try db.cachedStatement(sql: sql).execute(arguments: [targetID, now, giver])
        } else {
            try db.execute(sql: sql, arguments: [targetID, now])
        }
    }

    /// Recovers what a crashed run left on this target. Jobs it had started (`in_flight`: the request may have
    /// reached the server) get an `interrupted` ledger row and go first in the queue, with the same request_id
    /// and bytes, so the resend is idempotent. Jobs it had only claimed go back to pending with no attempt.
    /// Returns how many were in flight.
    public func recoverInterrupted(now: Int64) throws -> Int {
        let runID = cursor.withLock { $0.runID }
        return try database.write { db in
            try db.execute(sql: "UPDATE job_send SET state = \(SendState.pending.sql), updated_at = ?1 WHERE target_id = ?2 AND state = \(SendState.claimed.sql)",
                           arguments: [now, targetID])
            try db.execute(sql: """
                INSERT INTO attempt (job_id, number, request_id, started_at, ended_at, latency_ms, outcome, error_class,
                                     message, target_id, run_id)
                SELECT j.id, s.attempts + 1, j.request_id, coalesce(s.last_attempt_at, ?1), ?1, 0, \(AttemptOutcome.interrupted.sql), \(ErrorClass.interrupted.sql),
                       'the run that sent this was stopped before it recorded an answer; sent again with the same request_id',
                       ?2, (SELECT max(id) FROM run WHERE target_id = ?2 AND (?3 IS NULL OR id < ?3))
                FROM job_send s JOIN job j ON j.id = s.job_id
                WHERE s.target_id = ?2 AND s.state = \(SendState.inFlight.sql)
                """, arguments: [now, targetID, runID])
            try db.execute(sql: """
                UPDATE job_send SET state = \(SendState.pending.sql), next_attempt_at = 0, updated_at = ?1
                WHERE target_id = ?2 AND state = \(SendState.inFlight.sql)
                """, arguments: [now, targetID])
            let interrupted = db.changesCount
            if mode == .history { try releaseReadySteps(db, now: now) }
            try releaseTakers(db, giver: nil, now: now)
            return interrupted
        }
    }

    /// History mode: makes sendable every ready step whose step before succeeded on this target and that has no
    /// sending row here yet (steps a re-ingest added after a sent step, a corrective job `retry --as-latest`
    /// released, a target that was left mid-way).
    private func releaseReadySteps(_ db: Database, now: Int64) throws {
        try db.execute(sql: """
            INSERT INTO job_send (target_id, job_id, state, attempts, updated_at)
            SELECT ?1, j.id, \(SendState.pending.sql), 0, ?2
            FROM job j
            JOIN job p ON p.participant_code = j.participant_code AND p.is_current = 1 AND p.step = j.step - 1
            JOIN job_send ps ON ps.target_id = ?1 AND ps.job_id = p.id AND ps.state = \(SendState.succeeded.sql)
            WHERE j.is_current = 1 AND j.state = \(JobState.pending.sql) AND j.step > 1
              AND NOT EXISTS (SELECT 1 FROM job_send s WHERE s.target_id = ?1 AND s.job_id = j.id)
              AND \(Self.handoversDone)
            """, arguments: [targetID, now])
    }

    /// Claims up to `limit` sendable jobs (moves them to `claimed` on this target): due retries first, then
    /// fresh jobs (never claimed for this target) in id order. A claimed job is not sent yet: `markStarted`
    /// records its start.
    public func claim(limit: Int, now: Int64) throws -> [ClaimedJob] {
        if mode == .history { return try claimSteps(limit: limit, now: now) }
        let after = cursor.withLock { $0.lastFreshID }
        let (jobs, lastFresh) = try database.write { db -> ([ClaimedJob], Int64?) in
            let due = try Int64.fetchAll(db, sql: """
                SELECT s.job_id FROM job_send s JOIN job j ON j.id = s.job_id
                WHERE s.target_id = ?1 AND s.state = \(SendState.pending.sql) AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= ?2)
                  AND s.deferred != 1 AND j.is_current = 1 AND j.state = \(JobState.pending.sql)
                  AND \(Self.handoversDone)
                ORDER BY s.next_attempt_at, s.job_id LIMIT ?3
                """, arguments: [targetID, now, limit])
            var fresh: [Int64] = []
            if due.count < limit {
                fresh = try Int64.fetchAll(db, sql: """
                    SELECT j.id FROM job j
                    WHERE j.is_current = 1 AND j.state = \(JobState.pending.sql) AND j.id > ?2
                      AND NOT EXISTS (SELECT 1 FROM job_send s WHERE s.target_id = ?1 AND s.job_id = j.id)
                      AND NOT EXISTS (SELECT 1 FROM email_handover h WHERE h.taker_job_id = j.id)
                    ORDER BY j.id LIMIT ?3
                    """, arguments: [targetID, after, limit - due.count])
            }
            if !due.isEmpty {
                try db.execute(literal: """
                    UPDATE job_send SET state = \(SendState.claimed), updated_at = \(now)
                    WHERE target_id = \(targetID) AND job_id IN \(due)
                    """)
            }
            try insertClaimed(db, fresh, now: now)
            return (try claimedJobs(db, (due + fresh).sorted()), fresh.last)
        }
        if let lastFresh { cursor.withLock { $0.lastFreshID = max($0.lastFreshID, lastFresh) } }
        return jobs
    }

    /// History mode's claim: due retries first, then the ready steps (released later steps and fresh first
    /// steps) oldest instant first.
    private func claimSteps(limit: Int, now: Int64) throws -> [ClaimedJob] {
        let after = cursor.withLock { $0.lastFreshStep }
        let (jobs, lastFresh) = try database.write { db -> ([ClaimedJob], (at: Int64, id: Int64)?) in
            struct Ready { var id: Int64; var at: Int64; var retry: Bool; var fresh: Bool }
            let due = try Row.fetchAll(db, sql: """
                SELECT s.job_id, coalesce(j.platform_updated_at, 0), s.next_attempt_at IS NOT NULL
                FROM job_send s JOIN job j ON j.id = s.job_id
                WHERE s.target_id = ?1 AND s.state = \(SendState.pending.sql) AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= ?2)
                  AND s.deferred != 1 AND j.is_current = 1 AND j.state = \(JobState.pending.sql)
                  AND \(Self.handoversDone)
                ORDER BY s.next_attempt_at IS NULL, s.next_attempt_at, j.platform_updated_at, s.job_id LIMIT ?3
                """, arguments: [targetID, now, limit]).map { Ready(id: $0[0], at: $0[1], retry: $0[2], fresh: false) }
            let fresh = try Row.fetchAll(db, sql: """
                SELECT j.id, j.platform_updated_at FROM job j
                WHERE j.is_current = 1 AND j.state = \(JobState.pending.sql) AND j.step = 1 AND (j.platform_updated_at, j.id) > (?2, ?3)
                  AND NOT EXISTS (SELECT 1 FROM job_send s WHERE s.target_id = ?1 AND s.job_id = j.id)
                  AND NOT EXISTS (SELECT 1 FROM email_handover h WHERE h.taker_job_id = j.id)
                ORDER BY j.platform_updated_at, j.id LIMIT ?4
                """, arguments: [targetID, after.at, after.id, limit]).map { Ready(id: $0[0], at: $0[1], retry: false, fresh: true) }
            // Retries that waited for their backoff go first; then every ready step by its instant.
            let retries = due.filter(\.retry)
            let rest = (due.filter { !$0.retry } + fresh).sorted { ($0.at, $0.id) < ($1.at, $1.id) }
            let taken = Array((retries + rest).prefix(limit))
            let takenDue = taken.filter { !$0.fresh }.map(\.id)
            let takenFresh = taken.filter(\.fresh)
            if !takenDue.isEmpty {
                try db.execute(literal: """
                    UPDATE job_send SET state = \(SendState.claimed), updated_at = \(now)
                    WHERE target_id = \(targetID) AND job_id IN \(takenDue)
                    """)
            }
            try insertClaimed(db, takenFresh.map(\.id), now: now)
            return (try claimedJobs(db, taken.map(\.id)), takenFresh.last.map { ($0.at, $0.id) })
        }
        if let lastFresh {
            cursor.withLock { if (lastFresh.at, lastFresh.id) > ($0.lastFreshStep.at, $0.lastFreshStep.id) { $0.lastFreshStep = lastFresh } }
        }
        return jobs
    }

    private func insertClaimed(_ db: Database, _ ids: [Int64], now: Int64) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO job_send (target_id, job_id, state, attempts, updated_at) VALUES (?, ?, \(SendState.claimed.sql), 0, ?)
            """)
        for id in ids { try insert.execute(arguments: [targetID, id, now]) }
    }

    /// The claimed jobs as workers send them, in the order of `ids`.
    private func claimedJobs(_ db: Database, _ ids: [Int64]) throws -> [ClaimedJob] {
        guard !ids.isEmpty else { return [] }
        let byID = try SQLRequest<Row>(literal: """
            SELECT j.id, j.participant_code, j.request_id, j.body, s.attempts, s.deferred
            FROM job j JOIN job_send s ON s.target_id = \(targetID) AND s.job_id = j.id
            WHERE j.id IN \(ids)
            """).fetchAll(db).reduce(into: [Int64: ClaimedJob]()) { out, row in
            let body: Data = row["body"]
            out[row["id"]] = ClaimedJob(id: row["id"], participantCode: row["participant_code"], requestID: row["request_id"],
                                        body: Array(body), attempts: row["attempts"], deferred: (row["deferred"] as Int) != 0)
        }
        return ids.compactMap { byID[$0] }
    }

    /// When the next backed-off job becomes due, if any is waiting. The run asks once nothing is queued or in
    /// flight: when nothing else is pending either, the jobs deferred for an email another participant holds are
    /// due now (each is sent once more, with the same request id).
    public func nextDue() throws -> Int64? {
        try database.write { db in
            let due = try Int64.fetchOne(db, sql: """
                SELECT min(coalesce(s.next_attempt_at, 0)) FROM job_send s JOIN job j ON j.id = s.job_id
                WHERE s.target_id = ? AND s.state = \(SendState.pending.sql) AND s.deferred != 1
                  AND j.is_current = 1 AND j.state = \(JobState.pending.sql)
                """, arguments: [targetID])
            if let due { return due }
            try db.execute(sql: """
                UPDATE job_send SET deferred = 2, updated_at = ?2
                WHERE target_id = ?1 AND state = \(SendState.pending.sql) AND deferred = 1
                  AND job_id IN (SELECT id FROM job WHERE is_current = 1 AND state = \(JobState.pending.sql))
                """, arguments: [targetID, EpochClock.milliseconds()])
            return db.changesCount > 0 ? 0 : nil
        }
    }

    /// Records that these claimed jobs' requests started: from now on a crash counts them as possibly sent.
    public func markStarted(_ ids: [Int64], now: Int64) throws {
        try updateClaimed(ids) { part in
            "UPDATE job_send SET state = \(SendState.inFlight), last_attempt_at = \(now), updated_at = \(now) WHERE target_id = \(targetID) AND state = \(SendState.claimed) AND job_id IN \(part)"
        }
    }

    /// Runs `statement` over `ids` in chunks of 500, in one transaction.
    private func updateClaimed(_ ids: [Int64], _ statement: ([Int64]) -> SQL) throws {
        guard !ids.isEmpty else { return }
        try database.write { db in
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                try db.execute(literal: statement(Array(ids[chunk..<min(chunk + 500, ids.count)])))
            }
        }
    }

    /// Returns claimed jobs that were never sent to pending, untouched.
    public func release(_ ids: [Int64], now: Int64) throws {
        try updateClaimed(ids) { part in
            "UPDATE job_send SET state = \(SendState.pending), updated_at = \(now) WHERE target_id = \(targetID) AND state = \(SendState.claimed) AND job_id IN \(part)"
        }
    }

    /// Writes a batch of attempts and their jobs' new states on this target in one transaction.
    public func record(_ records: [AttemptRecord]) throws {
        guard !records.isEmpty else { return }
        let runID = cursor.withLock { $0.runID }
        try database.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO attempt (job_id, number, request_id, started_at, ended_at, latency_ms, http_status,
                                     outcome, error_class, message, response_body, target_id, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let update = try db.cachedStatement(sql: """
                UPDATE job_send SET state = ?3, attempts = attempts + ?4, next_attempt_at = ?5, last_attempt_at = ?6,
                                    last_status = ?7, error_class = ?8, last_message = ?9,
                                    response = coalesce(?10, response), updated_at = ?11,
                                    deferred = CASE WHEN ?12 THEN 1 ELSE deferred END
                WHERE target_id = ?1 AND job_id = ?2
                """)
            let mismatch = try db.cachedStatement(sql: """
                INSERT INTO echo_mismatch (job_id, target_id, field, sent, echoed, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
                """)
            // History mode: the step after a succeeded one becomes sendable in the same transaction.
            let releaseNext = try db.cachedStatement(sql: """
                INSERT INTO job_send (target_id, job_id, state, attempts, updated_at)
                SELECT ?1, j.id, \(SendState.pending.sql), 0, ?3
                FROM job p JOIN job j ON j.participant_code = p.participant_code AND j.is_current = 1 AND j.step = p.step + 1
                WHERE p.id = ?2 AND p.step > 0 AND j.state = \(JobState.pending.sql)
                  AND NOT EXISTS (SELECT 1 FROM job_send s WHERE s.target_id = ?1 AND s.job_id = j.id)
                  AND \(Self.handoversDone)
                """)
            for r in records {
                let capped = r.responseBody.map { Data($0.prefix(RunStore.responseCap)) }
                try insert.execute(arguments: [r.jobID, r.number, r.requestID, r.startedAt, r.endedAt,
                                               r.endedAt - r.startedAt, r.status, r.outcome, r.errorClass,
                                               r.message, capped, targetID, runID])
                let state: SendState
                var counts = 1
                var notBefore: Int64?
                switch r.transition {
                case .succeeded: state = .succeeded
                case .failed: state = .failed
                case .pending(let nb, let c): state = .pending; notBefore = nb; counts = c ? 1 : 0
                case .deferred: state = .pending
                }
                let response = r.transition == .succeeded ? r.responseBody.map { Data($0) } : nil
                try update.execute(arguments: [targetID, r.jobID, state, counts, notBefore, r.startedAt, r.status,
                                               r.transition == .succeeded ? nil : r.errorClass,
                                               r.transition == .succeeded ? nil : r.message, response, r.endedAt,
                                               r.transition == .deferred])
                if r.transition == .succeeded {
                    if mode == .history { try releaseNext.execute(arguments: [targetID, r.jobID, r.endedAt]) }
                    if hasHandovers { try releaseTakers(db, giver: r.jobID, now: r.endedAt) }
                }
                for m in r.echoMismatches {
                    try mismatch.execute(arguments: [r.jobID, targetID, m.field, m.sent, m.echoed, r.endedAt])
                }
            }
        }
    }

    /// Counts by state of current jobs on this target, for progress and the summary.
    public func counts() throws -> JobCounts {
        try database.read { db in try StatusSummary.jobCounts(db, targetID: targetID, mode: mode) }
    }

    /// Takes the run lock and starts a run row on this target; returns its id and the stale lock it took
    /// over, if any. Throws when a live process holds the lock.
    /// `version`: the build that makes the run (`BuildInfo.recorded`), kept in its row.
    public func beginRun(now: Int64, rate: String, concurrency: Int,
                         version: String = BuildInfo.recorded) throws -> (id: Int64, tookOver: RunLock.Holder?) {
        let begun = try database.write { db -> (Int64, RunLock.Holder?) in
            let stale = try RunLock.acquire(db, now: now)
            // A run that never ended died: it ends now as `crashed`, at its last recorded activity.
            try db.execute(sql: """
                UPDATE run SET stop_code = \(RunStop.Code.crashed.sql), stop_message = NULL,
                    ended_at = max(started_at, coalesce((SELECT max(a.ended_at) FROM attempt a WHERE a.run_id = run.id), started_at))
                WHERE ended_at IS NULL
                """)
            // A ceiling `backfill rate` asked of an earlier run does not carry over: this run starts from its own --rate.
            try db.execute(sql: "DELETE FROM setting WHERE name = ?", arguments: [RunStore.rateSetting])
            try db.execute(sql: """
                INSERT INTO run (started_at, base_url, rate, concurrency, target_id, profile, version) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [now, target.target.baseURL, rate, concurrency, targetID, target.target.profile.rawValue, version])
            return (db.lastInsertedRowID, stale)
        }
        cursor.withLock { $0.runID = begun.0 }
        return (begun.0, begun.1)
    }

    /// Ends the run: its exit code and, when it did not drain, why it stopped (code and message apart).
    public func endRun(_ id: Int64, now: Int64, exitCode: Int32, stop: RunStop?, lockouts: Int = 0,
                       lockoutSeconds: Double = 0) throws {
        try database.write { db in
            try db.execute(literal: """
                UPDATE run SET ended_at = \(now), exit_code = \(exitCode), stop_code = \(stop?.code), stop_message = \(stop?.message),
                               lockouts = \(lockouts), lockout_seconds = \(lockoutSeconds)
                WHERE id = \(id)
                """)
            try db.execute(sql: "DELETE FROM setting WHERE name = ?", arguments: [RunStore.rateSetting])
            try RunLock.release(db)
        }
    }
}

extension RunStore {
    /// Jobs not done on this target once a run is over.
    public struct Left: Sendable, Equatable {
        /// Ready and never answered for good, sendable now.
        public var pending = 0
        /// Waiting for a retry due after `now`.
        public var retryLater = 0
        /// Left in flight (a run that died).
        public var inFlight = 0
        /// History mode: steps after a step that failed for good; not sendable until `backfill retry` moves the
        /// failed step back to pending (not in `total`: a resume does not send them).
        public var blocked = 0
        public var total: Int { pending + retryLater + inFlight }

        public init(pending: Int = 0, retryLater: Int = 0, inFlight: Int = 0, blocked: Int = 0) {
            self.pending = pending
            self.retryLater = retryLater
            self.inFlight = inFlight
            self.blocked = blocked
        }
    }

    public func left(now: Int64) throws -> Left {
        try database.read { db in
            let counts = try StatusSummary.jobCounts(db, targetID: targetID, mode: mode)
            let later = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM job_send s JOIN job j ON j.id = s.job_id
                WHERE s.target_id = ? AND s.state = \(SendState.pending.sql) AND s.next_attempt_at > ? AND j.is_current = 1
                  AND j.state = \(JobState.pending.sql)
                """, arguments: [targetID, now]) ?? 0
            return Left(pending: counts[.pending] - later, retryLater: later, inFlight: counts[.inFlight], blocked: counts[.blocked])
        }
    }

    /// Current jobs failed on this target, by error class, largest first.
    /// `setting.name` of the rate `backfill rate` asks of the running run (`500/10s`).
    public static let rateSetting = "run_rate"

    /// The rate `backfill rate` asked of the running run, if any. The database is the channel: the run has it open
    /// already, the write is atomic and checked before it is made, and it needs no PID, signal or open port.
    public func requestedRate() throws -> RateLimit? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = ?", arguments: [RunStore.rateSetting])
                .flatMap(RateLimit.init(parsing:))
        }
    }

    /// Where the email rules stand on this target.
    public func emailRules() throws -> EmailRuleCounts {
        try database.read { db in try EmailRuleCounts.read(db, targetID: targetID) }
    }

    public func failedByClass() throws -> [(errorClass: ErrorClass, count: Int)] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT coalesce(s.error_class, \(ErrorClass.unexpected.sql)) AS cls, count(*) AS n
                FROM job_send s JOIN job j ON j.id = s.job_id
                WHERE s.target_id = ? AND s.state = \(SendState.failed.sql) AND j.is_current = 1
                GROUP BY cls ORDER BY n DESC, cls
                """, arguments: [targetID]).map { (ErrorClass(rawValue: $0["cls"]) ?? .unexpected, $0["n"]) }
        }
    }
}
