@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB

/// A failures export as a person edits it: the CSV read back with ingest's own reader, its cells changed by
/// column name, and written again with RFC 4180 quoting.
struct FailuresFile {
    var header: [String]
    var records: [[String]]

    /// Exports `queue`'s failures (CSV) to `name` in `scratch` and reads the file back.
    static func export(_ queue: DatabaseQueue, scratch: ScratchDirectory, name: String = "failures.csv",
                       redact: Bool = false) throws -> FailuresFile {
        let path = scratch.file(name)
        let sink = try ReportSink(path: path)
        _ = try queue.read { try FailureExport(format: .csv, redact: redact).write($0, to: sink) }
        try sink.close()
        return try FailuresFile(path: path)
    }

    init(path: String) throws {
        let reader = CSVReader(source: try ByteSource(path: path))
        var all: [[String]] = []
        while let record = try reader.next() { all.append(record.cells.map { $0 ?? "<invalid UTF-8>" }) }
        header = all.first ?? []
        records = Array(all.dropFirst())
    }

    /// The records as dictionaries by column name.
    var rows: [[String: String]] {
        records.map { Dictionary(zip(header, $0), uniquingKeysWith: { first, _ in first }) }
    }

    private func column(_ name: String) -> Int {
        guard let i = header.firstIndex(of: name) else { preconditionFailure("no column \(name) in \(header)") }
        return i
    }

    /// The value of `column` in the record whose `where_` column is `value`.
    func cell(_ column: String, where key: String, is value: String) -> String? {
        records.first { $0[self.column(key)] == value }.map { $0[self.column(column)] }
    }

    /// Sets `column` to `value` in every record whose `key` column is `match`; returns how many it changed.
    @discardableResult
    mutating func set(_ column: String, to value: String, where key: String, is match: String) -> Int {
        let c = self.column(column), k = self.column(key)
        var changed = 0
        for i in records.indices where records[i][k] == match {
            records[i][c] = value
            changed += 1
        }
        return changed
    }

    /// The file as CSV text.
    var text: String {
        ([header] + records).map { CSVText.line($0) + "\n" }.joined()
    }

    /// Writes the file to `name` in `scratch` and returns its path.
    @discardableResult
    func write(_ name: String, in scratch: ScratchDirectory) throws -> String {
        try scratch.write(name, text)
    }
}
