import Foundation
import GRDB

/// A row of `job`: what ingest decided for a participant (latest mode: its one job; history mode: one per step).
/// Read through the named requests below (`JobRecord.all().current().of(participant:)`); the hot paths (the fold's
/// writers, the run's claims) keep their prepared statements.
package struct JobRecord: Codable, Sendable, FetchableRecord, TableRecord {
    package static let databaseTableName = "job"

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let participantCode = Column(CodingKeys.participantCode)
        package static let isCurrent = Column(CodingKeys.isCurrent)
        package static let state = Column(CodingKeys.state)
        package static let requestID = Column(CodingKeys.requestID)
        package static let email = Column(CodingKeys.email)
        package static let emailConflict = Column(CodingKeys.emailConflict)
        package static let step = Column(CodingKeys.step)
        package static let corrective = Column(CodingKeys.corrective)
        package static let platformUpdatedAt = Column(CodingKeys.platformUpdatedAt)
    }

    package var id: Int64
    package var participantCode: String
    package var isCurrent: Bool
    package var state: JobState
    package var requestID: String?
    package var body: Data?
    package var platformUpdatedAt: Int64?
    package var email: String?
    /// JSON: `[HoldReason]`.
    package var holdReasons: String?
    package var emailConflict: Bool
    /// The other participants of an email cycle holding the job, `, `-separated.
    package var emailCycle: String?
    package var rowCount: Int
    package var createdAt: Int64
    package var updatedAt: Int64
    /// History mode's step (0 in latest mode).
    package var step: Int
    package var corrective: Bool

    enum CodingKeys: String, CodingKey {
        case id, state, body, email, step, corrective
        case participantCode = "participant_code"
        case isCurrent = "is_current"
        case requestID = "request_id"
        case platformUpdatedAt = "platform_updated_at"
        case holdReasons = "hold_reasons"
        case emailConflict = "email_conflict"
        case emailCycle = "email_cycle"
        case rowCount = "row_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The hold reasons, decoded.
    package func decodedHoldReasons() throws -> [HoldReason] {
        try holdReasons.map { try JSONDecoder().decode([HoldReason].self, from: Data($0.utf8)) } ?? []
    }
}

extension DerivableRequest<JobRecord> {
    /// Jobs that are current (not superseded by a newer fold).
    package func current() -> Self { filter(JobRecord.Columns.isCurrent == true) }

    /// One participant's jobs.
    package func of(participant code: String) -> Self { filter(JobRecord.Columns.participantCode == code) }

    /// Jobs whose folded email is this one.
    package func withEmail(_ email: String) -> Self { filter(JobRecord.Columns.email == email) }

    /// Current first (in step order), then earlier versions newest first: how `explain` lists them.
    package func orderedForExplain() -> Self {
        order(JobRecord.Columns.isCurrent.desc, SQL("CASE WHEN is_current = 1 THEN step END").sqlExpression,
              JobRecord.Columns.id.desc)
    }
}
