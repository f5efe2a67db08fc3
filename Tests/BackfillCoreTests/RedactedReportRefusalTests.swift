@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// `report --failures --redact` marks its output with a `backfill_redacted` column, and `ingest` refuses any file
/// that has it: its masked values (initials, `****` emails) would otherwise be sent. The database is untouched.
struct RedactedReportRefusalTests {
    let scratch = ScratchDirectory()

    static let history = """
        participant_code,platform_updated_at,first_name,last_name,email
        AB12CD,2024-01-01,Diane,Okafor,diane@example.com
        AB12CD,2024-02-01,,,diane.okafor@example
        """

    /// The database's file bytes with everything committed in the main file, and the write-ahead log's size.
    func files(_ db: DatabaseQueue) throws -> (main: [UInt8], wal: Int) {
        let path = scratch.file("backfill.sqlite")
        let main = try DatabaseInspection.checkpointedFileBytes(db, path: path)
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        return (main, wal ?? 0)
    }

    @Test(arguments: [FailureFormat.csv, .jsonl])
    func aRedactedExportIsRefusedAndTheDatabaseIsLeftByteForByte(format: FailureFormat) throws {
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: .testing())
        _ = try ingester.ingest(path: try scratch.write("history.csv", Self.history))
        let redacted = scratch.file("r.\(format.rawValue)")
        let sink = try ReportSink(path: redacted)
        _ = try db.read { try FailureExport(format: format, redact: true).write($0, to: sink) }
        try sink.close()
        let text = try String(contentsOfFile: redacted, encoding: .utf8)
        #expect(!text.contains("diane.okafor") && text.contains("backfill_redacted"))

        let before = try files(db)
        #expect(before.wal == 0)
        let error = try #require(throws: BackfillError.self) { try ingester.ingest(path: redacted) }
        let location = "\(redacted):1"
        #expect(error.code == "redacted_report")
        #expect(error.message == "\(location): this is a redacted report (column backfill_redacted): it cannot be " +
            "ingested, because its masked values would be sent; export it again without --redact")
        let after = try files(db)
        #expect(after.wal == 0)
        #expect(after.main == before.main)
        #expect(try DatabaseInspection.participants(db, state: "held") == ["AB12CD"])
    }

    @Test func theMarkIsRefusedWhereverItIsAndHoweverItIsWritten() throws {
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: .testing())
        let csv = try scratch.write("marked.csv", "Backfill Redacted,participant_code,platform_updated_at,email\nyes,AB12CD,2024-01-01,a@example.com\n")
        let csvError = try #require(throws: BackfillError.self) { try ingester.ingest(path: csv) }
        #expect(csvError.message.hasPrefix("\(csv):1: this is a redacted report (column Backfill Redacted): "))

        // JSONL: the first line that has the key refuses the whole file, lines before it included.
        let jsonl = try scratch.write("marked.jsonl", """
            {"participant_code":"AB12CD","platform_updated_at":"2024-01-01","email":"a@example.com"}
            {"participant_code":"QX9Z01","platform_updated_at":"2024-01-01","email":"b@example.com","backfill_redacted":true}
            """)
        let jsonlError = try #require(throws: BackfillError.self) { try ingester.ingest(path: jsonl) }
        #expect(jsonlError.message.hasPrefix("\(jsonl):2: this is a redacted report (column backfill_redacted): "))
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM input_row") } == 0)
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM source_file") } == 0)
    }

    @Test func anUnredactedExportHasNoMarkAndIsIngested() throws {
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: .testing())
        _ = try ingester.ingest(path: try scratch.write("history.csv", Self.history))
        let file = try FailuresFile.export(db, scratch: scratch)
        #expect(!file.header.contains("backfill_redacted"))
        let marked = try FailuresFile.export(db, scratch: scratch, name: "marked.csv", redact: true)
        #expect(marked.header.last == "backfill_redacted")
        #expect(marked.rows.allSatisfy { $0["backfill_redacted"] == "true" })
        #expect(try ingester.ingest(path: try file.write("plain.csv", in: scratch)).corrections != nil)
    }
}
