import BackfillStore
import ParticipantAPI

/// Normalizes one input row and applies the row checks, which look at the row alone:
/// participant_code missing or not 6 letters/digits; platform_updated_at missing, unparseable or in the
/// future; a control character in a field that is read; an updatable field longer than `--max-field-length`;
/// a value in a non-updatable participant field; a malformed email; a PO Box address line;
/// an unsupported id_number_type; and, under `--strict-columns`, a value in an unknown column.
///
/// Under `zerohash` (Zero Hash's contract, 2026) also: a country that is not an ISO 3166-1 country; a state or
/// `jurisdiction_code` that is not a subdivision of the row's country; the published limits (`address_one` at most
/// 80 characters, `address_two` 50, 200 each with `--vendor-reliance`; a US zip `12345` or `12345-6789`, a postal
/// code elsewhere at least 4 characters; a 13-digit `platform_updated_at`); a `date_of_birth` that is not a real
/// `YYYY-MM-DD` date, a `gender` other than male, female, other (M, F), a `phone_number` that is not digits.
///
/// Pure: `now` is given, so the future check is testable.
public struct RowNormalizer: Sendable {
    /// The contract's segment rules: its contract, its `id_number_type` list (plus `--allow-id-type`), its track.
    public let rules: SegmentRules
    /// Accepted `id_number_type` values (the API's list plus `--allow-id-type`).
    public var idTypes: Set<String> { rules.idTypes }
    public var contract: Contract { rules.contract }
    public let strictColumns: Bool
    /// Epoch milliseconds: timestamps after this are "in the future".
    public let now: Int64
    /// The most Unicode scalars a normalized updatable field may have.
    public let maxFieldLength: Int

    public init(rules: SegmentRules, strictColumns: Bool, now: Int64, maxFieldLength: Int = IngestOptions.defaultMaxFieldLength) {
        self.rules = rules
        self.strictColumns = strictColumns
        self.now = now
        self.maxFieldLength = maxFieldLength
    }

    /// The seed's contract (`ndax`) with these id types.
    public init(idTypes: Set<String>, strictColumns: Bool, now: Int64,
                maxFieldLength: Int = IngestOptions.defaultMaxFieldLength) {
        var rules = SegmentRules(contract: .ndax)
        rules.idTypes = idTypes
        self.init(rules: rules, strictColumns: strictColumns, now: now, maxFieldLength: maxFieldLength)
    }

    /// Builds a row from `(target, column name, value)` cells. A nil value is "not provided".
    func normalize(line: Int, raw: String, cells: some Sequence<(ColumnTarget, String, String?)>) -> InputRow {
        var row = InputRow(line: line, raw: raw)
        var sawCode = false, sawTimestamp = false
        var nonUpdatable: [String] = []
        var firstNonUpdatableColumn = ""
        /// Zero Hash: the state or jurisdiction_code cell, resolved once the row's country is known.
        var jurisdictionCell: (column: String, value: String)?
        var zipColumn = Field.zip.name
        for (target, column, value) in cells {
            switch target {
            case .participantCode:
                sawCode = true
                if let value, let problem = Self.controlCharacter(in: value, column: column) {
                    row.problems.append(problem)
                    continue
                }
                guard let value, let code = ValueNormalizer.participantCode(value) else {
                    row.problems.append(RowProblem(code: "missing_participant_code", column: column,
                                                   message: "column '\(column)': participant_code is required"))
                    continue
                }
                if ValueNormalizer.isParticipantCode(code) {
                    row.participantCode = code
                } else {
                    row.problems.append(RowProblem(code: "invalid_participant_code", column: column,
                                                   message: "column '\(column)': expected 6 letters or digits, got '\(value)'"))
                }
            case .platformUpdatedAt:
                sawTimestamp = true
                if let value, let problem = Self.controlCharacter(in: value, column: column) {
                    row.problems.append(problem)
                    continue
                }
                guard let value, let text = ValueNormalizer.clean(value) else {
                    row.problems.append(RowProblem(code: "missing_platform_updated_at", column: column,
                                                   message: "column '\(column)': platform_updated_at is required"))
                    continue
                }
                guard let ms = TimestampParser.epochMilliseconds(text) else {
                    row.problems.append(RowProblem(
                        code: "invalid_platform_updated_at", column: column,
                        message: "column '\(column)': expected epoch milliseconds, epoch seconds or ISO-8601, got '\(value)'"))
                    continue
                }
                if ms > now {
                    row.problems.append(RowProblem(code: "future_platform_updated_at", column: column,
                                                   message: "column '\(column)': platform_updated_at is in the future, got '\(value)'"))
                    continue
                }
                if contract == .zerohash, !FieldRules.isThirteenDigits(ms) {
                    row.problems.append(RowProblem(code: "invalid_platform_updated_at", column: column,
                                                   message: "column '\(column)': expected \(FieldRules.timestampFormat) (2001-09-09 or later), got '\(value)'"))
                    continue
                }
                row.platformUpdatedAt = ms
            case .field(let field):
                guard let value else { continue }
                if let problem = Self.controlCharacter(in: value, column: column) {
                    row.problems.append(problem)
                    continue
                }
                guard let cleaned = ValueNormalizer.normalize(field, value, contract: contract) else { continue }
                if let problem = tooLong(cleaned, column: column) {
                    row.problems.append(problem)
                    continue
                }
                var v = cleaned
                if contract == .zerohash {
                    switch zerohashValue(field, cleaned, column: column, original: value) {
                    case .success(let made): v = made
                    case .failure(let problem):
                        row.problems.append(problem)
                        continue
                    }
                    if field == .jurisdictionCode { jurisdictionCell = (column, value) }
                    if field == .zip { zipColumn = column }
                }
                row[field] = v
                if let problem = check(field, v, column: column, original: value) { row.problems.append(problem) }
            case .nonUpdatable(let name):
                guard let value, ValueNormalizer.clean(value) != nil else { continue }
                if nonUpdatable.isEmpty { firstNonUpdatableColumn = column }
                nonUpdatable.append(name)
            case .unknown:
                guard strictColumns, let value, ValueNormalizer.clean(value) != nil else { continue }
                row.problems.append(RowProblem(code: "unknown_column", column: column,
                                               message: "column '\(column)': unknown column (--strict-columns), got '\(value)'"))
            case .reportColumn:
                continue
            }
        }
        if !nonUpdatable.isEmpty {
            row.problems.append(RowProblem(code: "non_updatable_field", column: firstNonUpdatableColumn,
                                           message: APIMessage.cannotUpdate(nonUpdatable)))
        }
        if contract == .zerohash { zerohashRowChecks(&row, jurisdictionCell: jurisdictionCell, zipColumn: zipColumn) }
        if !sawCode {
            row.problems.append(RowProblem(code: "missing_participant_code", column: WireKey.participantCode,
                                           message: "participant_code is required"))
        }
        if !sawTimestamp {
            row.problems.append(RowProblem(code: "missing_platform_updated_at", column: WireKey.platformUpdatedAt,
                                           message: "platform_updated_at is required"))
        }
        return row
    }

    /// The first control character (U+0000-U+001F except tab, and U+007F) in a value, as a problem naming the
    /// column and the code point; the value itself is not quoted (it would put the character in a message).
    ///
    /// A byte loop: in UTF-8 these bytes never occur inside a multi-byte sequence, so each one is the character.
    static func controlCharacter(in value: String, column: String) -> RowProblem? {
        func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != 0x09) || b == 0x7F }
        let found = value.utf8.withContiguousStorageIfAvailable { bytes in bytes.first(where: isControl) }
            ?? value.utf8.first(where: isControl)
        guard let found else { return nil }
        let hex = String(found, radix: 16, uppercase: true)
        return RowProblem(code: "control_character", column: column,
                          message: "column '\(column)': control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex) is not allowed")
    }

    /// A normalized updatable value longer than `maxFieldLength` Unicode scalars (what a body's size depends on:
    /// a grapheme cluster can hold any number of them), as a problem; the value is not quoted.
    func tooLong(_ value: String, column: String) -> RowProblem? {
        // A scalar takes at least one UTF-8 byte: most values are decided without counting.
        guard value.utf8.count > maxFieldLength else { return nil }
        let length = value.unicodeScalars.count
        guard length > maxFieldLength else { return nil }
        return RowProblem(code: "field_too_long", column: column,
                          message: "column '\(column)': expected at most \(maxFieldLength) characters (--max-field-length), got \(length)")
    }

    /// The single-value checks of an updatable field (segment completeness is the fold's business).
    func check(_ field: Field, _ value: String, column: String, original: String) -> RowProblem? {
        switch field {
        case .email where !FieldRules.isEmail(value):
            RowProblem(code: "invalid_email", column: column,
                       message: "column '\(column)': expected an email like \(FieldRules.emailFormat), got '\(original)'")
        case .addressOne where FieldRules.isPOBox(value), .addressTwo where FieldRules.isPOBox(value):
            RowProblem(code: "po_box", column: column,
                       message: "column '\(column)': PO Box addresses are not accepted, got '\(original)'")
        case .idNumberType where !idTypes.contains(value):
            RowProblem(code: "unsupported_id_type", column: column,
                       message: "column '\(column)': expected \(IDType.format(allowed: idTypes)) (or --allow-id-type), got '\(original)'")
        default:
            nil
        }
    }
}
