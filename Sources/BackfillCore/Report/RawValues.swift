import BackfillStore
import GRDB
import ParticipantAPI

/// An ingested file as the reports need it: its name for `file:line`, and how to read its stored records again.
struct ReportSourceFile {
    /// As given to ingest (`<stdin>` for standard input).
    var name: String
    var format: InputFormat
    /// What each column was read as, as ingest stored it (`--map` included).
    var columns: SourceColumns
    /// The file still has a rejected row.
    var hasRejectedRows: Bool
    /// Its rows' normalized values, from `raw` and `norm`.
    var stored: StoredFile

    /// Every ingested file by id (a database holds few files).
    static func all(_ db: Database) throws -> [Int64: ReportSourceFile] {
        var files: [Int64: ReportSourceFile] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT f.id, f.path, f.format, f.header, f.columns,
                   EXISTS (SELECT 1 FROM input_row r WHERE r.file_id = f.id AND r.status != 'accepted'
                                                       AND r.status = 'rejected') AS rejected
            FROM source_file f
            """) {
            let path: String = row["path"]
            let format = InputFormat(rawValue: row["format"]) ?? .csv
            let columns = SourceColumns(format: format, headerJSON: row["header"], columnsJSON: row["columns"])
            files[row["id"]] = ReportSourceFile(
                name: inputDisplayName(path), format: format, columns: columns, hasRejectedRows: row["rejected"],
                stored: StoredFile(name: inputDisplayName(path), cells: FieldCells(columns)))
        }
        return files
    }
}

/// The values of a stored record (`input_row.raw`) as they were in the input, under their export names
/// (see `SourceColumns`): `participant_code`, `platform_updated_at`, the updatable and non-updatable fields by
/// canonical name, unknown columns by normalized name. JSONL values keep their JSON type.
enum RawValues {
    static func read(_ raw: String, file: ReportSourceFile) -> [String: JSONValue] {
        file.columns.cells(raw)
    }

    /// The columns beyond the canonical ones that rejected rows of these files can fill, in a stable order.
    static func extraColumns(_ files: [Int64: ReportSourceFile]) -> [String] {
        var seen: Set<String> = []
        var nonUpdatable: [String] = []
        var unknown: [String] = []
        for (_, file) in files.sorted(by: { $0.key < $1.key }) where file.hasRejectedRows {
            for name in file.columns.extraColumns where seen.insert(name).inserted {
                if WireKey.nonUpdatable.contains(name) { nonUpdatable.append(name) } else { unknown.append(name) }
            }
        }
        return WireKey.nonUpdatable.filter(nonUpdatable.contains) + unknown.sorted()
    }
}
