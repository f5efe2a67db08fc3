/// One CSV record as text, both ways: RFC 4180 quoting for the reports, and parsing one stored record
/// (`input_row.raw`) back into cells with the same leniency as `CSVReader`.
package enum CSVText {
    /// The cell as RFC 4180 text: quoted when it holds a comma, a quote, CR or LF; inner quotes doubled.
    /// Quotes are doubled byte by byte: a `"` followed by a combining mark is one `Character`, which a search
    /// for the `Character` `"` would pass over.
    package static func quote(_ cell: String) -> String {
        guard cell.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return cell }
        var out: [UInt8] = [0x22]
        out.reserveCapacity(cell.utf8.count + 4)
        for byte in cell.utf8 {
            out.append(byte)
            if byte == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// One record line (no line end) of the given cells.
    package static func line(_ cells: [String]) -> String {
        cells.map(quote).joined(separator: ",")
    }

    /// The cells of one record as `CSVReader` stored it: quoted fields with doubled quotes and embedded line
    /// ends; a quote inside an unquoted field kept as is; text after a closing quote appended to the cell.
    /// An unterminated quote takes the rest of the text (the reader refused such files, so it cannot be stored).
    package static func parseRecord(_ text: String) -> [String] {
        var cells: [String] = []
        var text = text
        text.withUTF8 { bytes in
            forEachCell(bytes, upTo: Int.max) { _, cell in cells.append(String(decoding: cell, as: UTF8.self)) }
        }
        return cells
    }

    /// Calls `body` with the index and bytes of each of the record's first `limit` cells (the grammar of
    /// `parseRecord`, without making strings of cells nobody reads). An unquoted cell is a slice of `bytes`.
    package static func forEachCell(_ bytes: UnsafeBufferPointer<UInt8>, upTo limit: Int,
                            _ body: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        var i = 0
        var index = 0
        var scratch: [UInt8] = []
        let n = bytes.count
        while index < limit {
            if i < n, bytes[i] == 0x22 {
                scratch.removeAll(keepingCapacity: true)
                i += 1
                while i < n {
                    if bytes[i] == 0x22 {
                        if i + 1 < n, bytes[i + 1] == 0x22 { scratch.append(0x22); i += 2; continue }
                        i += 1
                        break
                    }
                    scratch.append(bytes[i])
                    i += 1
                }
                while i < n, bytes[i] != 0x2C {
                    scratch.append(bytes[i])
                    i += 1
                }
                scratch.withUnsafeBufferPointer { body(index, $0) }
            } else {
                let start = i
                while i < n, bytes[i] != 0x2C { i += 1 }
                body(index, UnsafeBufferPointer(rebasing: bytes[start..<i]))
            }
            index += 1
            guard i < n else { return }
            i += 1
        }
    }
}
