import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// Ingesting files into a real job database: determinism, re-ingest, superseding, sent jobs, gzip, the row trail.
struct IngestTests {
    let scratch = ScratchDirectory()

    @discardableResult
    func ingest(_ path: String, into db: DatabaseQueue, options: IngestOptions = .testing()) throws -> IngestReport {
        try Ingester(database: db, options: options).ingest(path: path)
    }

    static let header = "participant_code,platform_updated_at,first_name,last_name,address_one,address_two,city,state,zip,country,email\n"

    /// AB12CD's address history out of timestamp order, plus a second participant.
    static let history = header + """
        AB12CD,2022-06-30T12:00:00Z,,,,,,,78701-1234,,
        AB12CD,2021-03-04T10:15:00Z,Alice,Nguyen,12 Main St,Apt 4,Austin,tx,78701,USA,Alice@Example.com
        AB12CD,2022-06-30 08:00:00,,,500 Congress Ave,,Austin,TX,,US,
        CD34EF,2023-01-01,Bo,Chen,,,,,,,bo@example.com

        """

    @Test func historyFoldsInTimestampOrderToTheExactBody() throws {
        let db = try scratch.database()
        try ingest(try scratch.write("history.csv", IngestTests.history), into: db)
        let job = try #require(try DatabaseInspection.currentJobs(db)["AB12CD"])
        #expect(job.state == "pending")
        #expect(job.requestID == "891de83e-f472-5e48-bc50-6c5c3682e61b")
        #expect(job.body == Array((#"{"request_id":"891de83e-f472-5e48-bc50-6c5c3682e61b","first_name":"Alice","last_name":"Nguyen","# +
            #""address_one":"500 Congress Ave","address_two":"","country":"United States","state":"TX","city":"Austin","# +
            #""zip":"78701-1234","email":"alice@example.com","platform_updated_at":1656590400000}"#).utf8), "\(job)")
    }

    @Test func freshDatabasesGetIdenticalRequestIDsAndBodyBytes() throws {
        let path = try scratch.write("history.csv", IngestTests.history)
        let first = try scratch.database("first.sqlite")
        let second = try scratch.database("second.sqlite")
        try ingest(path, into: first)
        try ingest(path, into: second)
        let jobs = try DatabaseInspection.jobs(first)
        #expect(jobs.count == 2)
        #expect(jobs.allSatisfy { $0.requestID != nil && $0.body != nil })
        #expect(try DatabaseInspection.jobs(second) == jobs)
    }

    @Test func reingestingTheSameFileChangesNothing() throws {
        let db = try scratch.database()
        let path = try scratch.write("history.csv", IngestTests.history)
        let first = try ingest(path, into: db)
        #expect(!first.unchanged && first.jobsCreated == 2)
        let before = try DatabaseInspection.dump(db)
        let again = try ingest(path, into: db)
        #expect(again.unchanged)
        #expect(again.jobsCreated == 0 && again.jobsSuperseded == 0)
        #expect(try DatabaseInspection.dump(db) == before)
        let copy = try ingest(try scratch.write("copy-of-history.csv", IngestTests.history), into: db)
        #expect(copy.unchanged)
        #expect(try DatabaseInspection.dump(db) == before)
    }

    @Test func reingestReportsItsParticipantsAsUnchanged() throws {
        let db = try scratch.database()
        let path = try scratch.write("history.csv", IngestTests.history)
        try ingest(path, into: db)
        let again = try ingest(path, into: db)
        #expect(again.participants == 2)
        #expect(again.jobsUnchanged == 2)
    }

    @Test func newRowsSupersedeAnUnsentJob() throws {
        let db = try scratch.database()
        try ingest(try scratch.write("one.csv", "participant_code,updated_at,first_name,last_name\nAB12CD,2023-01-01,Ann,Lee\n"), into: db)
        let report = try ingest(try scratch.write("two.csv", "participant_code,updated_at,email\nAB12CD,2023-01-02,ann@example.com\n"), into: db)
        #expect(report.jobsCreated == 1 && report.jobsSuperseded == 1 && report.jobsUnchanged == 0)
        let jobs = try DatabaseInspection.jobs(db)
        #expect(jobs.map(\.state) == ["superseded", "pending"])
        #expect(jobs.map(\.isCurrent) == [false, true])
        #expect(jobs[1].bodyContains(#""first_name":"Ann","last_name":"Lee","email":"ann@example.com","#))
    }

    @Test func sentJobGetsANewJobOnlyWhenThePayloadChanges() throws {
        let db = try scratch.database()
        try ingest(try scratch.write("one.csv", "participant_code,updated_at,first_name,last_name\nAB12CD,2023-01-02,Ann,Lee\n"), into: db)
        try DatabaseInspection.markCurrentJobs(db, state: .succeeded)
        let sent = try DatabaseInspection.jobs(db)

        // An older change is overridden field by field: the payload is the same, so nothing new is sent.
        let older = try ingest(try scratch.write("older.csv", "participant_code,updated_at,first_name,last_name\nAB12CD,2023-01-01,Old,Name\n"), into: db)
        #expect(older.jobsUnchanged == 1 && older.jobsCreated == 0)
        #expect(try DatabaseInspection.jobs(db) == sent)

        let newer = try ingest(try scratch.write("newer.csv", "participant_code,updated_at,email\nAB12CD,2023-01-03,ann@example.com\n"), into: db)
        #expect(newer.jobsCreated == 1 && newer.jobsSuperseded == 0)
        let jobs = try DatabaseInspection.jobs(db)
        #expect(jobs.map(\.state) == ["succeeded", "pending"])
        #expect(jobs.map(\.isCurrent) == [false, true])
        #expect(jobs[0].body == sent[0].body)
    }

    @Test func equalTimestampsAcrossFilesFoldInIngestOrder() throws {
        let db = try scratch.database()
        let header = "participant_code,updated_at,first_name,last_name\n"
        _ = try ingest(try scratch.write("one.csv", header + "NYC777,2024-01-10T16:45:00Z,Dana,O'Brien\n"), into: db)
        _ = try ingest(try scratch.write("two.csv", header + "NYC777,1704905100000,Dana,O'Brien-Lee\n"), into: db)
        let job = try #require(try DatabaseInspection.currentJobs(db)["NYC777"])
        #expect(job.bodyContains(#""last_name":"O'Brien-Lee","platform_updated_at":1704905100000}"#))
    }

    @Test func rejectedRowInALaterFileHoldsAPendingParticipant() throws {
        let db = try scratch.database()
        try ingest(try scratch.write("one.csv", "participant_code,updated_at,email\nAB12CD,2023-01-01,ann@example.com\n"), into: db)
        let path = try scratch.write("two.csv", "participant_code,updated_at,email\nAB12CD,2023-01-02,ann@example\n")
        let report = try ingest(path, into: db)
        #expect(report.held == 1)
        let job = try #require(try DatabaseInspection.currentJobs(db)["AB12CD"])
        #expect(job.state == "held")
        #expect(job.holdReasons == #"[{"source":"\#(path):2","message":"column 'email': expected an email like name@example.com, got 'ann@example'","kind":"rejected_row"}]"#)
    }

    @Test func gzippedInputIsReadLikeThePlainFile() throws {
        let plain = try scratch.write("history.csv", IngestTests.history)
        let packed = try scratch.gzip("history.csv")
        let fromPlain = try scratch.database("plain.sqlite")
        let fromGzip = try scratch.database("gzip.sqlite")
        try ingest(plain, into: fromPlain)
        let report = try ingest(packed, into: fromGzip)
        #expect(report.format == .csv && report.rowsRead == 4)
        #expect(try DatabaseInspection.jobs(fromGzip) == DatabaseInspection.jobs(fromPlain))
    }

    @Test func allowIDTypeExtendsTheSupportedListThroughTheIngester() throws {
        let path = try scratch.write("ids.csv", "participant_code,updated_at,id_type,id_number\nAB12CD,2023-01-01,National ID,N-1\n")
        let strict = try scratch.database("strict.sqlite")
        try ingest(path, into: strict)
        #expect(try DatabaseInspection.currentJobs(strict)["AB12CD"]?.state == "held")
        let extended = try scratch.database("extended.sqlite")
        try ingest(path, into: extended, options: .testing(extraIDTypes: ["National ID"]))
        let job = try #require(try DatabaseInspection.currentJobs(extended)["AB12CD"])
        #expect(job.state == "pending")
        #expect(job.bodyContains(#""id_number_type":"national_id","id_number":"N-1""#))
    }
}
