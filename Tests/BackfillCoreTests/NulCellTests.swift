@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// A NUL in a cell rejects its row (a control character); the row is kept and reported whole. GRDB reads TEXT
/// as a C string, which ends at the first NUL, so the stored record is read as its bytes.
struct NulCellTests {
    let scratch = ScratchDirectory()

    static let input: [UInt8] = Array("participant_code,platform_updated_at,country,address_one,first_name,last_name,city,zip\n".utf8)
        + Array("AB12CD,1600000000000,France,1 Main St,Ann".utf8) + [0] + Array("e,Smith,Paris,75001\n".utf8)

    func ingested() throws -> DatabaseQueue {
        let db = try scratch.database()
        let report = try Ingester(database: db, options: .testing()).ingest(path: try scratch.write("in.csv", bytes: Self.input))
        #expect(report.rowsRejected == 1)
        #expect(report.rejectionsByCode["control_character"]?.count == 1)
        return db
    }

    @Test func theFailuresExportCarriesEveryCellOfTheRowWithTheNulAsRead() throws {
        let db = try ingested()
        let file = try FailuresFile.export(db, scratch: scratch)
        let row = try #require(file.rows.first { $0["participant_code"] == "AB12CD" })
        #expect(row["backfill_state"] == "rejected")
        #expect(row["first_name"].map { Array($0.utf8) } == Array("Ann".utf8) + [0] + Array("e".utf8))
        #expect(row["last_name"] == "Smith")
        #expect(row["city"] == "Paris")
        #expect(row["zip"] == "75001")
        #expect(row["address_one"] == "1 Main St")
        #expect(row["country"] == "France")
        // The NUL is written as it was read: re-ingesting the export unchanged reads back the same value and
        // rejects the row again, for the same reason.
        let again = try Ingester(database: db, options: .testing()).ingest(path: try file.write("same.csv", in: scratch))
        #expect(again.rowsRejected == 1)
        #expect(again.rejectionsByCode["control_character"]?.count == 1)
    }

    @Test func theJSONLExportEscapesTheNulAndKeepsTheOtherCells() throws {
        let db = try ingested()
        let path = scratch.file("failures.jsonl")
        let sink = try ReportSink(path: path)
        _ = try db.read { try FailureExport(format: .jsonl, redact: false).write($0, to: sink) }
        try sink.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(Array(text.utf8).containsUTF8(of: #""first_name":"Ann\u0000e""#))
        for fragment in [#""last_name":"Smith""#, #""city":"Paris""#, #""zip":"75001""#] {
            #expect(Array(text.utf8).containsUTF8(of: fragment), "\(fragment) in \(text)")
        }
    }

    @Test func fixingOnlyTheFlaggedCellMakesTheParticipantReadyWithEveryCell() throws {
        let db = try ingested()
        var file = try FailuresFile.export(db, scratch: scratch)
        #expect(file.set("first_name", to: "Anne", where: "participant_code", is: "AB12CD") == 1)
        let report = try Ingester(database: db, options: .testing()).ingest(path: try file.write("fixed.csv", in: scratch))
        #expect(report.corrections?.applied == 1)
        let (state, body) = try db.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT state, body FROM job WHERE participant_code = 'AB12CD' AND is_current = 1"))
            return (row[0] as String, [UInt8](row[1] as Data))
        }
        #expect(state == "pending")
        #expect(body.containsUTF8(of: #""first_name":"Anne","last_name":"Smith","address_one":"1 Main St","address_two":"","country":"France","city":"Paris","zip":"75001""#),
                "\(String(decoding: body, as: UTF8.self))")
    }

    @Test func explainShowsTheRejectedRowsOtherCells() throws {
        let db = try ingested()
        let explanation = try #require(try db.read { try Explanation.read($0, participantCode: "AB12CD") })
        let row = try #require(explanation.rows.first)
        #expect(row.fields["last_name"] == "Smith")
        #expect(row.fields["city"] == "Paris")
        #expect(row.fields["zip"] == "75001")
        #expect(row.fields["first_name"] == nil)
    }
}

/// One definition of loopback for the whole tool, decided from the text without a DNS lookup.
struct LoopbackTests {
    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "localhost.", "::1", "[::1]", "::ffff:127.0.0.1"])
    func loopbackHosts(host: String) {
        #expect(Loopback.isLoopback(host: host))
    }

    @Test(arguments: ["127.example.com", "127.0.0.1.nip.io", "10.0.0.1", "128.0.0.1", "localhost.example.com", "::2",
                      "api.cert.zerohash.com", "127.1", ""])
    func otherHosts(host: String) {
        #expect(!Loopback.isLoopback(host: host))
    }

    @Test func unlimitedRateIsRefusedForANameThatMerelyStartsWith127() throws {
        let target = Target(profile: .zerohash, baseURL: "http://127.example.com:9/")
        #expect(!target.isLoopback)
        #expect(Target(profile: .zerohash, baseURL: "http://[::1]:8080").isLoopback)
    }
}
