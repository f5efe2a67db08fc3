import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// Every input row stays in the database with its file, line, raw text and fate, even when it names no one.
struct RowTrailTests {
    let scratch = ScratchDirectory()

    struct Trail: Equatable {
        var line: Int
        var code: String?
        var status: String
        var rejectCode: String?
        var raw: String
    }

    func trail(_ db: DatabaseQueue) throws -> [Trail] {
        try DatabaseInspection.inputRows(db).map {
            Trail(line: $0["line"], code: $0["participant_code"], status: $0["status"], rejectCode: $0["reject_code"], raw: $0["raw"])
        }
    }

    static let csv = """
        Participant Code,Updated At,First Name,Last Name,E-mail
        AB12CD,2023-01-01,Ann,Lee,ann@example.com
        12-AB,2023-01-01,Bad,Code,bad@example.com

        ,2023-01-01,No,Code,none@example.com
        CD34EF,2023-01-01,"Multi
        Line",Chen
        EF56GH,2099-01-01,Fu,Ture,fu@example.com

        """

    @Test func everyCSVRowIsKeptWithItsLineRawTextAndFate() throws {
        let db = try scratch.database()
        let path = try scratch.write("rows.csv", RowTrailTests.csv)
        let report = try Ingester(database: db, options: .testing()).ingest(path: path)
        #expect(try trail(db) == [
            Trail(line: 2, code: "AB12CD", status: "accepted", rejectCode: nil, raw: "AB12CD,2023-01-01,Ann,Lee,ann@example.com"),
            Trail(line: 3, code: nil, status: "rejected", rejectCode: "invalid_participant_code", raw: "12-AB,2023-01-01,Bad,Code,bad@example.com"),
            Trail(line: 5, code: nil, status: "rejected", rejectCode: "missing_participant_code", raw: ",2023-01-01,No,Code,none@example.com"),
            Trail(line: 6, code: "CD34EF", status: "rejected", rejectCode: "wrong_cell_count", raw: "CD34EF,2023-01-01,\"Multi\nLine\",Chen"),
            Trail(line: 8, code: "EF56GH", status: "rejected", rejectCode: "future_platform_updated_at", raw: "EF56GH,2099-01-01,Fu,Ture,fu@example.com"),
        ])
        #expect(try DatabaseInspection.inputRows(db).allSatisfy { ($0["path"] as String) == path })
        #expect(report.rowsRead == 5 && report.rowsAccepted == 1 && report.rowsRejected == 4)
        #expect(report.participants == 3)
        #expect(report.held == 2)
        #expect(try DatabaseInspection.participants(db, state: "held") == ["CD34EF", "EF56GH"])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD"])
    }

    @Test func rejectionsAreStoredWithColumnAndEveryMessage() throws {
        let db = try scratch.database()
        let path = try scratch.write("rows.csv", "Participant Code,Updated At,E-mail\n12-AB,soon,nope\n")
        let report = try Ingester(database: db, options: .testing()).ingest(path: path)
        let row = try #require(try DatabaseInspection.inputRows(db).first)
        #expect(row["reject_column"] as String? == "Participant Code")
        #expect(row["reject_message"] as String? == "column 'Participant Code': expected 6 letters or digits, got '12-AB'; " +
            "column 'Updated At': expected epoch milliseconds, epoch seconds or ISO-8601, got 'soon'; " +
            "column 'E-mail': expected an email like name@example.com, got 'nope'")
        #expect(report.rejectionsByCode["invalid_participant_code"]?.count == 1)
        #expect(report.rejectionsByCode["invalid_participant_code"]?.examples ==
            ["\(path):2: column 'Participant Code': expected 6 letters or digits, got '12-AB'"])
    }

    @Test func jsonlRowsThatAreNotObjectsAreKeptWithoutAParticipant() throws {
        let db = try scratch.database()
        let path = try scratch.write("rows.jsonl", """
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com"}
            ["not", "an", "object"]

            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-02", "zip": 2108}

            """)
        _ = try Ingester(database: db, options: .testing()).ingest(path: path)
        #expect(try trail(db) == [
            Trail(line: 1, code: "AB12CD", status: "accepted", rejectCode: nil,
                  raw: #"{"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com"}"#),
            Trail(line: 2, code: nil, status: "rejected", rejectCode: "not_json_object", raw: #"["not", "an", "object"]"#),
            Trail(line: 4, code: "AB12CD", status: "rejected", rejectCode: "not_a_string",
                  raw: #"{"participant_code": "AB12CD", "platform_updated_at": "2023-01-02", "zip": 2108}"#),
        ])
        #expect(try DatabaseInspection.currentJobs(db)["AB12CD"]?.state == "held")
    }
}
