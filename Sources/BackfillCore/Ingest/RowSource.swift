import BackfillStore
import Foundation
import ParticipantAPI

/// A stream of normalized rows from one input, plus what it noticed about the columns.
protocol RowSource: AnyObject {
    /// The next record in input order, or nil at the end: a row already made, or a CSV record that `makeRow`
    /// makes into one on any thread (making it reads nothing the source changes). Throws for file-level errors
    /// (the whole file is refused).
    func nextRecord() throws -> SourceRecord?
    /// The row of a CSV record `nextRecord` returned. Safe to call from several threads at once.
    func makeRow(_ record: CSVRecord) -> InputRow
    /// Notes about the input reported once (unknown columns, ignored keys).
    var notes: [String] { get }
    /// The CSV header as read; nil for JSONL.
    var header: [String]? { get }
    /// True for a failures report fed back (it has `backfill_*` columns): its rows are corrections.
    var isCorrection: Bool { get }
    /// Every column as resolved (CSV: the header; JSONL: each key in the order first seen), for
    /// `source_file.columns`.
    var columnTargets: [(name: String, target: ColumnTarget)] { get }
}

/// What `RowSource.nextRecord` reads.
enum SourceRecord {
    case row(InputRow)
    case csv(CSVRecord)
}

extension RowSource {
    /// The next row, or nil at the end, made on the calling thread.
    func next() throws -> InputRow? {
        switch try nextRecord() {
        case .row(let row): row
        case .csv(let record): makeRow(record)
        case nil: nil
        }
    }
}

/// Checks that no two source columns map to the same canonical name.
func checkDistinctTargets(_ columns: [(name: String, target: ColumnTarget)], where location: String) throws {
    var seen: [String: String] = [:]
    for column in columns {
        guard let canonical = column.target.canonicalName else { continue }
        if let other = seen[canonical] {
            throw BackfillError("duplicate_column",
                                "\(location): columns '\(inputExcerpt(other, limit: 100))' and '\(inputExcerpt(column.name, limit: 100))' both map to '\(canonical)'; keep one, or --map one of them elsewhere")
        }
        seen[canonical] = column.name
    }
}

/// Rows of a CSV file: the first record is the header.
final class CSVRowSource: RowSource {
    private let reader: CSVReader
    private let normalizer: RowNormalizer
    private let columns: [(name: String, target: ColumnTarget)]
    private let codeIndex: Int
    /// Where `backfill_row` and `backfill_state` are, in a failures report.
    private let markIndexes: (row: Int?, state: Int?)
    private let fieldCells: FieldCells
    let header: [String]?
    let isCorrection: Bool
    private(set) var notes: [String] = []
    var columnTargets: [(name: String, target: ColumnTarget)] { columns }

    init(source: ByteSource, resolver: ColumnResolver, normalizer: RowNormalizer) throws {
        reader = CSVReader(source: source)
        self.normalizer = normalizer
        guard let first = try reader.next() else {
            throw BackfillError("empty_input", "\(source.name): empty: expected a header row")
        }
        let location = "\(source.name):\(first.line)"
        var names: [String] = []
        for (i, cell) in first.cells.enumerated() {
            guard let cell else {
                throw BackfillError("invalid_utf8", "\(location): header cell \(i + 1) is not valid UTF-8 text")
            }
            names.append(cell.trimmingCharacters(in: .whitespaces))
        }
        header = names
        if let marked = names.first(where: { ReportColumn.name($0) == ReportColumn.redacted }) {
            throw ReportColumn.redactedError(at: location, column: marked)
        }
        if ReportColumn.isMovesReport(names) { throw ReportColumn.movesError(at: location) }
        columns = names.map { ($0, resolver.resolve($0)) }
        markIndexes = (names.firstIndex { ReportColumn.name($0) == ReportColumn.row },
                       names.firstIndex { ReportColumn.name($0) == ReportColumn.state })
        try checkDistinctTargets(columns, where: location)
        for required in [ColumnTarget.participantCode, .platformUpdatedAt] where !columns.contains(where: { $0.target == required }) {
            throw BackfillError("missing_column",
                                "\(location): no column maps to '\(required.canonicalName!)' (columns: \(inputExcerpt(names.joined(separator: ", ")))); rename one or use --map")
        }
        codeIndex = columns.firstIndex { $0.target == .participantCode }!
        fieldCells = FieldCells(format: .csv, columns: columns, target: resolver.resolve)
        isCorrection = columns.contains { $0.target == .reportColumn }
        for column in columns where column.target == .unknown {
            let hint = resolver.unknownColumnHint(for: column.name)
            notes.append("\(location): unknown column '\(column.name)' \(normalizer.strictColumns ? "rejects rows that fill it" : "ignored").\(hint)")
        }
    }

    func nextRecord() throws -> SourceRecord? {
        try reader.next().map(SourceRecord.csv)
    }

    func makeRow(_ record: CSVRecord) -> InputRow {
        let count = min(record.cells.count, columns.count)
        var badUTF8: [String] = []
        let cells = (0..<count).lazy.map { i -> (ColumnTarget, String, String?) in
            (self.columns[i].target, self.columns[i].name, record.cells[i])
        }
        for i in 0..<count where record.cells[i] == nil { badUTF8.append(columns[i].name) }
        var row = normalizer.normalize(line: record.line, raw: record.raw, cells: cells)
        if isCorrection {
            func cell(_ index: Int?) -> String? { index.flatMap { $0 < record.cells.count ? record.cells[$0] : nil } }
            row.correction = CorrectionMark(row: cell(markIndexes.row), state: cell(markIndexes.state))
        }
        for column in badUTF8 {
            row.problems.append(RowProblem(code: "invalid_utf8", column: column, message: "column '\(column)': not valid UTF-8 text"))
        }
        if record.cells.count != columns.count {
            row.problems.insert(RowProblem(code: "wrong_cell_count", column: "",
                                           message: "expected \(columns.count) cells as in the header, got \(record.cells.count)"), at: 0)
            // A ragged row still holds its participant when the code cell is readable and valid.
            if codeIndex >= record.cells.count { row.participantCode = nil }
        }
        row.norm = StoredValues.encode(row.values, over: fieldCells.cells(row.raw))
        return row
    }
}

/// Rows of a JSONL file: one JSON object per line; blank lines are skipped.
final class JSONLRowSource: RowSource {
    private let source: ByteSource
    private let resolver: ColumnResolver
    private let normalizer: RowNormalizer
    private var buffer: [UInt8] = []
    private var position = 0
    private var done = false
    private var lineNumber = 0
    private var targets: [String: ColumnTarget] = [:]
    private(set) var columnTargets: [(name: String, target: ColumnTarget)] = []
    private var reportedKeys: Set<String> = []
    let header: [String]? = nil
    private(set) var notes: [String] = []
    private(set) var isCorrection = false
    private let fieldCells: FieldCells

    init(source: ByteSource, resolver: ColumnResolver, normalizer: RowNormalizer) {
        self.source = source
        self.resolver = resolver
        self.normalizer = normalizer
        fieldCells = FieldCells(format: .jsonl, columns: [], target: resolver.resolve)
    }

    /// The next line's bytes (without its line end), or nil at the end.
    private func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = nl
                if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                defer { position = nl + 1 }
                lineNumber += 1
                return buffer[position..<end]
            }
            if done {
                guard position < buffer.count else { return nil }
                lineNumber += 1
                defer { position = buffer.count }
                return buffer[position...]
            }
            buffer.removeSubrange(0..<position)
            position = 0
            if let chunk = try source.next() { buffer.append(contentsOf: chunk) } else { done = true }
        }
    }

    func nextRecord() throws -> SourceRecord? {
        try nextRow().map(SourceRecord.row)
    }

    func makeRow(_ record: CSVRecord) -> InputRow { InputRow(line: record.line, raw: record.raw) }

    private func nextRow() throws -> InputRow? {
        while var line = try nextLine() {
            if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            let raw = String(decoding: line, as: UTF8.self)
            let members: [(key: String, value: JSONValue)]
            do {
                guard case .object(let m) = try JSONParser.parse(line) else {
                    var row = InputRow(line: lineNumber, raw: raw)
                    row.problems = [RowProblem(code: "not_json_object", column: "", message: "expected a JSON object on this line")]
                    return row
                }
                members = m
            } catch {
                var row = InputRow(line: lineNumber, raw: raw)
                row.problems = [RowProblem(code: "not_json_object", column: "", message: "not a JSON object: \(error)")]
                return row
            }
            var columns: [(name: String, target: ColumnTarget)] = []
            var typeProblems: [RowProblem] = []
            var cells: [(ColumnTarget, String, String?)] = []
            let duplicates = Self.duplicateKeys(members)
            for key in duplicates {
                typeProblems.append(RowProblem(code: "duplicate_key", column: key,
                                               message: "key '\(key)': appears more than once on this line"))
            }
            for (key, value) in members {
                let target = try target(for: key)
                // A repeated key has no one value: none of its values is read (the problem above says why).
                if !duplicates.isEmpty, duplicates.contains(key) {
                    if !columns.contains(where: { $0.name == key }) { columns.append((key, target)) }
                    continue
                }
                columns.append((key, target))
                switch (target, value) {
                case (_, .null):
                    cells.append((target, key, nil))
                case (_, .string(let s)):
                    cells.append((target, key, s))
                case (.platformUpdatedAt, .number(let n)):
                    // Its exact value, however written: `1.6e12` and `1600000000000.0` are whole milliseconds.
                    cells.append((target, key, TimestampParser.plainDecimal(jsonNumber: n) ?? n))
                case (.nonUpdatable, _), (.unknown, _):
                    cells.append((target, key, value.jsonText))
                case (.reportColumn, _):
                    continue
                case (.field(.zip), .number(let n)):
                    typeProblems.append(RowProblem(code: "not_a_string", column: key,
                        message: "key '\(key)': must be a JSON string (a number would silently lose a leading zero), got \(n)"))
                case (.participantCode, .number(let n)):
                    typeProblems.append(RowProblem(code: "not_a_string", column: key,
                        message: "key '\(key)': must be a JSON string, got the number \(n)"))
                    cells.append((target, key, nil))
                default:
                    typeProblems.append(RowProblem(code: "not_a_string", column: key,
                        message: "key '\(key)': must be a JSON string, got \(value.kindDescription) \(value.jsonText)"))
                }
            }
            try checkDistinctTargets(columns, where: "\(source.name):\(lineNumber)")
            var row = normalizer.normalize(line: lineNumber, raw: raw, cells: cells)
            if isCorrection { row.correction = CorrectionMark(members: members) }
            // A missing code or timestamp is reported once; drop duplicates the type check already explains.
            if !typeProblems.isEmpty {
                var explained = Set(typeProblems.map(\.column))
                for problem in typeProblems {
                    if let canonical = columns.first(where: { $0.name == problem.column })?.target.canonicalName {
                        explained.insert(canonical)
                    }
                }
                row.problems.removeAll { explained.contains($0.column) }
                row.problems.append(contentsOf: typeProblems)
            }
            row.norm = StoredValues.encode(row.values, over: fieldCells.cells(raw))
            return row
        }
        return nil
    }

    /// Keys that occur more than once among an object's members, in order of first occurrence.
    private static func duplicateKeys(_ members: [(key: String, value: JSONValue)]) -> [String] {
        // A line has a dozen keys or so: comparing pairs is cheaper than hashing every key of every line.
        var duplicates: [String] = []
        for i in members.indices.dropFirst() {
            let key = members[i].key
            if members[..<i].contains(where: { $0.key == key }), !duplicates.contains(key) { duplicates.append(key) }
        }
        return duplicates
    }

    private func target(for key: String) throws -> ColumnTarget {
        if let t = targets[key] { return t }
        let t = resolver.resolve(key)
        targets[key] = t
        columnTargets.append((key, t))
        if t == .reportColumn, ReportColumn.name(key) == ReportColumn.redacted {
            throw ReportColumn.redactedError(at: "\(source.name):\(lineNumber)", column: key)
        }
        if t == .reportColumn { isCorrection = true }
        if t == .unknown, reportedKeys.insert(key).inserted {
            let hint = resolver.unknownColumnHint(for: key)
            notes.append("\(source.name):\(lineNumber): unknown key '\(key)' \(normalizer.strictColumns ? "rejects rows that fill it" : "ignored").\(hint)")
        }
        return t
    }
}
