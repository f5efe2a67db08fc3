import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// The bundled `samples/` become exactly what `samples/README.md` promises.
/// Expected bodies and request_ids were computed independently with Python's `json` and `uuid.uuid5`.
struct SamplesTests {
    let scratch = ScratchDirectory()

    static let samples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")
    static let csv = samples.appendingPathComponent("changes.csv").path
    static let jsonl = samples.appendingPathComponent("changes.jsonl").path

    /// A fresh database with every sample file ingested, and the reports.
    func ingestAll() throws -> (db: DatabaseQueue, reports: [String: IngestReport]) {
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: .testing())
        let files = try FileManager.default.contentsOfDirectory(atPath: SamplesTests.samples.path)
            .filter { InputFormat.fromExtension($0) != nil }.sorted()
        #expect(files == ["changes.csv", "changes.jsonl"])
        var reports: [String: IngestReport] = [:]
        for file in files {
            reports[file] = try ingester.ingest(path: SamplesTests.samples.appendingPathComponent(file).path)
        }
        return (db, reports)
    }

    func holdReasons(_ db: DatabaseQueue, _ code: String) throws -> String? {
        try DatabaseInspection.currentJobs(db)[code]?.holdReasons
    }

    @Test func pendingAndHeldParticipantsAreTheOnesTheReadmeLists() throws {
        let (db, _) = try ingestAll()
        #expect(try DatabaseInspection.participants(db, state: "pending") ==
            ["AB12CD", "IN0042", "JS0001", "ML0001", "MUM001", "NYC777", "QX9Z01"])
        #expect(try DatabaseInspection.participants(db, state: "held") ==
            ["BADROW", "DOB001", "DUPE01", "DUPE02", "FUT001", "HOLD01", "PB0X01", "RAG001", "TSONLY", "ZIP001"])
    }

    @Test func rejectedLinesAreTheOnesTheReadmeLists() throws {
        let (db, reports) = try ingestAll()
        let rejected = try DatabaseInspection.inputRows(db).filter { ($0["status"] as String) == "rejected" }
            .map { "\(URL(fileURLWithPath: $0["path"]).lastPathComponent):\($0["line"] as Int) \($0["reject_code"] as String)" }
        #expect(rejected == [
            "changes.csv:14 invalid_email", "changes.csv:16 invalid_participant_code", "changes.csv:17 po_box",
            "changes.csv:18 future_platform_updated_at", "changes.csv:19 wrong_cell_count",
            "changes.jsonl:6 not_a_string", "changes.jsonl:7 non_updatable_field", "changes.jsonl:10 not_json_object",
        ])
        #expect(reports["changes.csv"].map { [$0.rowsRead, $0.rowsRejected] } == [19, 5])
        #expect(reports["changes.jsonl"].map { [$0.rowsRead, $0.rowsRejected] } == [10, 3])
        #expect(reports["changes.csv"]?.notes == ["\(SamplesTests.csv):1: unknown column 'Notes' ignored."])
    }

    @Test func heldParticipantsSayWhy() throws {
        let (db, _) = try ingestAll()
        let csv = SamplesTests.csv, jsonl = SamplesTests.jsonl
        #expect(try holdReasons(db, "HOLD01") == #"[{"source":"\#(csv):13","message":"Data segment validation failed. "# +
            #"One or more segment fields either invalid or not provided. Segment error: \"city required field\"","kind":"segment"}]"#)
        #expect(try holdReasons(db, "BADROW") == #"[{"source":"\#(csv):14","message":"column 'E-mail': expected an email "# +
            #"like name@example.com, got 'ravi@example'","kind":"rejected_row"}]"#)
        #expect(try holdReasons(db, "PB0X01") == #"[{"source":"\#(csv):17","message":"column 'Address Line 1': "# +
            #"PO Box addresses are not accepted, got 'P.O. Box 1200'","kind":"rejected_row"}]"#)
        #expect(try holdReasons(db, "FUT001") == #"[{"source":"\#(csv):18","message":"column 'Updated At': "# +
            #"platform_updated_at is in the future, got '2099-01-01'","kind":"rejected_row"}]"#)
        #expect(try holdReasons(db, "RAG001") == #"[{"source":"\#(csv):19","message":"expected 14 cells as in the header, got 5","kind":"rejected_row"}]"#)
        #expect(try holdReasons(db, "ZIP001") == #"[{"source":"\#(jsonl):6","message":"key 'zip': must be a JSON string "# +
            #"(a number would silently lose a leading zero), got 2108","kind":"rejected_row"}]"#)
        #expect(try holdReasons(db, "DOB001") == #"[{"source":"\#(jsonl):7","message":"Cannot update the requested fields: date_of_birth","kind":"rejected_row"}]"#)
        #expect(try holdReasons(db, "TSONLY") == #"[{"source":"\#(jsonl):11","message":"platform_updated_at submitted with no data segment to update","kind":"no_data_segment"}]"#)
        let dupes = try DatabaseInspection.currentJobs(db).filter { $0.key.hasPrefix("DUPE") }.values
        #expect(dupes.count == 2 && dupes.allSatisfy { $0.emailConflict && $0.holdReasons == nil })
    }

    @Test func exactBodiesOfFoldedParticipants() throws {
        let (db, _) = try ingestAll()
        let jobs = try DatabaseInspection.currentJobs(db)
        let ab12cd: String = #"{"request_id":"5ff07519-4ea0-570c-9cd1-967ccb8469b0","first_name":"Alice","# +
            #""last_name":"Nguyen","address_one":"500 Congress Ave","address_two":"","country":"United States","state":"TX","# +
            #""city":"Austin","zip":"78701-1234","email":"alice.nguyen@example.com","id_number_type":"us_passport","# +
            #""id_number":"541234567","platform_updated_at":1656590400000}"#
        #expect(jobs["AB12CD"]?.body == Array(ab12cd.utf8), "\(String(describing: jobs["AB12CD"]))")
        let nyc777: String = #"{"request_id":"d126d485-d558-5bdf-a333-2112167cf43d","first_name":"Dana","# +
            #""last_name":"O'Brien-Lee","address_one":"1 Infinite Loop","address_two":"","country":"United States","# +
            #""state":"CA","city":"Cupertino","zip":"95014","email":"dana@example.com","id_number_type":"ssn","# +
            #""id_number":"123-45-6789","platform_updated_at":1704905100000}"#
        #expect(jobs["NYC777"]?.body == Array(nyc777.utf8), "\(String(describing: jobs["NYC777"]))")
        let ml0001: String = #"{"request_id":"73f95d51-a37f-5f6e-aa23-caa46fc84ef5","first_name":"Maria","# +
            #""last_name":"López","address_one":"Calle 5, Piso 2 Puerta B","address_two":"","country":"Spain","# +
            #""city":"Madrid","zip":"28013","email":"maria@example.es","id_number_type":"non_us_passport","# +
            #""id_number":"ESP12345","platform_updated_at":1694250549000}"#
        #expect(jobs["ML0001"]?.body == Array(ml0001.utf8), "\(String(describing: jobs["ML0001"]))")
        let js0001: String = #"{"request_id":"86916bd6-7f93-53a7-b007-44cd0e1bafee","first_name":"John","# +
            #""last_name":"Smith","address_one":"77 Lake Shore Dr","address_two":"","country":"United States","state":"IL","# +
            #""city":"Chicago","zip":"60611","email":"john.smith@example.com","id_number_type":"us_drivers_license","# +
            #""id_number":"S530-4600-1234","platform_updated_at":1700000000000}"#
        #expect(jobs["JS0001"]?.body == Array(js0001.utf8), "\(String(describing: jobs["JS0001"]))")
        #expect(jobs["AB12CD"]?.requestID == "5ff07519-4ea0-570c-9cd1-967ccb8469b0")
    }

    @Test func otherPendingBodiesCarryWhatTheReadmePromises() throws {
        let (db, _) = try ingestAll()
        let jobs = try DatabaseInspection.currentJobs(db)
        #expect(jobs["QX9Z01"]?.bodyContains(#""email":"bruno.silva@example.org","id_number_type":"non_us_passport","id_number":"FX998877""#) == true)
        #expect(jobs["MUM001"]?.bodyContains(#""country":"India","state":"MH","city":"Mumbai","zip":"400001""#) == true)
        #expect(jobs["MUM001"]?.bodyContains(#""id_number_type":"aadhar_card""#) == true)
        #expect(jobs["IN0042"]?.bodyContains(#""address_one":"221 MG Road","address_two":"","country":"India""#) == true)
    }

    @Test func ingestingTheSamplesTwiceChangesNothing() throws {
        let (db, _) = try ingestAll()
        let before = try DatabaseInspection.dump(db)
        let ingester = try Ingester(database: db, options: .testing())
        #expect(try ingester.ingest(path: SamplesTests.csv).unchanged)
        #expect(try ingester.ingest(path: SamplesTests.jsonl).unchanged)
        #expect(try DatabaseInspection.dump(db) == before)
    }
}
