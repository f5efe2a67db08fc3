@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import Testing

/// A file-level error line quotes at most 200 characters of the offending input, on one line.
struct FileErrorExcerptTests {
    let scratch = ScratchDirectory()

    @Test func shortTextIsQuotedWhole() {
        #expect(inputExcerpt("participant_code, email") == "participant_code, email")
        #expect(inputExcerpt(String(repeating: "é", count: 200)) == String(repeating: "é", count: 200))
    }

    @Test func longTextIsCutAt200CharactersAndMarked() {
        #expect(inputExcerpt(String(repeating: "x", count: 201)) == String(repeating: "x", count: 200) + "...")
        #expect(inputExcerpt(String(repeating: "\u{1F600}", count: 5_000)) == String(repeating: "\u{1F600}", count: 200) + "...")
        #expect(inputExcerpt("abcdef", limit: 3) == "abc...")
    }

    @Test func controlCharactersAreWrittenAsEscapesSoTheLineStaysOneLine() {
        #expect(inputExcerpt("a\u{1B}[31mb\u{7F}\tc") == "a\\u{1B}[31mb\\u{7F}\\u{9}c")
    }

    @Test func missingColumnErrorQuotesAtMost200CharactersOfAHugeHeader() throws {
        // Say, a wide export of the wrong table: 400 columns, none of them a participant code.
        let names = (1...400).map { "column_\($0)" }
        let path = try scratch.write("export.csv", names.joined(separator: ",") + "\n" + Array(repeating: "x", count: 400).joined(separator: ",") + "\n")
        let db = try scratch.database()
        let error = try #require(throws: BackfillError.self) {
            try Ingester(database: db, options: .testing()).ingest(path: path)
        }
        let listed = names.joined(separator: ", ")
        #expect(listed.count > 4_000)
        #expect(error == BackfillError("missing_column", "\(path):1: no column maps to 'participant_code' (columns: " +
                                       "\(listed.prefix(200))...); rename one or use --map"))
    }

    @Test func duplicateColumnErrorQuotesAtMost100CharactersOfEachName() throws {
        let long = "Postal Code" + String(repeating: " ", count: 300) + "x"
        let resolver = try ColumnResolver(mappings: ["\(long)=zip"])
        let path = try scratch.write("dup.csv", "participant_code,updated_at,zip,\(long)\nAB12CD,2023-01-01,1,2\n")
        let error = try #require(throws: BackfillError.self) {
            _ = try CSVRowSource(source: try ByteSource(path: path), resolver: resolver, normalizer: testNormalizer())
        }
        #expect(error == BackfillError("duplicate_column", "\(path):1: columns 'zip' and '\(long.prefix(100))...' both map to 'zip'; " +
                                       "keep one, or --map one of them elsewhere"))
    }
}
