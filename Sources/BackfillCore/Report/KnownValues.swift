import BackfillStore
import GRDB
import ParticipantAPI

/// The sensitive values a participant's input holds (normalized, and as read for rejected rows), for
/// `--redact` to find inside free text. The failures export gathers them while it streams; the summary and
/// the page, which show a few messages, look them up here.
enum KnownValues {
    private static let sensitive = Field.allCases.filter(Redactor.isSensitive)

    static func of(_ db: Database, participantCode: String, files: [Int64: ReportSourceFile]) throws -> [(Field, String)] {
        var values: [(Field, String)] = []
        for row in try InputRowReads.participantRows(db, participantCode: participantCode) {
            if let normalized = files[row.fileID]?.stored.values(raw: row.raw, norm: row.norm) {
                for field in sensitive { if let v = normalized[field.order] { values.append((field, v)) } }
            }
            guard row.status == .rejected, let raw = row.raw, let file = files[row.fileID] else { continue }
            let read = RawValues.read(raw, file: file)
            for field in sensitive { if let v = read[field.name] { values.append((field, FailureRow.text(v))) } }
        }
        return values
    }
}
