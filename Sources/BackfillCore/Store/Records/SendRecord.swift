import Foundation
import GRDB

/// A row of `job_send`: where one job stands on one target it was claimed for.
package struct SendRecord: Codable, Sendable, FetchableRecord, TableRecord {
    package static let databaseTableName = "job_send"

    package enum Columns {
        package static let targetID = Column(CodingKeys.targetID)
        package static let jobID = Column(CodingKeys.jobID)
        package static let state = Column(CodingKeys.state)
    }

    package var targetID: Int64
    package var jobID: Int64
    package var state: SendState
    package var attempts: Int
    package var nextAttemptAt: Int64?
    package var lastAttemptAt: Int64?
    package var lastStatus: Int?
    package var errorClass: ErrorClass?
    package var lastMessage: String?
    package var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case state, attempts
        case targetID = "target_id"
        case jobID = "job_id"
        case nextAttemptAt = "next_attempt_at"
        case lastAttemptAt = "last_attempt_at"
        case lastStatus = "last_status"
        case errorClass = "error_class"
        case lastMessage = "last_message"
        case updatedAt = "updated_at"
    }
}

extension DerivableRequest<SendRecord> {
    /// One job's sending rows, oldest target first.
    package func of(job id: Int64) -> Self { filter(SendRecord.Columns.jobID == id).order(SendRecord.Columns.targetID) }

    /// The sending rows on one target.
    package func on(target id: Int64) -> Self { filter(SendRecord.Columns.targetID == id) }
}
