import Foundation
import GRDB
import ParticipantAPI

/// How an input row's normalized values are stored: once. The record as read (`input_row.raw`) is the source
/// of truth; `input_row.norm` holds only the fields whose normalized value differs from their cell in it
/// (a trimmed name, `US` -> `United States`, a whitespace-only cell that is not provided), so most rows store a
/// few bytes or nothing. Reading a row back takes its cells from `raw` (with the columns ingest resolved, `--map`
/// included: `FieldCells`) and lays `norm` over them.
///
/// `norm` is one of:
/// - nil: every field is its cell (an empty or absent cell: not provided);
/// - a list of entries, each a tag byte then, for a value, its UTF-8 length (LEB128) and bytes: tag `1 + order`
///   for a field whose value differs from its cell, `0x10 + order` for a field not provided although its cell is
///   not empty (orders 0-14); for later fields the tag `0x1F` then the order (with its high bit set when not
///   provided). Tags are below 0x20, so a list never starts with `[`;
/// - a JSON array of all eleven values in field order (nulls for not provided): rows stored before migration
///   `0007_compact_rows` copied their normalized columns there, and are read exactly as before.
///
/// Ingest computes `norm` from the same `FieldCells` reading of the raw record that every reader uses, so
/// reading back is exact by construction, whatever the CSV or JSON reader's leniencies.
package enum StoredValues {
    private static let count = Field.allCases.count

    /// `norm` for a row whose normalized values are `values` and whose raw cells are `cells` (both by `Field.order`).
    ///
    /// A value is left out only when its bytes are its cell's: Swift's `!=` would call an NFC value equal to its
    /// NFD cell, and the row would then be read back (and sent) decomposed.
    package static func encode(_ values: [String?], over cells: [String?]) -> [UInt8]? {
        var out: [UInt8] = []
        for i in 0..<count where !sameBytes(values[i], cells[i]) {
            // Fields 0-14 take one tag byte; later ones (Zero Hash's contract added some) an extension tag and
            // their order, the high bit set when not provided.
            guard let value = values[i] else {
                if i < 15 { out.append(UInt8(0x10 + i)) } else { out.append(contentsOf: [0x1F, UInt8(0x80 | i)]) }
                continue
            }
            if i < 15 { out.append(UInt8(1 + i)) } else { out.append(contentsOf: [0x1F, UInt8(i)]) }
            var length = value.utf8.count
            repeat {
                let low = UInt8(length & 0x7F)
                length >>= 7
                out.append(length == 0 ? low : low | 0x80)
            } while length != 0
            out.append(contentsOf: value.utf8)
        }
        return out.isEmpty ? nil : out
    }

    /// The normalized values of a stored row (nil = not provided), by `Field.order`. `cells` reads the raw record's
    /// cells; it is only called when `norm` does not hold every value.
    ///
    /// A field that `norm` does not list is its cell in NFC. For a row stored now that is the cell itself (its bytes
    /// were the value's, which is NFC). The release that introduced `0007_compact_rows` (before `0009_exact_bytes`)
    /// left out values that were merely canonically equal to their cells, such as an NFD name: their value is
    /// exactly the cell's NFC, so such rows read back as they should have been stored.
    package static func decode(_ norm: [UInt8]?, cells rawCells: () -> [String?]) -> [String?] {
        withoutActuallyEscaping(rawCells) { rawCells in
            let cells = { rawCells().map { $0?.nfc } }
            guard let norm else { return cells() }
            return norm.withUnsafeBytes { decode($0, cells: cells) }
        }
    }

    private static func decode(_ norm: UnsafeRawBufferPointer, cells: () -> [String?]) -> [String?] {
        guard let first = norm.first else { return cells() }
        if first == UInt8(ascii: "[") { return fullForm(norm) }
        var values = cells()
        var i = 0
        while i < norm.count {
            var tag = Int(norm[i])
            i += 1
            if tag == 0x1F, i < norm.count {
                // Extension: the field's order follows, its high bit set when the field is not provided.
                let extended = Int(norm[i])
                i += 1
                if extended & 0x80 != 0 {
                    if extended & 0x7F < count { values[extended & 0x7F] = nil }
                    continue
                }
                tag = 1 + extended
            } else if tag >= 0x10 {
                let order = tag - 0x10
                if order < count { values[order] = nil }
                continue
            }
            var length = 0
            var shift = 0
            while i < norm.count {
                let byte = norm[i]
                i += 1
                length |= Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            let end = min(i + length, norm.count)
            let order = tag - 1
            if order >= 0 && order < count {
                values[order] = String(decoding: UnsafeRawBufferPointer(rebasing: norm[i..<end]), as: UTF8.self)
            }
            i = end
        }
        return values
    }

    /// A row stored before `0007_compact_rows`: the JSON array of its normalized columns.
    private static func fullForm(_ bytes: UnsafeRawBufferPointer) -> [String?] {
        var values = [String?](repeating: nil, count: count)
        guard case .array(let items)? = try? JSONParser.parse(bytes) else { return values }
        for (i, item) in items.prefix(count).enumerated() {
            if case .string(let s) = item { values[i] = s }
        }
        return values
    }
}

/// Which cell of a stored record holds each updatable field, for one input file (`SourceColumns`, so `--map`
/// and the alias table resolve exactly as they did at ingest). Reads the field cells of a raw record: CSV with
/// `CSVText`'s record grammar, JSONL through `JSONParser` (a string value is its cell; anything else is not a
/// cell of that field).
package struct FieldCells {
    private let format: InputFormat
    /// CSV: the field order of each header position (nil: not an updatable field).
    private let positions: [Int?]
    /// JSONL: what a key was read as.
    private let target: (String) -> ColumnTarget

    /// The cells of a stored file's records.
    package init(_ columns: SourceColumns) {
        format = columns.format
        target = { columns.target($0) }
        positions = columns.header.map { name in
            if case .field(let field) = columns.target(name) { field.order } else { nil }
        }
    }

    /// The cells of the records of a file being read: CSV columns as resolved from its header, JSONL keys
    /// through `target` (the resolver ingest uses, whose answers `source_file.columns` stores).
    package init(format: InputFormat, columns: [(name: String, target: ColumnTarget)], target: @escaping (String) -> ColumnTarget) {
        self.format = format
        self.target = target
        positions = columns.map { if case .field(let field) = $0.target { field.order } else { nil } }
    }

    /// The field cells of `raw` by `Field.order`; nil where the cell is empty or absent.
    package func cells(_ raw: String) -> [String?] {
        var values = [String?](repeating: nil, count: Field.allCases.count)
        switch format {
        case .csv:
            var raw = raw
            raw.withUTF8 { bytes in
                CSVText.forEachCell(bytes, upTo: positions.count) { index, cell in
                    guard let order = positions[index], cell.count > 0 else { return }
                    values[order] = String(decoding: cell, as: UTF8.self)
                }
            }
        case .jsonl:
            guard case .object(let members)? = try? JSONParser.parse(Array(raw.utf8)) else { return values }
            for (key, value) in members {
                guard case .field(let field) = target(key), case .string(let s) = value, !s.isEmpty else { continue }
                values[field.order] = s
            }
        }
        return values
    }
}

/// A stored input file as readers of its rows need it: the name `file:line` shows, and its records' field cells.
package struct StoredFile {
    package var name: String
    package var cells: FieldCells

    package static let noValues = [String?](repeating: nil, count: Field.allCases.count)

    package init(name: String, cells: FieldCells) {
        self.name = name
        self.cells = cells
    }

    /// Every ingested file by id (a database holds few files).
    package static func all(_ db: Database) throws -> [Int64: StoredFile] {
        var files: [Int64: StoredFile] = [:]
        let contract = try ContractSetting.stored(db)
        for row in try Row.fetchAll(db, sql: "SELECT id, path, format, header, columns FROM source_file") {
            let format = InputFormat(rawValue: row["format"]) ?? .csv
            let columns = SourceColumns(format: format, headerJSON: row["header"], columnsJSON: row["columns"], contract: contract)
            files[row["id"]] = StoredFile(name: inputDisplayName(row["path"]), cells: FieldCells(columns))
        }
        return files
    }

    /// The normalized values of a stored row from its `raw` and `norm` columns.
    package func values(raw: String?, norm: [UInt8]?) -> [String?] {
        StoredValues.decode(norm) { raw.map(cells.cells) ?? Self.noValues }
    }

    /// The same, with `norm` as GRDB reads a blob.
    package func values(raw: String?, norm: Data?) -> [String?] {
        values(raw: raw, norm: norm.map { [UInt8]($0) })
    }
}
