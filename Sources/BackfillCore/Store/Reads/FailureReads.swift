import Foundation
import GRDB
import ParticipantAPI

/// A current job the failures export lists (failed on the target, or held), as the store reads it.
package struct ReportJob: Sendable {
    package var participantCode: String
    /// `failed` or `held`.
    package var state: JobStatus
    package var body: [UInt8]?
    package var platformUpdatedAt: Int64?
    package var holdReasons: [HoldReason]
    package var emailConflict: Bool
    package var email: String?
    package var attempts: Int
    package var lastAttemptAt: Int64?
    package var lastStatus: Int?
    package var lastMessage: String?
    package var requestID: String?
    package var reportClass: ReportClass
    /// History mode's step (0 in latest mode).
    package var step: Int
}

/// An input row of a listed job, or a rejected row with no usable participant.
package struct ReportInputRow: Sendable {
    package var fileID: Int64
    package var line: Int64
    package var status: RowStatus
    package var platformUpdatedAt: Int64?
    package var rejectCode: String?
    package var rejectMessage: String?
    /// The record as read (exactly: a NUL included), when it is asked for; nil once purged.
    package var raw: String?
    package var norm: [UInt8]?
}

/// The store's reads for `backfill report --failures`. Streams through SQLite cursors: memory stays flat.
package enum FailureReads {
    /// The contract the database is made for: the export's columns are its fields.
    package static func contract(_ db: Database) throws -> Contract {
        try ContractSetting.stored(db)
    }

    /// Every failed or held current job on the target, in participant order, each with every input row that
    /// folds into it (a resolved or ignored row is history, not part of the job), in fold order; a job with no
    /// row comes once with nil. `withValues` reads every row's record (for `--redact` to collect the
    /// participant's values); otherwise only a rejected row's.
    package static func forEachJobRow(_ db: Database, scope: TargetScope, withValues: Bool,
                                      _ body: (ReportJob, ReportInputRow?) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: ReportJobs.sql(scope, """
            SELECT j.participant_code, j.state, j.body, j.platform_updated_at, j.hold_reasons, j.email_conflict,
                   j.email, j.attempts, j.last_attempt_at, j.last_status, j.last_message, j.request_id,
                   \(ReportClass.sql) AS report_class,
                   r.file_id, r.line, r.status,
                   CASE WHEN \(withValues ? "1" : "r.status = \(RowStatus.rejected.sql)") THEN \(ExactText.select("r.raw")) END,
                   r.platform_updated_at, r.reject_code, r.reject_message, j.step, r.norm, j.email_cycle
            FROM report_job j
            LEFT JOIN input_row r ON r.participant_code = j.participant_code AND r.status IN \([RowStatus.accepted, .rejected].sql)
            ORDER BY j.participant_code, r.platform_updated_at, r.id
            """))
        var job: ReportJob?
        while let r = try cursor.next() {
            let code: String = r[0]
            if code != job?.participantCode {
                var holds: [HoldReason] = []
                if let json: String = r[4] { holds = try JSONDecoder().decode([HoldReason].self, from: Data(json.utf8)) }
                if let others: String = r[22] {
                    holds.append(HoldReason(source: "", message: EmailRules.cycleMessage(others: others.components(separatedBy: ", ")),
                                            kind: .emailCycle))
                }
                job = ReportJob(participantCode: code, state: r[1], body: (r[2] as Data?).map { Array($0) },
                                platformUpdatedAt: r[3], holdReasons: holds, emailConflict: (r[5] as Int) == 1, email: r[6],
                                attempts: r[7], lastAttemptAt: r[8], lastStatus: r[9], lastMessage: r[10], requestID: r[11],
                                reportClass: r[12], step: r[20])
            }
            let row: ReportInputRow? = (r[13] as Int64?).map { fileID in
                ReportInputRow(fileID: fileID, line: r[14], status: r[15], platformUpdatedAt: r[17], rejectCode: r[18],
                               rejectMessage: r[19], raw: r.exactText(16), norm: withValues ? (r[21] as Data?).map { Array($0) } : nil)
            }
            try body(job!, row)
        }
    }

    /// The number of a participant's last current step (history mode).
    package static func lastStep(_ db: Database, participantCode: String) throws -> Int? {
        try JobRecord.all().current().of(participant: participantCode)
            .select(max(JobRecord.Columns.step), as: Int.self).fetchOne(db)
    }

    /// Up to 10 other participants whose current job has this email.
    package static func othersWithEmail(_ db: Database, _ email: String, except code: String) throws -> [String] {
        try JobRecord.all().current().withEmail(email).filter(JobRecord.Columns.participantCode != code)
            .select(JobRecord.Columns.participantCode, as: String.self).order(JobRecord.Columns.participantCode)
            .limit(10).fetchAll(db)
    }

    /// The rejected rows with no usable participant_code, in input order.
    package static func forEachUnusableRow(_ db: Database, _ body: (ReportInputRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT r.file_id, r.line, \(ExactText.select("r.raw")), r.platform_updated_at, r.reject_code, r.reject_message, r.norm
            FROM input_row r WHERE r.status = \(RowStatus.rejected.sql) AND r.participant_code IS NULL
            ORDER BY r.id
            """)
        while let r = try cursor.next() {
            try body(ReportInputRow(fileID: r[0], line: r[1], status: .rejected, platformUpdatedAt: r[3], rejectCode: r[4],
                                    rejectMessage: r[5], raw: r.exactText(2), norm: (r[6] as Data?).map { Array($0) }))
        }
    }
}
