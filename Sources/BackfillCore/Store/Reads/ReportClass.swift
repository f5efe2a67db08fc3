import GRDB

/// The class a report gives a failed job (its `ErrorClass`), a held one (its `HoldClass`) or a rejected row
/// (`validation`): the groups of the summary, the page and the failures export. Made only from those two
/// vocabularies (the database holds nothing else in the column it is read from).
public struct ReportClass: RawRepresentable, Hashable, Sendable, Comparable, Codable, CodingKeyRepresentable,
    DatabaseValueConvertible, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        guard ErrorClass(rawValue: rawValue) != nil || HoldClass(rawValue: rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    public init(_ errorClass: ErrorClass) { rawValue = errorClass.rawValue }
    public init(_ holdClass: HoldClass) { rawValue = holdClass.rawValue }

    public static let validation = ReportClass(HoldClass.validation)
    public static let segment = ReportClass(HoldClass.segment)
    public static let duplicateEmail = ReportClass(HoldClass.duplicateEmail)
    public static let emailCycle = ReportClass(HoldClass.emailCycle)

    /// The error class, when the class is one.
    public var errorClass: ErrorClass? { ErrorClass(rawValue: rawValue) }

    public var description: String { rawValue }

    public static func < (lhs: ReportClass, rhs: ReportClass) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let made = ReportClass(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a report class: \(text)"))
        }
        self = made
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// SQL giving a current job's report class over `job` (or a report view) aliased `j`: `error_class` for a
    /// failed job; for a held one, a rejected row (or a history that cannot be replayed) outranks a segment
    /// failure, which outranks an email conflict. Read from the hold kinds ingest stored.
    static let sql = """
        CASE
          WHEN j.state != \(JobStatus.held.sql) THEN coalesce(j.error_class, \(ErrorClass.unexpected.sql))
          WHEN j.hold_reasons IS NOT NULL AND EXISTS (
                SELECT 1 FROM json_each(j.hold_reasons) h
                WHERE json_extract(h.value, '$.kind') IN \(HoldKind.allCases.filter { $0.holdClass == .validation }.sql))
            THEN \(HoldClass.validation.sql)
          WHEN j.hold_reasons IS NOT NULL AND j.hold_reasons != '[]' THEN \(HoldClass.segment.sql)
          WHEN j.email_cycle IS NOT NULL THEN \(HoldClass.emailCycle.sql)
          WHEN j.email_conflict = 1 THEN \(HoldClass.duplicateEmail.sql)
          ELSE \(HoldClass.validation.sql)
        END
        """
}
