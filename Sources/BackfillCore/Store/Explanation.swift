import Foundation
import GRDB
import ParticipantAPI

/// Everything `backfill explain` shows about one participant: its rows in fold order, the resulting body,
/// request_id and state, or why it is held.
public struct Explanation: Sendable, Codable {
    public struct SourceRow: Sendable, Codable {
        /// `file:line`.
        public var source: String
        public var platformUpdatedAt: Int64?
        public var status: RowStatus
        /// Provided normalized fields by canonical name.
        public var fields: [String: String]
        public var rejection: String?

        enum CodingKeys: String, CodingKey {
            case source, status, fields, rejection
            case platformUpdatedAt = "platform_updated_at"
        }
    }

    /// Where a job stands on one target it was sent to.
    public struct Send: Sendable, Codable {
        public var target: String
        public var state: SendState
        public var attempts: Int
        public var lastStatus: Int?
        public var errorClass: ErrorClass?
        public var message: String?
        /// ISO-8601, UTC.
        public var lastAttemptAt: String?
        /// Fields the 200 echoed with another value than the one sent.
        public var echoMismatches: [EchoMismatch] = []

        enum CodingKeys: String, CodingKey {
            case target, state, attempts, message
            case echoMismatches = "echo_mismatches"
            case lastStatus = "last_status"
            case errorClass = "error_class"
            case lastAttemptAt = "last_attempt_at"
        }
    }

    public struct JobVersion: Sendable, Codable {
        public var id: Int64
        /// What ingest decided: `pending` (ready), `held` or `superseded`.
        public var state: JobState
        /// The job on every target it was claimed for, oldest target first.
        public var sends: [Send]
        public var isCurrent: Bool
        public var requestID: String?
        /// The exact body bytes as text.
        public var body: String?
        public var holdReasons: [HoldReason]
        /// Other participants whose folded email is the same.
        public var emailConflictWith: [String]
        /// The other participants of an email cycle (a swap) that holds the job.
        public var emailCycleWith: [String] = []
        /// Email handovers: the jobs of other participants this one waits for (it takes an address they give up)...
        public var waitsFor: [EmailHandover] = []
        /// ...and those that wait for it.
        public var waitedOnBy: [EmailHandover] = []
        /// History mode: the step's place in the participant's sequence (1-based); 0 in latest mode.
        public var step: Int
        /// History mode: the single corrective PATCH (latest mode's fold) held for `retry --as-latest`.
        public var corrective: Bool
        /// Newest timestamp the body carries.
        public var platformUpdatedAt: Int64?
        /// The job's state on the target of the first line (`blocked`: a step after one that failed there).
        public var stateOnTarget: JobStatus?

        enum CodingKeys: String, CodingKey {
            case id, state, body, sends, step, corrective
            case platformUpdatedAt = "platform_updated_at"
            case stateOnTarget = "state_on_target"
            case isCurrent = "is_current"
            case requestID = "request_id"
            case holdReasons = "hold_reasons"
            case emailConflictWith = "email_conflict_with"
            case emailCycleWith = "email_cycle_with"
            case waitsFor = "waits_for"
            case waitedOnBy = "waited_on_by"
        }
    }

    /// One email handover seen from one side: the other participant, its job (step), the address, and where that
    /// job stands on the target of the first line.
    public struct EmailHandover: Sendable, Codable, Equatable {
        public var participantCode: String
        public var jobID: Int64
        public var step: Int
        public var email: String
        public var stateOnTarget: JobStatus?

        enum CodingKeys: String, CodingKey {
            case step, email
            case participantCode = "participant_code"
            case jobID = "job_id"
            case stateOnTarget = "state_on_target"
        }
    }

    public var participantCode: String
    /// The target the first line describes (the latest run's unless one was named); nil when nothing was sent.
    public var target: String?
    /// The current job's state on that target (`pending`, `held`, `in_flight`, `succeeded`, `failed`).
    public var stateOnTarget: String?
    public var rows: [SourceRow]
    /// Current first (in history mode, the steps in order), then earlier versions, newest first.
    public var jobs: [JobVersion]
    /// `latest` or `history`.
    public var mode: IngestMode
    /// The contract the database is made for.
    public var contract: Contract = .default
    /// Under `zerohash`: the participant's ID change, which is not sent but needs a supporting document.
    public var documentNeed: DocumentNeed?

    /// The current jobs: the participant's one job, or its steps in order.
    public var currentJobs: [JobVersion] { jobs.filter(\.isCurrent) }

    package enum CodingKeys: String, CodingKey {
        case rows, jobs, target, mode, contract
        case participantCode = "participant_code"
        case stateOnTarget = "state_on_target"
        case documentNeed = "needs_document"
    }

    /// Nil when the database knows nothing of the participant.
    /// - Parameter scope: the target of the first line; nil: the latest run's.
    public static func read(_ db: Database, participantCode raw: String, scope: TargetScope? = nil) throws -> Explanation? {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let code = ParticipantCode.normalize(raw) ?? raw
        let files = try StoredFile.all(db)
        let rows = try Row.fetchAll(db, sql: """
            SELECT r.file_id, r.line, r.platform_updated_at, r.status, r.reject_message, \(ExactText.select("r.raw")) AS raw, r.norm
            FROM input_row r
            WHERE r.participant_code = ?
            ORDER BY r.platform_updated_at, r.id
            """, arguments: [code]).map { row -> SourceRow in
            let fileID: Int64 = row["file_id"]
            let file = files[fileID]
            let values = file?.values(raw: row.exactText("raw"), norm: row["norm"]) ?? StoredFile.noValues
            var fields: [String: String] = [:]
            for field in Field.allCases {
                if let v = values[field.order] { fields[field.name] = v }
            }
            return SourceRow(source: "\(file?.name ?? "file \(fileID)"):\(row["line"] as Int64)",
                             platformUpdatedAt: row["platform_updated_at"], status: row["status"],
                             fields: fields, rejection: row["reject_message"])
        }
        let targets = Dictionary(uniqueKeysWithValues: try TargetStore.all(db).map { ($0.id, $0.target) })
        var jobs = try JobRecord.all().of(participant: code).orderedForExplain().fetchAll(db).map { job -> JobVersion in
            var conflicts: [String] = []
            if job.emailConflict, let email = job.email {
                conflicts = try JobRecord.all().current().withEmail(email).filter(JobRecord.Columns.participantCode != code)
                    .select(JobRecord.Columns.participantCode, as: String.self).distinct()
                    .order(JobRecord.Columns.participantCode).fetchAll(db)
            }
            let echoes = try EchoMismatchReads.of(db, jobID: job.id)
            let sends = try SendRecord.all().of(job: job.id).fetchAll(db).map { s -> Send in
                Send(target: targets[s.targetID]?.name ?? "target \(s.targetID)", state: s.state, attempts: s.attempts,
                     lastStatus: s.lastStatus, errorClass: s.errorClass, message: s.lastMessage,
                     lastAttemptAt: s.lastAttemptAt.map { ISOTime.text(epochMilliseconds: $0) },
                     echoMismatches: echoes.filter { $0.targetID == s.targetID }.map(\.mismatch))
            }
            return JobVersion(id: job.id, state: job.state, sends: sends, isCurrent: job.isCurrent,
                              requestID: job.requestID, body: job.body.map { String(decoding: $0, as: UTF8.self) },
                              holdReasons: try job.decodedHoldReasons(), emailConflictWith: conflicts,
                              emailCycleWith: job.emailCycle.map { $0.components(separatedBy: ", ") } ?? [],
                              step: job.step, corrective: job.corrective, platformUpdatedAt: job.platformUpdatedAt, stateOnTarget: nil)
        }
        // Email handovers of the current jobs, each side with its state on the target.
        let handover = { (mine: String, other: String) in scope.sql("""
            SELECT h.\(mine) AS mine, o.participant_code, o.id, o.step, h.email, o.state
            FROM email_handover h JOIN target_job o ON o.id = h.\(other)
            WHERE h.\(mine) IN (SELECT id FROM job WHERE participant_code = ? AND is_current = 1)
            ORDER BY o.participant_code, o.step
            """) }
        for (sql, waits) in [(handover("taker_job_id", "giver_job_id"), true), (handover("giver_job_id", "taker_job_id"), false)] {
            for row in try Row.fetchAll(db, sql: sql, arguments: [code]) {
                let other = EmailHandover(participantCode: row[1], jobID: row[2], step: row[3], email: row[4], stateOnTarget: row[5])
                guard let i = jobs.firstIndex(where: { $0.id == (row[0] as Int64) }) else { continue }
                if waits { jobs[i].waitsFor.append(other) } else { jobs[i].waitedOnBy.append(other) }
            }
        }
        let documentNeed = try DocumentNeedReads.of(db, participantCode: code)
        if rows.isEmpty && jobs.isEmpty && documentNeed == nil { return nil }
        let states = try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: scope.sql("""
            SELECT id, state FROM target_job WHERE participant_code = ? AND is_current = 1
            """), arguments: [code]).map { ($0["id"] as Int64, $0["state"] as JobStatus) })
        for i in jobs.indices { jobs[i].stateOnTarget = states[jobs[i].id] }
        let mode = try IngestMode.stored(db)
        let current = jobs.filter(\.isCurrent)
        let onTarget = mode == .history ? Self.participantState(current) : current.first?.stateOnTarget?.rawValue
        var explanation = Explanation(participantCode: code, target: scope.target?.name, stateOnTarget: onTarget, rows: rows,
                                      jobs: jobs, mode: mode)
        explanation.contract = try ContractSetting.stored(db)
        explanation.documentNeed = documentNeed
        return explanation
    }

    /// History mode: where the participant's steps stand, in words (`2 of 3 steps succeeded; step 3 pending`).
    package static func participantState(_ steps: [JobVersion]) -> String? {
        guard !steps.isEmpty else { return nil }
        let done = steps.filter { $0.stateOnTarget == .succeeded }.count
        var text = "\(done) of \(steps.count) step\(steps.count == 1 ? "" : "s") succeeded"
        if let next = steps.first(where: { $0.stateOnTarget != .succeeded }) {
            text += "; step \(next.step) \((next.stateOnTarget ?? .pending).rawValue)"
        }
        return text
    }
}
