import GRDB
import ParticipantAPI

/// Which failed jobs `backfill retry` moves back to pending: all of them, or those matching every given
/// filter (values within one filter are alternatives).
public struct RetryFilter: Sendable, Equatable {
    /// Every failed job. Not combined with the filters.
    public var all = false
    /// `job.error_class` is one of these (`ErrorClass` raw values).
    public var classes: [String] = []
    /// `job.last_status` is one of these HTTP statuses.
    public var statuses: [Int] = []
    /// Participant codes (normalized like the input: upper case).
    public var participants: [String] = []
    /// `job.last_attempt_at` at or after this, epoch ms.
    public var since: Int64?

    public init(all: Bool = false, classes: [String] = [], statuses: [Int] = [], participants: [String] = [], since: Int64? = nil) {
        self.all = all
        self.classes = classes
        self.statuses = statuses
        self.participants = participants
        self.since = since
    }

    package var hasFilters: Bool { !classes.isEmpty || !statuses.isEmpty || !participants.isEmpty || since != nil }

    /// Throws when nothing is asked for, when `all` is combined with a filter, or for an unknown class.
    public func validate() throws {
        if !all && !hasFilters {
            throw BackfillError("retry_nothing_selected", "say which failed jobs to retry: --all, or at least one of --class, --status, --participant, --since")
        }
        if all && hasFilters {
            throw BackfillError("retry_all_with_filter", "--all retries every failed job; leave it out to retry only those matching the filters")
        }
        let known = ErrorClass.allCases.map(\.rawValue)
        for c in classes where !known.contains(c) {
            let hint = Suggest.closest(to: c, in: known).map { " Did you mean '\($0)'?" } ?? ""
            throw BackfillError("retry_unknown_class", "--class '\(c)': not an error class.\(hint) (one of: \(known.joined(separator: ", ")))")
        }
        for s in statuses where !(100...599).contains(s) {
            throw BackfillError("retry_bad_status", "--status \(s): expected an HTTP status between 100 and 599")
        }
        for p in participants where ParticipantCode.normalize(p).map(ParticipantCode.isWellFormed) != true {
            throw BackfillError("retry_bad_participant", "--participant '\(p)': expected 6 letters or digits")
        }
    }

    /// SQL conditions over `job_send` (one target's rows) and their arguments.
    package func whereClause(targetID: Int64) -> (sql: String, arguments: StatementArguments) {
        var parts = ["target_id = ?", "state = \(SendState.failed.sql)"]
        var arguments: [(any DatabaseValueConvertible)?] = [targetID]
        var jobParts = ["is_current = 1"]
        var jobArguments: [(any DatabaseValueConvertible)?] = []
        func list<T: DatabaseValueConvertible>(_ column: String, _ values: [T]) {
            guard !values.isEmpty else { return }
            parts.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
            arguments += values.map { $0 as (any DatabaseValueConvertible)? }
        }
        list("error_class", classes)
        list("last_status", statuses)
        let codes = participants.map { ParticipantCode.normalize($0) ?? $0 }
        if !codes.isEmpty {
            jobParts.append("participant_code IN (\(codes.map { _ in "?" }.joined(separator: ", ")))")
            jobArguments += codes.map { $0 as (any DatabaseValueConvertible)? }
        }
        if let since {
            parts.append("last_attempt_at >= ?")
            arguments.append(since)
        }
        parts.append("job_id IN (SELECT id FROM job WHERE \(jobParts.joined(separator: " AND ")))")
        return (parts.joined(separator: " AND "), StatementArguments(arguments + jobArguments))
    }
}

/// `backfill retry`: failed jobs of one target back to pending there, so the next run on that target sends
/// them again with their stored request_id and bytes (idempotent). Attempts are reset to 0, so each gets a
/// full set; the ledger keeps every earlier attempt. Succeeded, held and pending jobs, and every other
/// target, are never touched.
public enum RetryStore {
    /// Moves the selected failed jobs; returns how many. Refused while a live run holds the database.
    /// - Parameter target: nil: the latest run's target.
    public static func retry(_ queue: DatabaseQueue, filter: RetryFilter, target: Target? = nil, now: Int64) throws -> Int {
        try filter.validate()
        return try queue.write { db in
            try RunLock.refuseIfHeld(db, action: "retry")
            guard let stored = try TargetScope.resolve(db, target: target).stored else { return 0 }
            let (conditions, arguments) = filter.whereClause(targetID: stored.id)
            try db.execute(sql: """
                UPDATE job_send SET state = \(SendState.pending.sql), next_attempt_at = NULL, attempts = 0, deferred = 0, updated_at = ?
                WHERE \(conditions)
                """, arguments: [now] + arguments)
            return db.changesCount
        }
    }

    /// `retry --participant CODE --as-latest` (history mode): releases each participant's held corrective job,
    /// latest mode's single PATCH for a history that changed before a sent step. The next run on a target sends
    /// it after the participant's last sent step succeeded there. Throws, moving nothing, when the database is
    /// in latest mode or a participant has no corrective job waiting. Returns the participants released.
    public static func releaseCorrective(_ queue: DatabaseQueue, participants: [String], now: Int64) throws -> [String] {
        try queue.write { db in
            try RunLock.refuseIfHeld(db, action: "retry")
            guard try IngestMode.stored(db) == .history else {
                throw BackfillError("retry_as_latest_mode", "--as-latest is for a database made with ingest --mode history; this one is in latest mode, where every participant is already sent as one PATCH")
            }
            var released: [String] = []
            for raw in participants {
                let code = ParticipantCode.normalize(raw) ?? raw
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT id, email_conflict FROM job
                    WHERE participant_code = ? AND is_current = 1 AND corrective = 1 AND state = \(JobState.held.sql)
                    """, arguments: [code]) else {
                    throw BackfillError("retry_no_corrective", "participant \(code) has no corrective PATCH waiting: only a participant held because a row older than a sent step changed its history has one (backfill explain \(code) shows its steps); nothing was moved")
                }
                if (row["email_conflict"] as Int) == 1 {
                    throw BackfillError("retry_corrective_email", "participant \(code)'s corrective PATCH is also held for an email another participant has; fix that in the input and ingest again; nothing was moved")
                }
                try db.execute(sql: "UPDATE job SET state = \(JobState.pending.sql), hold_reasons = NULL, updated_at = ? WHERE id = ?",
                               arguments: [now, row["id"] as Int64])
                released.append(code)
            }
            return released
        }
    }

    /// How many failed jobs the filter selects, without moving them.
    public static func count(_ queue: DatabaseQueue, filter: RetryFilter, target: Target? = nil) throws -> Int {
        try filter.validate()
        return try queue.read { db in
            guard let stored = try TargetScope.resolve(db, target: target).stored else { return 0 }
            let (conditions, arguments) = filter.whereClause(targetID: stored.id)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM job_send WHERE \(conditions)", arguments: arguments) ?? 0
        }
    }
}
