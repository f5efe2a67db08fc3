@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import Testing

/// The byte-level RFC 4180 reader: quoting, line ends, BOM, line numbers, and its file-level error.
struct CSVReaderTests {
    let scratch = ScratchDirectory()

    /// Every record of `bytes`, read through a file as the tool reads its inputs.
    func records(_ bytes: [UInt8]) throws -> [CSVRecord] {
        let path = try scratch.write("input.csv", bytes: bytes)
        let reader = CSVReader(source: try ByteSource(path: path))
        var out: [CSVRecord] = []
        while let record = try reader.next() { out.append(record) }
        return out
    }

    func records(_ text: String) throws -> [CSVRecord] { try records(Array(text.utf8)) }

    @Test func quotedFieldsKeepCommasDoubledQuotesAndNewlines() throws {
        let read = try records("a,\"b, c\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\nnext,row,,,\n")
        #expect(read.map(\.cells) == [["a", "b, c", "say \"hi\"", "two\nlines", ""], ["next", "row", "", "", ""]])
        #expect(read.map(\.line) == [1, 3])
        #expect(read[0].raw == "a,\"b, c\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"")
    }

    @Test func crlfInsideAQuotedFieldIsKeptAndCountsOneLine() throws {
        let read = try records("\"one\r\ntwo\",x\r\nz,y\r\n")
        #expect(read.map(\.cells) == [["one\r\ntwo", "x"], ["z", "y"]])
        #expect(read.map(\.line) == [1, 3])
    }

    @Test func crlfLfAndLoneCrLineEndsMix() throws {
        let read = try records("a,b\r\nc,d\ne,f\rg,h\r\n")
        #expect(read.map(\.cells) == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
        #expect(read.map(\.line) == [1, 2, 3, 4])
        #expect(read.map(\.raw) == ["a,b", "c,d", "e,f", "g,h"])
    }

    @Test func utf8ByteOrderMarkIsSkipped() throws {
        let read = try records([0xEF, 0xBB, 0xBF] + Array("participant_code,email\nAB12CD,a@example.com\n".utf8))
        #expect(read.map(\.cells) == [["participant_code", "email"], ["AB12CD", "a@example.com"]])
        #expect(read.map(\.line) == [1, 2])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        let read = try records("a,b\n\n\r\nc,d\n\n")
        #expect(read.map(\.cells) == [["a", "b"], ["c", "d"]])
        #expect(read.map(\.line) == [1, 4])
    }

    @Test func aRecordsLineIsTheLineItStartsOnAfterMultiLineRecords() throws {
        let text = "h1,h2\n\"a\nb\nc\",x\nsecond,\"d\r\ne\"\nthird,y\n"
        let read = try records(text)
        #expect(read.map(\.line) == [1, 2, 5, 7])
        #expect(read[3].cells == ["third", "y"])
    }

    @Test func lastRecordWithoutTrailingNewlineIsRead() throws {
        #expect(try records("a,b\nc,d").map(\.cells) == [["a", "b"], ["c", "d"]])
        #expect(try records("a,\"quoted\"").map(\.cells) == [["a", "quoted"]])
        #expect(try records("a,b\nc,").map(\.cells) == [["a", "b"], ["c", ""]])
    }

    @Test func invalidUTF8CellIsNilAndTheOthersAreKept() throws {
        let read = try records(Array("a,".utf8) + [0xFF, 0xFE] + Array(",\"".utf8) + [0xC3] + Array("\",ok\n".utf8))
        #expect(read.map(\.cells) == [["a", nil, nil, "ok"]])
    }

    @Test func unterminatedQuoteNamesTheLineWhereTheQuoteOpened() throws {
        let text = "h1,h2,h3\nok,\"fine\",x\n\"multi\nline\",y,\"never\ncloses\n"
        let path = scratch.file("input.csv")
        #expect(throws: BackfillError("csv_unterminated_quote",
                                      "\(path):4: unterminated quote: the quoted field opened on line 4 never closes")) {
            _ = try records(text)
        }
    }

    @Test func unterminatedQuoteOnTheLastLineWithoutNewline() throws {
        let path = scratch.file("input.csv")
        #expect(throws: BackfillError("csv_unterminated_quote",
                                      "\(path):2: unterminated quote: the quoted field opened on line 2 never closes")) {
            _ = try records("a,b\n\"open")
        }
    }

    /// Rows of a CSV file with a header, normalized as `Ingester` does.
    func rows(_ bytes: [UInt8]) throws -> [InputRow] {
        let path = try scratch.write("rows.csv", bytes: bytes)
        let source = try CSVRowSource(source: try ByteSource(path: path), resolver: try ColumnResolver(),
                                      normalizer: testNormalizer())
        var out: [InputRow] = []
        while let row = try source.next() { out.append(row) }
        return out
    }

    @Test func raggedRowsAreRejectedWithTheirLineAndKeepAValidCode() throws {
        let text = """
            participant_code,platform_updated_at,first_name,last_name
            AB12CD,2023-01-01,Ann,Lee
            CD34EF,2023-01-01,"Two
            Lines",Lee,extra
            EF56GH,2023-01-01
            12-AB,2023-01-01,X
            GH78IJ

            """
        let read = try rows(Array(text.utf8))
        #expect(read.map(\.line) == [2, 3, 5, 6, 7])
        #expect(read.map(\.isAccepted) == [true, false, false, false, false])
        #expect(read.dropFirst().map { $0.problems.first?.message } == [
            "expected 4 cells as in the header, got 5",
            "expected 4 cells as in the header, got 2",
            "expected 4 cells as in the header, got 3",
            "expected 4 cells as in the header, got 1",
        ])
        #expect(read.dropFirst().map { $0.problems.first?.code } == Array(repeating: "wrong_cell_count", count: 4))
        // A readable, valid code cell: the row holds its participant. An invalid one holds no one.
        #expect(read.map(\.participantCode) == ["AB12CD", "CD34EF", "EF56GH", nil, "GH78IJ"])
    }

    @Test func raggedRowMissingItsCodeCellHoldsNoOne() throws {
        let read = try rows(Array("platform_updated_at,first_name,participant_code\n2023-01-01,Ann\n".utf8))
        #expect(read.count == 1)
        #expect(read[0].problems.first?.message == "expected 3 cells as in the header, got 2")
        #expect(read[0].participantCode == nil)
    }

    @Test func invalidUTF8CellRejectsItsRow() throws {
        let bytes = Array("participant_code,platform_updated_at,first_name,last_name\nAB12CD,2023-01-01,".utf8)
            + [0x41, 0xFF] + Array(",Lee\n".utf8)
        let read = try rows(bytes)
        #expect(read.count == 1)
        #expect(read[0].line == 2)
        #expect(read[0].problems == [RowProblem(code: "invalid_utf8", column: "first_name",
                                                message: "column 'first_name': not valid UTF-8 text")])
        #expect(read[0].participantCode == "AB12CD")
    }

    @Test func recordsStraddlingReadChunkBoundariesAreReadWhole() throws {
        let chunk = ByteSource.chunkSize
        var csv = CSVBuilder()
        csv.add(["participant_code", "note", "value"])
        csv.fill(upTo: chunk - 300)
        // A CRLF split across the first boundary: CR is the chunk's last byte.
        csv.add(["PAD001", String(repeating: "x", count: chunk - 10 - csv.bytes.count), "z"], lineEnd: "\r\n")
        #expect(csv.bytes[chunk - 1] == 0x0D && csv.bytes[chunk] == 0x0A)
        csv.fill(upTo: 2 * chunk - 300)
        // A doubled quote split across the second boundary.
        csv.add(["Q00002", String(repeating: "y", count: 2 * chunk - 9 - csv.bytes.count) + "\"z", "v"])
        #expect(csv.bytes[2 * chunk - 1] == 0x22 && csv.bytes[2 * chunk] == 0x22)
        csv.fill(upTo: 3 * chunk - 300)
        // A multi-line quoted field whose closing quote is the chunk's last byte.
        csv.add(["Q00003", String(repeating: "w", count: 3 * chunk - 14 - csv.bytes.count) + "\nline", "v"])
        #expect(csv.bytes[3 * chunk - 1] == 0x22 && csv.bytes[3 * chunk] == 0x2C)
        csv.fill(upTo: 3 * chunk + 5_000)
        csv.add(["LAST01", "no trailing newline", "end"], lineEnd: "")
        #expect(csv.bytes.count > 2 * 1024 * 1024)

        let read = try records(csv.bytes)
        let got = read.map { CSVBuilder.Expected(line: $0.line, cells: $0.cells.map { $0 ?? "<invalid>" }) }
        #expect(got.count == csv.expected.count)
        let mismatch = zip(got, csv.expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(mismatch?.offset == nil, "first mismatching record")
    }
}

/// Builds a CSV text and the records (with start lines) a correct reader returns for it.
struct CSVBuilder {
    struct Expected: Equatable {
        var line: Int
        var cells: [String]
    }

    var bytes: [UInt8] = []
    var expected: [Expected] = []
    private var line = 1

    mutating func add(_ cells: [String], lineEnd: String = "\n") {
        let encoded = cells.map { cell -> String in
            let special = cell.utf8.contains { (byte: UInt8) -> Bool in [0x2C, 0x22, 0x0A, 0x0D].contains(byte) }
            return special ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",")
        expected.append(Expected(line: line, cells: cells))
        let text = Array((encoded + lineEnd).utf8)
        bytes += text
        line += text.filter { $0 == 0x0A }.count
    }

    /// Adds varied records (quotes, commas, embedded LF and CRLF, both line ends) until `limit` bytes.
    mutating func fill(upTo limit: Int) {
        let notes = ["hello world", "with, comma", "say \"hi\"", "two\nlines", "crlf\r\ninside", "", "\"\""]
        var i = expected.count
        while bytes.count < limit {
            add(["P\(i % 997)", notes[i % notes.count], "v\(i)"], lineEnd: i % 3 == 0 ? "\r\n" : "\n")
            i += 1
        }
    }
}
