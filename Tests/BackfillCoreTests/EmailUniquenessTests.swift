import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

/// The API keeps email unique per platform: two participants folding to one email are both held, across
/// everything in the database, and released when the conflict goes away.
struct EmailUniquenessTests {
    let scratch = ScratchDirectory()

    func ingest(_ name: String, _ csv: String, into db: DatabaseQueue) throws {
        let path = try scratch.write(name, "participant_code,updated_at,first_name,last_name,email\n" + csv)
        _ = try Ingester(database: db, options: .testing()).ingest(path: path)
    }

    func states(_ db: DatabaseQueue) throws -> [String: String] {
        try DatabaseInspection.currentJobs(db).mapValues { "\($0.state)\($0.emailConflict ? " (email conflict)" : "")" }
    }

    @Test func sameEmailInTwoSeparatelyIngestedFilesHoldsBothParticipants() throws {
        let db = try scratch.database()
        try ingest("one.csv", "AAA001,2023-01-01,Ann,Lee,shared@example.com\n", into: db)
        #expect(try states(db) == ["AAA001": "pending"])
        try ingest("two.csv", "BBB002,2023-01-02,Bo,Chen, Shared@Example.COM \n", into: db)
        #expect(try states(db) == ["AAA001": "held (email conflict)", "BBB002": "held (email conflict)"])
    }

    @Test func changingOneEmailReleasesBoth() throws {
        let db = try scratch.database()
        try ingest("one.csv", "AAA001,2023-01-01,Ann,Lee,shared@example.com\n", into: db)
        try ingest("two.csv", "BBB002,2023-01-02,Bo,Chen,shared@example.com\n", into: db)
        try ingest("three.csv", "BBB002,2023-01-03,,,bo@example.com\n", into: db)
        #expect(try states(db) == ["AAA001": "pending", "BBB002": "pending"])
        let jobs = try DatabaseInspection.currentJobs(db)
        #expect(jobs["BBB002"]?.bodyContains(#""email":"bo@example.com""#) == true)
    }

    @Test func conflictStaysWhenTheParticipantChangesSomethingElse() throws {
        let db = try scratch.database()
        try ingest("one.csv", "AAA001,2023-01-01,Ann,Lee,shared@example.com\nBBB002,2023-01-02,Bo,Chen,shared@example.com\n", into: db)
        try ingest("two.csv", "BBB002,2023-01-03,Bob,Chen,\n", into: db)
        #expect(try states(db) == ["AAA001": "held (email conflict)", "BBB002": "held (email conflict)"])
    }

    @Test func releasedParticipantHeldForAnotherReasonStaysHeld() throws {
        let db = try scratch.database()
        try ingest("one.csv", "AAA001,2023-01-01,Ann,,shared@example.com\nBBB002,2023-01-02,Bo,Chen,shared@example.com\n", into: db)
        try ingest("two.csv", "BBB002,2023-01-03,,,bo@example.com\n", into: db)
        #expect(try states(db) == ["AAA001": "held", "BBB002": "pending"])
    }
}
