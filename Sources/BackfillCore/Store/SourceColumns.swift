import ParticipantAPI

/// What each column of one input file was read as (after the alias table and `--map`), stored once in
/// `source_file.columns` so that the failures export and corrections read a stored record (`input_row.raw`)
/// with the columns ingest used, instead of resolving its header again.
///
/// A record's *cells* are its values under their export names: the canonical name of `participant_code`,
/// `platform_updated_at`, an updatable field or a non-updatable field, or the normalized name of an unknown
/// column (`Notes` -> `notes`). Empty cells, JSON nulls and `backfill_*` columns are left out.
package struct SourceColumns {
    package var format: InputFormat
    /// CSV: the header cells (trimmed), in order; empty for JSONL.
    package var header: [String]
    /// Source column (CSV header cell, JSONL key) -> what it was read as.
    private var targets: [String: ColumnTarget]
    /// For a file stored before its columns were: the alias table.
    private var fallback: ColumnResolver?

    /// The columns of a file being ingested, as its row source resolved them.
    package init(format: InputFormat, header: [String]?, resolved: [(name: String, target: ColumnTarget)]) {
        self.format = format
        self.header = header ?? []
        targets = Dictionary(resolved.map { ($0.name, $0.target) }, uniquingKeysWith: { first, _ in first })
        fallback = nil
    }

    /// The columns of a stored file: `columns` is `source_file.columns` (nil for a file ingested before it was
    /// stored), `header` its `source_file.header`.
    package init(format: InputFormat, headerJSON: String?, columnsJSON: String?, contract: Contract) {
        self.format = format
        header = []
        if let headerJSON, case .array(let cells)? = try? JSONParser.parse(Array(headerJSON.utf8)) {
            header = cells.map { if case .string(let name) = $0 { name } else { "" } }
        }
        targets = [:]
        if let columnsJSON, case .object(let members)? = try? JSONParser.parse(Array(columnsJSON.utf8)) {
            for (name, value) in members { targets[name] = ColumnTarget(stored: value, contract: contract) }
            fallback = nil
        } else {
            fallback = try! ColumnResolver(contract: contract)
        }
    }

    /// `source_file.columns`: a JSON object of source column -> canonical name, null for an unknown column.
    package var storedJSON: String {
        var members: [(key: String, value: JSONValue)] = []
        var seen: Set<String> = []
        let names = format == .csv ? header : targets.keys.sorted()
        for name in names where seen.insert(name).inserted {
            if let stored = targets[name]?.stored { members.append((name, stored)) }
        }
        return JSONValue.object(members).jsonText
    }

    /// What `name` was read as (a column the stored object leaves out is a `backfill_*` column).
    package func target(_ name: String) -> ColumnTarget {
        targets[name] ?? fallback?.resolve(name) ?? .reportColumn
    }

    /// The name a column's cells go under; nil for `backfill_*` columns (and an unnamed unknown one).
    package static func exportName(_ name: String, _ target: ColumnTarget) -> String? {
        switch target {
        case .participantCode, .platformUpdatedAt, .field, .nonUpdatable: target.canonicalName
        case .unknown:
            ColumnResolver.normalize(name).isEmpty ? nil : ColumnResolver.normalize(name)
        case .reportColumn: nil
        }
    }

    /// Cells that are neither `participant_code`, `platform_updated_at` nor an updatable field: non-updatable
    /// fields, then unknown columns, each name once, in that order.
    package var extraColumns: [String] {
        var nonUpdatable: Set<String> = []
        var unknown: Set<String> = []
        let names = format == .csv ? header : Array(targets.keys)
        for name in names {
            let target = target(name)
            guard let export = Self.exportName(name, target) else { continue }
            switch target {
            case .nonUpdatable: nonUpdatable.insert(export)
            case .unknown: unknown.insert(export)
            default: break
            }
        }
        return WireKey.nonUpdatable.filter(nonUpdatable.contains) + unknown.sorted()
    }

    /// The cells of a stored record. JSONL values keep their JSON type (a numeric zip stays a number).
    package func cells(_ raw: String) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        switch format {
        case .csv:
            for (cell, name) in zip(CSVText.parseRecord(raw), header) {
                guard !cell.isEmpty, let export = Self.exportName(name, target(name)) else { continue }
                values[export] = .string(cell)
            }
        case .jsonl:
            guard case .object(let members)? = try? JSONParser.parse(Array(raw.utf8)) else { return [:] }
            for (key, value) in members {
                guard value != .null, value != .string(""), let export = Self.exportName(key, target(key)) else { continue }
                values[export] = value
            }
        }
        return values
    }

    /// The cells as text, for comparing a correction with the row it names.
    package func cellTexts(_ raw: String) -> [String: String] {
        cells(raw).mapValues(Self.text)
    }

    /// A cell's text: a string as is, null empty, anything else as its JSON text.
    package static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .null: ""
        default: value.jsonText
        }
    }
}
