import BackfillStore
import ParticipantAPI

/// ISO-8601 UTC text of epoch milliseconds, as the reports write it: `2024-05-06T07:08:09Z`, with `.123`
/// milliseconds only when there are some. Ingest reads it back to the same millisecond.
public enum ReportTime {
    public static func iso8601(_ ms: Int64) -> String {
        ISOTime.text(epochMilliseconds: ms)
    }
}
