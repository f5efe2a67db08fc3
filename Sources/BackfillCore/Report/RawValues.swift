import GRDB
import ParticipantAPI

/// An ingested file as the reports need it: its name for `file:line`, and how to read its stored records again.
struct ReportSourceFile {
    /// As given to ingest (`<stdin>` for standard input).
    var name: String
    var format: InputFormat
    /// CSV: what each header cell maps to (alias table; `--map` entries are not stored, so not applied).
    var columns: [ColumnTarget]

    /// Every ingested file by id (a database holds few files).
    static func all(_ db: Database) throws -> [Int64: ReportSourceFile] {
        let resolver = try ColumnResolver()
        var files: [Int64: ReportSourceFile] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, path, format, header FROM source_file") {
            let path: String = row["path"]
            let format = InputFormat(rawValue: row["format"]) ?? .csv
            var columns: [ColumnTarget] = []
            if let header: String = row["header"], case .array(let cells)? = try? JSONParser.parse(Array(header.utf8)) {
                columns = cells.map { cell in
                    if case .string(let name) = cell { resolver.resolve(name) } else { .unknown }
                }
            }
            files[row["id"]] = ReportSourceFile(name: inputDisplayName(path), format: format, columns: columns)
        }
        return files
    }
}

/// The values of a stored record (`input_row.raw`) as they were in the input, by canonical name
/// (`participant_code`, `platform_updated_at`, the updatable fields). Empty cells, nulls and columns that are
/// not one of those are left out. JSONL values keep their JSON type (a numeric zip stays a number).
enum RawValues {
    static func read(_ raw: String, file: ReportSourceFile) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        switch file.format {
        case .csv:
            for (cell, target) in zip(CSVText.parseRecord(raw), file.columns) {
                guard let name = canonical(target), !cell.isEmpty else { continue }
                values[name] = .string(cell)
            }
        case .jsonl:
            guard case .object(let members)? = try? JSONParser.parse(Array(raw.utf8)) else { return [:] }
            let resolver = try! ColumnResolver()
            for (key, value) in members {
                guard let name = canonical(resolver.resolve(key)), value != .null else { continue }
                values[name] = value
            }
        }
        return values
    }

    private static func canonical(_ target: ColumnTarget) -> String? {
        switch target {
        case .participantCode, .platformUpdatedAt, .field: target.canonicalName
        case .nonUpdatable, .reportColumn, .unknown: nil
        }
    }
}
