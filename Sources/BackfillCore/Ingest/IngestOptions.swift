import BackfillStore
import Foundation
import ParticipantAPI

/// Input text as a file-level error line quotes it: at most `limit` Unicode scalars (then `...`), with control
/// characters written as `\u{1B}` so the message stays one line. A header can be a whole file's worth of
/// bytes (a binary file, or JSONL read as CSV); the error should still fit on a screen.
public func inputExcerpt(_ text: some StringProtocol, limit: Int = 200) -> String {
    var out = ""
    var taken = 0
    for scalar in text.unicodeScalars {
        if taken == limit { return out + "..." }
        taken += 1
        if scalar.value < 0x20 || scalar.value == 0x7F {
            out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
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
    /// Reject a row whose normalized updatable field has more Unicode scalars than this; at most
    /// `maxFieldLengthCeiling`. Default: 1,024 (`defaultMaxFieldLength`).
    public var maxFieldLength: Int
    /// `latest` or `history`. Default: nil (the database's own mode; `latest` for a new database). Another mode
    /// than the database's is refused.
    public var mode: IngestMode?
    /// `zerohash` or `ndax`. Default: nil (the database's own contract; `zerohash` for a new database). Another
    /// contract than the database's is refused.
    public var contract: Contract?
    /// Zero Hash's vendor-reliance track: address lines up to 200 characters instead of 80 and 50. Default: off.
    public var vendorReliance = false

    /// The default `maxFieldLength`.
    public static let defaultMaxFieldLength = 1_024
    /// The largest `maxFieldLength` that keeps every body under the 64 KiB body limit (the sandbox answers
    /// 413 above it): every updatable field at the limit, each scalar 4 bytes of UTF-8 (a `"` escaped is only 2; control
    /// characters are refused), with 512 bytes for the keys, the timestamp and the request_id.
    /// (The seed's contract; Zero Hash's carries more fields and allows less: `Contract.maxFieldLengthCeiling`.)
    public static let maxFieldLengthCeiling = Contract.ndax.maxFieldLengthCeiling

    public init(format: InputFormat? = nil, mappings: [String] = [], strictColumns: Bool = false,
                extraIDTypes: [String] = [], now: @escaping @Sendable () -> Int64 = EpochClock.milliseconds,
                maxFieldLength: Int = IngestOptions.defaultMaxFieldLength, mode: IngestMode? = nil,
                contract: Contract? = nil, vendorReliance: Bool = false) {
        self.mode = mode
        self.contract = contract
        self.vendorReliance = vendorReliance
        self.format = format
        self.mappings = mappings
        self.strictColumns = strictColumns
        self.extraIDTypes = extraIDTypes
        self.now = now
        self.maxFieldLength = maxFieldLength
    }

    /// Refuses a `maxFieldLength` above `contract`'s ceiling (its bodies carry more fields: Zero Hash's allows less).
    public func validateFieldLength(for contract: Contract) throws {
        if maxFieldLength > contract.maxFieldLengthCeiling {
            throw BackfillError("bad_option", "--max-field-length \(maxFieldLength): expected a number of characters " +
                                "from 1 to \(contract.maxFieldLengthCeiling) under the \(contract) contract (longer fields could make a body the API refuses as too large)")
        }
    }

    /// Validates what can be checked before any file is opened; errors name the option.
    public func validate() throws {
        _ = try ColumnResolver(mappings: mappings, contract: contract ?? .zerohash)
        for type in extraIDTypes where ValueNormalizer.snakeCase(type).isEmpty {
            throw BackfillError("bad_option", "--allow-id-type '\(type)': expected an id type name such as 'national_id'")
        }
        if !(1...IngestOptions.maxFieldLengthCeiling).contains(maxFieldLength) {
            throw BackfillError("bad_option", "--max-field-length \(maxFieldLength): expected a number of characters " +
                                "from 1 to \(IngestOptions.maxFieldLengthCeiling) (longer fields could make a body the API refuses as too large)")
        }
    }
}
