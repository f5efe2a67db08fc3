import Foundation
import GRDB

/// A row of `input_row`: one input record as read, with its fate. `raw` is read with `Row.exactText` where a NUL
/// may matter (`ExactText`); the requests here are for the columns around it.
package struct InputRowRecord: Codable, Sendable, FetchableRecord, TableRecord {
    package static let databaseTableName = "input_row"

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let fileID = Column(CodingKeys.fileID)
        package static let participantCode = Column(CodingKeys.participantCode)
        package static let platformUpdatedAt = Column(CodingKeys.platformUpdatedAt)
        package static let status = Column(CodingKeys.status)
        package static let rejectCode = Column(CodingKeys.rejectCode)
    }

    package var id: Int64
    package var fileID: Int64
    package var line: Int64
    package var participantCode: String?
    package var platformUpdatedAt: Int64?
    package var status: RowStatus
    package var rejectCode: String?
    package var rejectColumn: String?
    package var rejectMessage: String?

    enum CodingKeys: String, CodingKey {
        case id, line, status
        case fileID = "file_id"
        case participantCode = "participant_code"
        case platformUpdatedAt = "platform_updated_at"
        case rejectCode = "reject_code"
        case rejectColumn = "reject_column"
        case rejectMessage = "reject_message"
    }

    /// The columns of the record (not `raw` nor `norm`).
    package static var databaseSelection: [any SQLSelectable] {
        [Columns.id, Columns.fileID, Column(CodingKeys.line), Columns.participantCode, Columns.platformUpdatedAt,
         Columns.status, Columns.rejectCode, Column(CodingKeys.rejectColumn), Column(CodingKeys.rejectMessage)]
    }
}

extension DerivableRequest<InputRowRecord> {
    /// Rows that fold into a job (`resolved` and `ignored` rows are history).
    package func folding() -> Self { filter([RowStatus.accepted, .rejected].contains(InputRowRecord.Columns.status)) }

    /// Rejected rows.
    package func rejected() -> Self { filter(InputRowRecord.Columns.status == RowStatus.rejected) }

    /// One participant's rows.
    package func of(participant code: String) -> Self { filter(InputRowRecord.Columns.participantCode == code) }
}
