@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// `backfill report --failures`: one row per rejected input row (its cells as read, named by `backfill_row`) and
/// per participant failed or held for another reason (its folded values), under canonical names with
/// `backfill_*` columns; valid ingest input in both formats.
struct ReportFailuresTests {
    let scratch = ScratchDirectory()

    /// The export's rows keyed by column name.
    func rows(_ fixture: ReportFixture) throws -> [[String: String]] {
        let records = try fixture.csvRecords(try fixture.failures(.csv))
        #expect(records.first == FailureRow.columns)
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(FailureRow.columns, $0)) }
    }

    @Test func listsRejectedRowsAndParticipantsFailedOrHeldForAnotherReasonThenUnusableRows() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let rows = try rows(fixture)
        let summary = rows.map { "\($0["participant_code"]!) \($0["backfill_state"]!) \($0["backfill_error_class"]!) \($0["backfill_http_status"]!) \($0["backfill_attempts"]!)" }
        // BADEM1 is held only by its rejected row (line 10): it appears as that row, not with its folded name.
        #expect(summary == [
            "BADEM1 rejected validation  0",
            "DUPE01 held duplicate_email  0",
            "DUPE02 held duplicate_email  0",
            "FAIL01 failed validation 400 1",
            "HOLD01 held segment  0",
            "NETW01 failed network  2",
            "RETRY1 failed server 503 2",
            "12-AB rejected validation  0",
        ])
    }

    @Test func failedRowCarriesFoldedValuesAndTheLastAttempt() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let fail = try #require(try rows(fixture).first { $0["participant_code"] == "FAIL01" })
        #expect(fail["platform_updated_at"] == "2024-02-01T00:00:00Z")
        #expect(fail["first_name"] == "Zoë")
        #expect(fail["last_name"] == "O'Hara, Jr.")
        #expect(fail["address_one"] == "12 \"Quoted\", Street")
        #expect(fail["address_two"] == "Unit 5, Rear")
        #expect(fail["country"] == "United States")
        #expect(fail["id_number_type"] == "us_passport")
        #expect(fail["backfill_message"] == ReportFixture.fail01Message)
        #expect(fail["backfill_last_attempt_at"] == ReportTime.iso8601(ReportFixture.runStart))
        #expect(fail["backfill_sources"] == "\(fixture.csvPath):5")
        let requestID = try fixture.queue.read { try String.fetchOne($0, sql: "SELECT request_id FROM job WHERE participant_code = 'FAIL01' AND is_current = 1") }
        #expect(fail["backfill_request_id"] == requestID)
    }

    @Test func heldRowsSayWhyWithTheirSources() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let rows = try rows(fixture)
        let byCode = Dictionary(uniqueKeysWithValues: rows.map { ($0["participant_code"]!, $0) })
        #expect(byCode["HOLD01"]?["backfill_message"] == "\(fixture.csvPath):8: " + APIMessage.segmentValidationFailed([SegmentError(field: .city, kind: .required)]))
        #expect(byCode["HOLD01"]?["backfill_row"] == "")
        #expect(byCode["DUPE01"]?["backfill_message"] == "the same folded email as DUPE02 (emails are unique per platform)")
        #expect(byCode["DUPE02"]?["email"] == "shared.dupe@example.com")
    }

    @Test func aRejectedRowCarriesItsOwnCellsTimestampAndName() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let bad = try #require(try rows(fixture).first { $0["participant_code"] == "BADEM1" })
        #expect(bad["backfill_state"] == "rejected")
        #expect(bad["backfill_row"] == "\(fixture.csvPath):10")
        #expect(bad["backfill_sources"] == "\(fixture.csvPath):10")
        #expect(bad["platform_updated_at"] == "2024-03-03T00:00:00Z")
        #expect(bad["email"] == "beatrix@@badwell")
        // Line 10 has no name: the accepted line 9's name is not part of the row to fix.
        #expect(bad["first_name"] == "")
        #expect(bad["backfill_message"] == "column 'email': expected an email like \(FieldRules.emailFormat), got 'beatrix@@badwell'")
        #expect(bad["backfill_request_id"] == "")
    }

    @Test func aParticipantAlsoHeldForAnotherReasonGetsItsOwnRowWithThatReasonOnly() throws {
        let queue = try scratch.database()
        let history = try scratch.write("mixed.csv", """
            participant_code,platform_updated_at,first_name,last_name,address_one,city,country,email
            MIX001,2024-01-01,Mia,Xu,5 Side St,,Spain,
            MIX001,2024-01-02,,,,,,mia@@xu
            """)
        _ = try Ingester(database: queue, options: .testing()).ingest(path: history)
        let file = try FailuresFile.export(queue, scratch: scratch)
        #expect(file.rows.map { "\($0["backfill_state"]!) \($0["backfill_error_class"]!) \($0["backfill_row"]!)" }
            == ["held segment ", "rejected validation \(history):3"])
        #expect(file.rows[0]["backfill_message"] == "\(history):2: " + APIMessage.segmentValidationFailed([SegmentError(field: .city, kind: .required)]))
        #expect(file.rows[0]["first_name"] == "Mia")
        #expect(file.rows[0]["email"] == "")
        #expect(file.rows[1]["email"] == "mia@@xu")
    }

    @Test func rejectedCellsGoUnderTheNamesIngestReadThemAs() throws {
        let queue = try scratch.database()
        let csv = try scratch.write("mapped.csv", """
            Code,When,PLZ,Mail,Date of Birth,Notes
            AB12CD,2024-01-01,10115,ann@@example.com,1990-01-01,"called, twice"
            """)
        _ = try Ingester(database: queue, options: .testing(mappings: ["Code=participant_code", "When=platform_updated_at", "PLZ=zip"])).ingest(path: csv)
        let jsonl = try scratch.write("keys.jsonl", """
            {"participant_id": "QX9Z01", "updated_at": 1700000000, "Postcode": "560001", "tax_id": "T-1", "zip_extra": 5}
            """)
        _ = try Ingester(database: queue, options: .testing()).ingest(path: jsonl)

        let file = try FailuresFile.export(queue, scratch: scratch)
        #expect(file.header == FailureRow.columns(extra: ["date_of_birth", "tax_id", "notes", "zip_extra"], redacted: false))
        let ab = try #require(file.rows.first { $0["participant_code"] == "AB12CD" })
        #expect(ab["platform_updated_at"] == "2024-01-01")
        #expect(ab["zip"] == "10115")
        #expect(ab["email"] == "ann@@example.com")
        #expect(ab["date_of_birth"] == "1990-01-01")
        #expect(ab["notes"] == "called, twice")
        let qx = try #require(file.rows.first { $0["participant_code"] == "QX9Z01" })
        #expect(qx["platform_updated_at"] == "1700000000")
        #expect(qx["zip"] == "560001")
        #expect(qx["tax_id"] == "T-1")
        #expect(qx["zip_extra"] == "5")
    }

    @Test func unusableRowCarriesItsRawValuesLineBreakIncluded() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let row = try #require(try rows(fixture).last)
        #expect(row["participant_code"] == "12-AB")
        #expect(row["platform_updated_at"] == "2024-04-01T00:00:00Z")
        #expect(row["address_one"] == "77 Line One\nLine Two")
        #expect(row["zip"] == "75001")
        #expect(row["backfill_message"]?.hasPrefix("column 'participant_code': expected 6 letters or digits, got '12-AB'") == true)
        #expect(row["backfill_sources"] == "\(fixture.csvPath):13")
        #expect(row["backfill_row"] == "\(fixture.csvPath):13")
    }

    @Test func csvQuotingRoundTripsThroughTheIngestReader() throws {
        let fixture = try ReportFixture(scratch: scratch, run: false)
        let cells = ["plain", "a,b", "say \"hi\"", "line\nbreak", "cr\rlf\r\n", "", " spaced ", "\"", ",", "ünïcødé"]
        let text = CSVText.line(cells) + "\n" + CSVText.line(cells.reversed()) + "\n"
        #expect(CSVText.quote("a,b") == "\"a,b\"")
        #expect(CSVText.quote("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVText.quote("plain") == "plain")
        #expect(try fixture.csvRecords(text) == [cells, cells.reversed()])
        #expect(CSVText.parseRecord(CSVText.line(cells)) == cells)
    }

    /// Bodies compared as stored: the same folded values and timestamp give the same bytes and request_id.
    func currentBodies(_ queue: DatabaseQueue) throws -> [String: [UInt8]] {
        try DatabaseInspection.currentJobs(queue).compactMapValues(\.body)
    }

    @Test(arguments: [FailureFormat.csv, .jsonl])
    func exportReingestsIntoAFreshDatabaseToTheSameParticipantsAndFields(format: FailureFormat) throws {
        let fixture = try ReportFixture(scratch: scratch)
        let export = try scratch.write("failures.\(format.rawValue)", try fixture.failures(format))
        let fresh = try scratch.database("fresh.sqlite")
        let report = try Ingester(database: fresh, options: .testing()).ingest(path: export)
        #expect(report.rowsRead == 8)
        // The rejected rows name rows of the first database: here they are new rows, rejected again.
        let (badem1, unusableRow) = format == .csv ? (2, 9) : (1, 8)
        #expect(report.notes == ["\(export): corrections naming no rejected row of this database (read as new rows): " +
            "2 (\(export):\(badem1) -> \(fixture.csvPath):10, \(export):\(unusableRow) -> \(fixture.csvPath):13)"])
        #expect(report.rowsRejected == 2)

        let original = try DatabaseInspection.currentJobs(fixture.queue).filter { ["failed", "held"].contains($0.value.state) }
        let again = try DatabaseInspection.currentJobs(fresh)
        #expect(Set(again.keys) == Set(original.keys))
        for (code, job) in original where code != "BADEM1" {
            #expect(again[code]?.body == job.body, "\(code)")
        }
        // BADEM1 is exported as its rejected row only: held again, by that row.
        #expect(again["BADEM1"]?.state == "held")
        #expect(again["BADEM1"]?.body == nil)
        #expect(again["HOLD01"]?.state == "held")
        #expect(again["DUPE01"]?.emailConflict == true)

        let unusable: (DatabaseQueue) throws -> [String: JSONValue] = { queue in
            try queue.read { db in
                let files = try ReportSourceFile.all(db)
                let row = try #require(try Row.fetchOne(db, sql: "SELECT file_id, raw FROM input_row WHERE participant_code IS NULL"))
                return RawValues.read(row["raw"], file: files[row["file_id"]]!)
            }
        }
        #expect(try unusable(fresh) == unusable(fixture.queue))
    }

    @Test func jsonlLinesUseTheCsvColumnNamesAndKeepJSONTypes() throws {
        let fixture = try ReportFixture(scratch: scratch)
        let lines = try fixture.failures(.jsonl).split(separator: "\n")
        #expect(lines.count == 8)
        for line in lines {
            guard case .object(let members) = try JSONParser.parse(Array(line.utf8)) else {
                Issue.record("not an object: \(line)")
                continue
            }
            #expect(members.map(\.key) == FailureRow.columns)
        }
        let retry = try JSONParser.parse(Array(lines.first { $0.contains("RETRY1") }!.utf8))
        #expect(retry["backfill_http_status"] == .number("503"))
        #expect(retry["backfill_attempts"] == .number("2"))
        #expect(retry["address_two"] == .null)
    }

    @Test func nothingToReportGivesTheHeaderOnly() throws {
        let queue = try scratch.database()
        let file = scratch.file("empty.csv")
        let sink = try ReportSink(path: file)
        #expect(try queue.read { try FailureExport().write($0, to: sink) } == 0)
        try sink.close()
        // A database nothing was ingested into is for the default contract, zerohash.
        #expect(try String(contentsOfFile: file, encoding: .utf8)
                == CSVText.line(FailureRow.columns(extra: [], redacted: false, contract: .zerohash)) + "\n")
    }
}
