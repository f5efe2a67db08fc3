import BackfillStore
import ParticipantAPI

/// The error classes a report shows. A failed job carries the class of its last attempt (`ErrorClass`,
/// from the run); a held job and a rejected row get one of the classes here.
public enum ReportErrorClass {
    /// A held participant with a rejected input row, or a rejected row with no usable participant.
    public static let validation = ErrorClass.validation.rawValue
    /// A held participant whose folded segments fail the API's rules, or with no data segment at all.
    public static let segment = ErrorClass.segment.rawValue
    /// A held participant whose folded email another participant also has (emails are unique per platform).
    public static let duplicateEmail = "duplicate_email"

    /// Whether a hold reason is a segment rule failure (its text never quotes a value).
    static func isSegmentMessage(_ message: String) -> Bool {
        message.hasPrefix("Data segment validation failed") || message == APIMessage.noDataSegment
    }

    /// SQL giving a current job's report class: `error_class` for a failed job, the rules above for a held one
    /// (a rejected row outranks a segment failure, which outranks an email conflict). Over `job` aliased `j`.
    static let sql = """
        CASE
          WHEN j.state != 'held' THEN coalesce(j.error_class, 'unexpected')
          WHEN j.hold_reasons IS NOT NULL AND EXISTS (
                SELECT 1 FROM json_each(j.hold_reasons) h
                WHERE json_extract(h.value, '$.message') NOT LIKE 'Data segment validation failed%'
                  AND json_extract(h.value, '$.message') != '\(APIMessage.noDataSegment)') THEN 'validation'
          WHEN j.hold_reasons IS NOT NULL AND j.hold_reasons != '[]' THEN 'segment'
          WHEN j.email_conflict = 1 THEN 'duplicate_email'
          ELSE 'validation'
        END
        """
}
