import BackfillStore
/// One CSV record: its cells, the line it starts on, and its text exactly as read (for the audit trail).
struct CSVRecord {
    var line: Int
    /// Cell values; nil where the bytes are not valid UTF-8.
    var cells: [String?]
    var raw: String
}

/// A byte-level RFC 4180 reader that streams: quoted fields with embedded commas, doubled quotes and
/// newlines; CRLF, LF (or a lone CR) line ends; an optional UTF-8 BOM; blank lines skipped.
///
/// Lenient where RFC 4180 is silent and nothing is lost: a quote inside an unquoted field is kept as is,
/// and text after a closing quote is appended to the cell. An unterminated quote is an error naming the
/// line where the quote opened.
final class CSVReader {
    private let source: ByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private var sourceDone = false
    private var atStart = true
    /// The line the next record starts on.
    private var line = 1

    init(source: ByteSource) {
        self.source = source
    }

    /// The next record, or nil at the end of the input.
    func next() throws -> CSVRecord? {
        while true {
            if atStart {
                // The BOM can only be checked once three bytes are there.
                if buffer.count - position < 3, !sourceDone { try fill(); continue }
                atStart = false
                if buffer.count - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB,
                   buffer[position + 2] == 0xBF {
                    position += 3
                }
            }
            if position >= buffer.count {
                if sourceDone { return nil }
                try fill()
                continue
            }
            switch try parseRecord() {
            case .needMore:
                try fill()
            case .blank(let end, let lines):
                position = end
                line += lines
            case .record(let record, let end, let lines):
                position = end
                line += lines
                return record
            }
        }
    }

    private func fill() throws {
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        if let chunk = try source.next() {
            buffer.append(contentsOf: chunk)
        } else {
            sourceDone = true
        }
    }

    private enum ParseResult {
        case needMore
        case blank(end: Int, lines: Int)
        case record(CSVRecord, end: Int, lines: Int)
    }

    private static let quote = UInt8(ascii: "\"")

    /// A cell's text; nil when its bytes are not UTF-8. ASCII (most cells) skips the generic validating decoder.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        return ascii ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }

    private static let comma = UInt8(ascii: ",")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// Parses the record at `position`. Returns `.needMore` if the buffer ends before the record does
    /// and more input may come (the caller refills and parses the record again from its start).
    private func parseRecord() throws -> ParseResult {
        let startLine = line
        let done = sourceDone
        return try buffer.withUnsafeBufferPointer { buf -> ParseResult in
            let n = buf.count
            var i = position
            let recordStart = i
            var cells: [String?] = []
            cells.reserveCapacity(16)
            var lines = 0
            var scratch: [UInt8] = []

            func cell(_ a: Int, _ b: Int) -> String? {
                CSVReader.text(UnsafeBufferPointer(rebasing: buf[a..<b]))
            }
            /// Consumes a line end at `j` (CRLF, LF or CR); returns the index after it, or nil if the
            /// buffer ends between CR and a possible LF.
            func lineEnd(_ j: Int) -> Int? {
                if buf[j] == CSVReader.lf { return j + 1 }
                if j + 1 < n { return buf[j + 1] == CSVReader.lf ? j + 2 : j + 1 }
                return done ? j + 1 : nil
            }

            while true {
                // One field starts at i.
                if i < n, buf[i] == CSVReader.quote {
                    let quoteLine = startLine + lines
                    i += 1
                    scratch.removeAll(keepingCapacity: true)
                    var segmentStart = i
                    var closed = false
                    while i < n {
                        let c = buf[i]
                        if c == CSVReader.quote {
                            if i + 1 < n, buf[i + 1] == CSVReader.quote {
                                scratch.append(contentsOf: buf[segmentStart...i])
                                i += 2
                                segmentStart = i
                                continue
                            }
                            if i + 1 >= n, !done { return .needMore }
                            scratch.append(contentsOf: buf[segmentStart..<i])
                            i += 1
                            closed = true
                            break
                        }
                        if c == CSVReader.lf { lines += 1 } else if c == CSVReader.cr, i + 1 < n, buf[i + 1] != CSVReader.lf {
                            lines += 1
                        }
                        i += 1
                    }
                    if !closed {
                        if !done { return .needMore }
                        throw BackfillError("csv_unterminated_quote",
                                            "\(source.name):\(quoteLine): unterminated quote: the quoted field opened on line \(quoteLine) never closes")
                    }
                    // Text after the closing quote (not RFC 4180) is kept rather than lost.
                    let tailStart = i
                    while i < n, buf[i] != CSVReader.comma, buf[i] != CSVReader.lf, buf[i] != CSVReader.cr { i += 1 }
                    if i >= n, !done { return .needMore }
                    scratch.append(contentsOf: buf[tailStart..<i])
                    cells.append(scratch.withUnsafeBufferPointer(CSVReader.text))
                } else {
                    let start = i
                    while i < n, buf[i] != CSVReader.comma, buf[i] != CSVReader.lf, buf[i] != CSVReader.cr { i += 1 }
                    if i >= n, !done { return .needMore }
                    cells.append(cell(start, i))
                }
                // After a field: a comma, a line end, or the end of the input.
                if i >= n {
                    return finish(cells, recordStart, i, end: i, lines: lines, startLine: startLine, buf)
                }
                if buf[i] == CSVReader.comma {
                    i += 1
                    if i >= n, !done { return .needMore }
                    continue
                }
                guard let end = lineEnd(i) else { return .needMore }
                return finish(cells, recordStart, i, end: end, lines: lines + 1, startLine: startLine, buf)
            }
        }
    }

    private func finish(_ cells: [String?], _ recordStart: Int, _ recordEnd: Int, end: Int, lines: Int,
                        startLine: Int, _ buf: UnsafeBufferPointer<UInt8>) -> ParseResult {
        if cells.count == 1, recordEnd == recordStart { return .blank(end: end, lines: lines) }
        let raw = String(decoding: UnsafeBufferPointer(rebasing: buf[recordStart..<recordEnd]), as: UTF8.self)
        return .record(CSVRecord(line: startLine, cells: cells, raw: raw), end: end, lines: lines)
    }
}
