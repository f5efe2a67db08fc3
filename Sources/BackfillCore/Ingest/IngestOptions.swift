import Foundation
import ParticipantAPI

/// The format of an input file.
public enum InputFormat: String, Sendable, CaseIterable {
    case csv
    case jsonl

    /// From the file name: `.csv`, `.jsonl`, `.ndjson`, each optionally followed by `.gz`.
    public static func fromExtension(_ path: String) -> InputFormat? {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }
}

/// How an input is named in messages and `file:line` sources: `-` (standard input) reads `<stdin>`.
public func inputDisplayName(_ path: String) -> String {
    path == "-" ? "<stdin>" : path
}

/// How `backfill ingest` reads and checks its inputs.
public struct IngestOptions: Sendable {
    /// Forces the format instead of reading it from the extension. Default: nil (by extension; sniffed for stdin).
    public var format: InputFormat?
    /// `Source Column=field` entries. Default: none.
    public var mappings: [String]
    /// Reject rows that fill an unknown column, instead of ignoring the column. Default: false.
    public var strictColumns: Bool
    /// `id_number_type` values accepted beyond the API's list. Default: none.
    public var extraIDTypes: [String]
    /// The clock, in epoch milliseconds: timestamps after it are "in the future". Default: the system clock.
    public var now: @Sendable () -> Int64

    public init(format: InputFormat? = nil, mappings: [String] = [], strictColumns: Bool = false,
                extraIDTypes: [String] = [], now: @escaping @Sendable () -> Int64 = Clock.epochMilliseconds) {
        self.format = format
        self.mappings = mappings
        self.strictColumns = strictColumns
        self.extraIDTypes = extraIDTypes
        self.now = now
    }

    /// Validates what can be checked before any file is opened; errors name the option.
    public func validate() throws {
        _ = try ColumnResolver(mappings: mappings)
        for type in extraIDTypes where ValueNormalizer.snakeCase(type).isEmpty {
            throw BackfillError("bad_option", "--allow-id-type '\(type)': expected an id type name such as 'national_id'")
        }
    }
}

/// The system clock in the units the database uses.
public enum Clock {
    @Sendable public static func epochMilliseconds() -> Int64 {
        EpochClock.milliseconds()
    }
}
