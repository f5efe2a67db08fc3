import Foundation
import ParticipantAPI

/// What an input column (CSV header cell or JSONL key) means.
package enum ColumnTarget: Equatable, Hashable {
    case participantCode
    case platformUpdatedAt
    case field(Field)
    /// A participant field the endpoint does not update: a value there rejects the row.
    case nonUpdatable(String)
    /// A `backfill_*` column of a failures report: ignored.
    case reportColumn
    /// Reported once and ignored (rejects rows under `--strict-columns`).
    case unknown

    /// The canonical name the column maps to, for messages.
    package var canonicalName: String? {
        switch self {
        case .participantCode: WireKey.participantCode
        case .platformUpdatedAt: WireKey.platformUpdatedAt
        case .field(let f): f.name
        case .nonUpdatable(let name): name
        case .reportColumn, .unknown: nil
        }
    }

    /// How `source_file.columns` stores the target: its canonical name, null for an unknown column; a
    /// `backfill_*` column is not stored.
    package var stored: JSONValue? {
        switch self {
        case .reportColumn: nil
        case .unknown: .null
        default: canonicalName.map(JSONValue.string)
        }
    }

    /// The target `stored` wrote for a database of `contract`; nil for what it cannot have written.
    package init?(stored: JSONValue, contract: Contract) {
        switch stored {
        case .null: self = .unknown
        case .string(WireKey.participantCode): self = .participantCode
        case .string(WireKey.platformUpdatedAt): self = .platformUpdatedAt
        case .string(let name):
            if let field = Field(name: name), contract.fields.contains(field) || field == .state {
                self = .field(field)
            } else if contract.nonUpdatable.contains(name) {
                self = .nonUpdatable(name)
            } else {
                return nil
            }
        default: return nil
        }
    }
}

/// The columns of a failures report that ingest reads; its other `backfill_*` columns are ignored.
package enum ReportColumn {
    /// `file:line` of the rejected row a correction replaces.
    package static let row = "backfill_row"
    /// `rejected`, `held` or `failed`.
    package static let state = "backfill_state"
    /// Present only in a `--redact` export: such a file is refused.
    package static let redacted = "backfill_redacted"

    /// The normalized name of a source column, for comparing with the names above.
    package static func name(_ sourceName: String) -> String {
        ColumnResolver.normalize(sourceName)
    }

    /// The columns of `backfill report --moves` after `participant_code` and `platform_updated_at`.
    package static let movesColumns = ["from", "to"]

    /// A header with `from` and `to` beside `participant_code`: the jurisdiction moves report.
    package static func isMovesReport(_ names: [String]) -> Bool {
        let normalized = Set(names.map(name))
        return normalized.contains("participant_code") && movesColumns.allSatisfy(normalized.contains)
    }

    /// The file-level error for the moves report.
    package static func movesError(at location: String) -> BackfillError {
        BackfillError("moves_report",
                      "\(location): this is a jurisdiction moves report (backfill report --moves: columns from and to), not a changes file: it holds no changes to send, so nothing was ingested; ingest the platform's export instead")
    }

    /// The file-level error for a redacted report.
    package static func redactedError(at location: String, column: String) -> BackfillError {
        BackfillError("redacted_report",
                      "\(location): this is a redacted report (column \(column)): it cannot be ingested, because its masked values would be sent; export it again without --redact")
    }
}

/// Resolves input column names: case-insensitive, spaces and hyphens read as underscores, then the alias
/// table, then the operator's `--map "Source Column=field"` entries (which win). Under `zerohash` a state column
/// (`state` and its aliases) is read as `jurisdiction_code`, resolved through the ISO data; the fields only that
/// contract knows (`middle_name`, `date_of_birth`, ...) are unknown columns under `ndax`, as they always were.
public struct ColumnResolver: Sendable {
    /// Alias -> canonical name. Documented in the README; keep the two in step.
    public static let aliases: [(canonical: String, aliases: [String])] = [
        ("participant_code", ["participant", "participant_id", "participantcode", "customer_code", "zh_participant_code"]),
        ("platform_updated_at", ["updated_at", "updatedat", "platform_updated", "approved_at", "changed_at", "timestamp", "updated"]),
        ("first_name", ["firstname", "first", "given_name", "fname"]),
        ("last_name", ["lastname", "last", "surname", "family_name", "lname"]),
        ("address_one", ["address1", "address_1", "address_line_1", "address_line1", "addressline1", "street", "street_address", "addr1"]),
        ("address_two", ["address2", "address_2", "address_line_2", "address_line2", "addressline2", "addr2", "unit", "apartment"]),
        ("city", ["town", "locality"]),
        ("state", ["province", "region", "state_code", "state_province"]),
        ("zip", ["zip_code", "zipcode", "postal_code", "postalcode", "postcode", "pin", "pin_code", "pincode"]),
        ("country", ["country_name", "country_code", "nation"]),
        ("email", ["email_address", "e_mail", "emailaddress", "mail"]),
        ("id_number_type", ["id_type", "idtype", "document_type", "id_document_type"]),
        ("id_number", ["idnumber", "id_no", "document_number", "id_document_number"]),
        // Zero Hash's contract (2026) only.
        ("middle_name", ["middlename", "middle", "mname"]),
        ("former_name", ["formername", "former", "maiden_name", "previous_name"]),
        ("jurisdiction_code", ["jurisdiction", "subdivision", "subdivision_code", "iso_3166_2"]),
        ("date_of_birth", ["dob", "birth_date", "birthdate", "dateofbirth"]),
        ("phone_number", ["phone", "phonenumber", "mobile", "mobile_number", "telephone", "contact_number"]),
        ("gender", ["sex"]),
    ]

    private static let table: [String: String] = {
        var map: [String: String] = [:]
        for row in aliases {
            map[row.canonical] = row.canonical
            for alias in row.aliases { map[alias] = row.canonical }
        }
        return map
    }()

    /// Operator mappings by normalized source name -> canonical name.
    private let mappings: [String: String]
    /// The contract whose fields are read.
    public let contract: Contract

    /// - Parameter mappings: `Source Column=field` entries from `--map`.
    /// - Throws: when an entry has no `=` or names a field that does not exist.
    public init(mappings: [String] = [], contract: Contract = .ndax) throws {
        self.contract = contract
        var map: [String: String] = [:]
        for entry in mappings {
            guard let eq = entry.lastIndex(of: "=") else {
                throw BackfillError("bad_mapping", "--map '\(entry)': expected \"Source Column=field\"")
            }
            let source = ColumnResolver.normalize(String(entry[..<eq]))
            let target = ColumnResolver.normalize(String(entry[entry.index(after: eq)...]))
            let known = [WireKey.participantCode, WireKey.platformUpdatedAt] + contract.fields.map(\.name)
                + (contract == .zerohash ? [Field.state.name] : [])
            guard known.contains(target) else {
                let hint = Suggest.closest(to: target, in: known).map { " Did you mean '\($0)'?" } ?? ""
                throw BackfillError("bad_mapping", "--map '\(entry)': unknown field '\(target)'.\(hint)")
            }
            map[source] = target
        }
        self.mappings = map
    }

    /// Lower case, trimmed, spaces and hyphens (and dots) read as underscores.
    package static func normalize(_ name: String) -> String {
        var out = ""
        var lastUnderscore = false
        for ch in name.trimmingCharacters(in: .whitespaces).lowercased() {
            if ch == " " || ch == "-" || ch == "_" || ch == "." {
                if !lastUnderscore && !out.isEmpty { out.append("_") }
                lastUnderscore = true
            } else {
                out.append(ch)
                lastUnderscore = false
            }
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out
    }

    /// What a source column means.
    package func resolve(_ sourceName: String) -> ColumnTarget {
        let key = ColumnResolver.normalize(sourceName)
        let canonical = mappings[key] ?? ColumnResolver.table[key]
        if let canonical {
            if canonical == WireKey.participantCode { return .participantCode }
            if canonical == WireKey.platformUpdatedAt { return .platformUpdatedAt }
            if var f = Field(name: canonical) {
                if contract == .zerohash && f == .state { f = .jurisdictionCode }
                if contract.fields.contains(f) { return .field(f) }
                // A field of the other contract: what its exact name has always been here.
                if contract.nonUpdatable.contains(key) { return .nonUpdatable(key) }
                return key.hasPrefix("backfill_") ? .reportColumn : .unknown
            }
        }
        if contract.nonUpdatable.contains(key) { return .nonUpdatable(key) }
        if key.hasPrefix("backfill_") { return .reportColumn }
        return .unknown
    }

    /// A "did you mean" for an unknown column: the closest name of a field this contract reads. Nil for a
    /// column that is itself a name of a field the contract does not read (see `otherContractNote`).
    package func suggestion(for sourceName: String) -> String? {
        let key = ColumnResolver.normalize(sourceName)
        guard ColumnResolver.table[key] == nil else { return nil }
        let known = ColumnResolver.table.keys.filter { resolve($0) != .unknown }
        guard let hit = Suggest.closest(to: key, in: Array(known)) else { return nil }
        return ColumnResolver.table[hit]
    }

    /// The hint an unknown column gets: " Did you mean 'x'?", or, for a field of the other contract
    /// (`middle_name` in an `ndax` database), that it is one; "" when there is nothing to say.
    package func unknownColumnHint(for sourceName: String) -> String {
        if let canonical = ColumnResolver.table[ColumnResolver.normalize(sourceName)], let field = Field(name: canonical),
           let other = Contract.allCases.first(where: { $0 != contract && $0.fields.contains(field) }) {
            return " It is a field of the \(other) contract; this database is made for \(contract)."
        }
        return suggestion(for: sourceName).map { " Did you mean '\($0)'?" } ?? ""
    }
}

/// Levenshtein-based suggestions, as swift-argument-parser offers for mistyped options.
package enum Suggest {
    package static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= max(1, word.count / 3) }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    /// Edit distance where inserting, deleting, replacing or swapping two neighbouring characters costs 1
    /// (`emial` is one edit from `email`).
    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
