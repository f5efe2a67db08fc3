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
        for file in try InputRowReads.files(db) {
            let name = inputDisplayName(file.path)
            files[file.id] = ReportSourceFile(name: name, format: file.format, columns: file.columns, hasRejectedRows: file.hasRejectedRows,
                                              stored: StoredFile(name: name, cells: FieldCells(file.columns)))
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
