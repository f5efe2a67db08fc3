import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// A file that cannot be read is refused whole: a one-line reason naming file and line, and the database
/// exactly as it was, row for row and byte for byte.
struct IngestAtomicityTests {
    let scratch = ScratchDirectory()

    /// A database holding one earlier, good ingest.
    func seededDatabase() throws -> DatabaseQueue {
        let db = try scratch.database()
        let good = try scratch.write("good.csv", "participant_code,updated_at,first_name,last_name\nAB12CD,2023-01-01,Ann,Lee\n")
        _ = try Ingester(database: db, options: .testing()).ingest(path: good)
        return db
    }

    /// Runs `body`, which must throw `expected`, and checks the database did not change.
    func expectUntouched(_ db: DatabaseQueue, throws expected: BackfillError, _ body: () throws -> Void) throws {
        let dbPath = scratch.file("backfill.sqlite")
        let rows = try DatabaseInspection.dump(db)
        let bytes = try DatabaseInspection.checkpointedFileBytes(db, path: dbPath)
        #expect(throws: expected, performing: body)
        #expect(try DatabaseInspection.dump(db) == rows)
        #expect(try DatabaseInspection.checkpointedFileBytes(db, path: dbPath) == bytes)
    }

    /// A large CSV (several read chunks, tens of thousands of rows) whose last record opens a quote that never closes.
    func bigFileEndingInAnUnterminatedQuote() throws -> (path: String, quoteLine: Int) {
        var text = "participant_code,updated_at,first_name,last_name,email\n"
        var line = 1
        for i in 0..<40_000 {
            let code = "P" + String(100_000 + i % 5_000).dropFirst()
            text += "\(code),2023-01-01,First\(i),\"Last, \(i)\",p\(i % 5_000)@example.com\n"
            line += 1
        }
        text += "ZZ0001,2023-01-02,Broken,\"never closes,z@example.com\n"
        line += 1
        let path = try scratch.write("big.csv", text)
        #expect(text.utf8.count > 2 * 1024 * 1024)
        return (path, line)
    }

    @Test func unterminatedQuoteAtTheEndOfABigFileLeavesTheDatabaseUntouched() throws {
        let db = try seededDatabase()
        let (path, line) = try bigFileEndingInAnUnterminatedQuote()
        #expect(line == 40_002)
        try expectUntouched(db, throws: BackfillError("csv_unterminated_quote",
            "\(path):40002: unterminated quote: the quoted field opened on line 40002 never closes")) {
            _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        }
        // The database is still usable, and the same content is not mistaken for an earlier file.
        let fixed = try scratch.write("fixed.csv", "participant_code,updated_at,email\nZZ0001,2023-01-02,z@example.com\n")
        let report = try Ingester(database: db, options: .testing()).ingest(path: fixed)
        #expect(!report.unchanged && report.jobsCreated == 1)
    }

    @Test func duplicateColumnsLeaveTheDatabaseUntouched() throws {
        let db = try seededDatabase()
        let path = try scratch.write("dup.csv", "Participant Code,Updated At,Zip,Postal Code\nAB12CD,2023-01-02,78701,78702\n")
        try expectUntouched(db, throws: BackfillError("duplicate_column",
            "\(path):1: columns 'Zip' and 'Postal Code' both map to 'zip'; keep one, or --map one of them elsewhere")) {
            _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        }
    }

    @Test func duplicateKeysOnALateJSONLLineLeaveTheDatabaseUntouched() throws {
        let db = try seededDatabase()
        var text = ""
        for i in 0..<2_000 {
            text += #"{"participant_code": "AB12CD", "platform_updated_at": "2023-01-02", "email": "a\#(i)@example.com"}"# + "\n"
        }
        text += #"{"participant_code": "AB12CD", "platform_updated_at": "2023-01-03", "zip": "1", "postal_code": "2"}"# + "\n"
        let path = try scratch.write("late.jsonl", text)
        try expectUntouched(db, throws: BackfillError("duplicate_column",
            "\(path):2001: columns 'zip' and 'postal_code' both map to 'zip'; keep one, or --map one of them elsewhere")) {
            _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        }
    }

    @Test func missingRequiredColumnLeavesTheDatabaseUntouched() throws {
        let db = try seededDatabase()
        let path = try scratch.write("nocode.csv", "Code,Updated At\nAB12CD,2023-01-02\n")
        try expectUntouched(db, throws: BackfillError("missing_column",
            "\(path):1: no column maps to 'participant_code' (columns: Code, Updated At); rename one or use --map")) {
            _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        }
    }

    @Test func emptyFileIsRefused() throws {
        let db = try seededDatabase()
        let path = try scratch.write("empty.csv", "")
        try expectUntouched(db, throws: BackfillError("empty_input", "\(path): empty: expected a header row")) {
            _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        }
    }

    @Test func truncatedGzipIsRefused() throws {
        let db = try seededDatabase()
        try scratch.write("cut.csv", String(repeating: "participant_code,updated_at,email\nAB12CD,2023-01-02,a@example.com\n", count: 50))
        let packed = try Data(contentsOf: URL(fileURLWithPath: try scratch.gzip("cut.csv")))
        let path = try scratch.write("cut.csv.gz", bytes: Array(packed.prefix(packed.count / 2)))
        try expectUntouched(db, throws: BackfillError("input_unreadable",
            "\(path): truncated gzip data (the file ends mid-stream)")) {
            _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        }
    }
}
