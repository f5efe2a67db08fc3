/// One CSV record as text, both ways: RFC 4180 quoting for the reports, and parsing one stored record
/// (`input_row.raw`) back into cells with the same leniency as `CSVReader`.
enum CSVText {
    /// The cell as RFC 4180 text: quoted when it holds a comma, a quote, CR or LF; inner quotes doubled.
    static func quote(_ cell: String) -> String {
        guard cell.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record line (no line end) of the given cells.
    static func line(_ cells: [String]) -> String {
        cells.map(quote).joined(separator: ",")
    }

    /// The cells of one record as `CSVReader` stored it: quoted fields with doubled quotes and embedded line
    /// ends; a quote inside an unquoted field kept as is; text after a closing quote appended to the cell.
    /// An unterminated quote takes the rest of the text (the reader refused such files, so it cannot be stored).
    static func parseRecord(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var cells: [String] = []
        var i = 0
        while true {
            var cell: [UInt8] = []
            if i < bytes.count, bytes[i] == 0x22 {
                i += 1
                while i < bytes.count {
                    if bytes[i] == 0x22 {
                        if i + 1 < bytes.count, bytes[i + 1] == 0x22 { cell.append(0x22); i += 2; continue }
                        i += 1
                        break
                    }
                    cell.append(bytes[i])
                    i += 1
                }
            }
            while i < bytes.count, bytes[i] != 0x2C {
                cell.append(bytes[i])
                i += 1
            }
            cells.append(String(decoding: cell, as: UTF8.self))
            guard i < bytes.count else { return cells }
            i += 1
        }
    }
}
