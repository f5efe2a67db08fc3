import Foundation
import ParticipantAPI

/// A stream of normalized rows from one input, plus what it noticed about the columns.
protocol RowSource: AnyObject {
    /// The next row, or nil at the end. Throws for file-level errors (the whole file is refused).
    func next() throws -> InputRow?
    /// Notes about the input reported once (unknown columns, ignored keys).
    var notes: [String] { get }
    /// The CSV header as read; nil for JSONL.
    var header: [String]? { get }
    /// True for a failures report fed back (it has `backfill_*` columns): its rows are corrections.
    var isCorrection: Bool { get }
}

/// Checks that no two source columns map to the same canonical name.
func checkDistinctTargets(_ columns: [(name: String, target: ColumnTarget)], where location: String) throws {
    var seen: [String: String] = [:]
    for column in columns {
        guard let canonical = column.target.canonicalName else { continue }
        if let other = seen[canonical] {
            throw BackfillError("duplicate_column",
                                "\(location): columns '\(other)' and '\(column.name)' both map to '\(canonical)'; keep one, or --map one of them elsewhere")
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
    let header: [String]?
    let isCorrection: Bool
    private(set) var notes: [String] = []

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
        columns = names.map { ($0, resolver.resolve($0)) }
        try checkDistinctTargets(columns, where: location)
        for required in [ColumnTarget.participantCode, .platformUpdatedAt] where !columns.contains(where: { $0.target == required }) {
            throw BackfillError("missing_column",
                                "\(location): no column maps to '\(required.canonicalName!)' (columns: \(names.joined(separator: ", "))); rename one or use --map")
        }
        codeIndex = columns.firstIndex { $0.target == .participantCode }!
        isCorrection = columns.contains { $0.target == .reportColumn }
        for column in columns where column.target == .unknown {
            let hint = resolver.suggestion(for: column.name).map { " Did you mean '\($0)'?" } ?? ""
            notes.append("\(location): unknown column '\(column.name)' \(normalizer.strictColumns ? "rejects rows that fill it" : "ignored").\(hint)")
        }
    }

    func next() throws -> InputRow? {
        guard let record = try reader.next() else { return nil }
        let count = min(record.cells.count, columns.count)
        var badUTF8: [String] = []
        let cells = (0..<count).lazy.map { i -> (ColumnTarget, String, String?) in
            (self.columns[i].target, self.columns[i].name, record.cells[i])
        }
        for i in 0..<count where record.cells[i] == nil { badUTF8.append(columns[i].name) }
        var row = normalizer.normalize(line: record.line, raw: record.raw, cells: cells)
        for column in badUTF8 {
            row.problems.append(RowProblem(code: "invalid_utf8", column: column, message: "column '\(column)': not valid UTF-8 text"))
        }
        if record.cells.count != columns.count {
            row.problems.insert(RowProblem(code: "wrong_cell_count", column: "",
                                           message: "expected \(columns.count) cells as in the header, got \(record.cells.count)"), at: 0)
            // A ragged row still holds its participant when the code cell is readable and valid.
            if codeIndex >= record.cells.count { row.participantCode = nil }
        }
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
    private var reportedKeys: Set<String> = []
    let header: [String]? = nil
    private(set) var notes: [String] = []
    private(set) var isCorrection = false

    init(source: ByteSource, resolver: ColumnResolver, normalizer: RowNormalizer) {
        self.source = source
        self.resolver = resolver
        self.normalizer = normalizer
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

    func next() throws -> InputRow? {
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
            for (key, value) in members {
                let target = target(for: key)
                columns.append((key, target))
                switch (target, value) {
                case (_, .null):
                    cells.append((target, key, nil))
                case (_, .string(let s)):
                    cells.append((target, key, s))
                case (.platformUpdatedAt, .number(let n)):
                    cells.append((target, key, n))
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
            return row
        }
        return nil
    }

    private func target(for key: String) -> ColumnTarget {
        if let t = targets[key] { return t }
        let t = resolver.resolve(key)
        targets[key] = t
        if t == .reportColumn { isCorrection = true }
        if t == .unknown, reportedKeys.insert(key).inserted {
            let hint = resolver.suggestion(for: key).map { " Did you mean '\($0)'?" } ?? ""
            notes.append("\(source.name):\(lineNumber): unknown key '\(key)' \(normalizer.strictColumns ? "rejects rows that fill it" : "ignored").\(hint)")
        }
        return t
    }
}
