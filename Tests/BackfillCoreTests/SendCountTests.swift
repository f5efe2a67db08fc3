@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// `send_count` (kept by triggers for `status`) always equals a count of `job_send`, whatever wrote to it:
/// inserts, `INSERT OR REPLACE`, state changes, other columns, deletes, a failed insert and a rolled-back
/// transaction; and status's figures agree with counting the rows.
struct SendCountTests {
    let scratch = ScratchDirectory()

    static func counted(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT target_id || ' ' || state || ' ' || count(*) FROM job_send GROUP BY target_id, state ORDER BY 1")
    }

    static func kept(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT target_id || ' ' || state || ' ' || n FROM send_count WHERE n != 0 ORDER BY 1")
    }

    func expectAgree(_ queue: DatabaseQueue, _ comment: Comment) throws {
        let (counted, kept) = try queue.read { (try Self.counted($0), try Self.kept($0)) }
        #expect(!counted.isEmpty, comment)
        #expect(kept == counted, comment)
    }

    @Test func theCountsFollowEveryKindOfWrite() throws {
        let queue = try scratch.database()
        let csv = try scratch.write("p.csv", "participant_code,platform_updated_at,first_name,last_name\n"
            + (1...6).map { "P0000\($0),1600000000000,Al,Bo\($0)" }.joined(separator: "\n") + "\n")
        _ = try Ingester(database: queue, options: .testing()).ingest(path: csv)
        try queue.write { db in
            for url in ["http://127.0.0.1:1", "http://127.0.0.1:2"] {
                _ = try TargetStore.findOrCreate(db, Target(profile: .zerohash, baseURL: url), now: testNow)
            }
            try db.execute(sql: "INSERT INTO job_send (target_id, job_id, state, attempts, updated_at) SELECT 1, id, 'claimed', 0, 0 FROM job")
            try db.execute(sql: "INSERT INTO job_send (target_id, job_id, state, attempts, updated_at) SELECT 2, id, 'pending', 0, 0 FROM job WHERE id <= 3")
        }
        try expectAgree(queue, "inserts")
        try queue.write { db in
            try db.execute(sql: "UPDATE job_send SET state = 'in_flight' WHERE target_id = 1 AND job_id <= 4")
            try db.execute(sql: "UPDATE job_send SET state = 'succeeded', attempts = 1 WHERE target_id = 1 AND job_id <= 2")
            try db.execute(sql: "UPDATE job_send SET state = 'failed' WHERE target_id = 1 AND job_id = 3")
            try db.execute(sql: "UPDATE job_send SET attempts = attempts + 1, last_message = 'x' WHERE target_id = 2")
        }
        try expectAgree(queue, "updates")
        try queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO job_send (target_id, job_id, state, attempts, updated_at) VALUES (1, 1, 'failed', 2, 0)")
            try db.execute(sql: "INSERT OR REPLACE INTO job_send (target_id, job_id, state, attempts, updated_at) VALUES (2, 6, 'succeeded', 1, 0)")
            try db.execute(sql: "DELETE FROM job_send WHERE target_id = 2 AND job_id = 2")
        }
        try expectAgree(queue, "replace and delete")
        #expect(throws: (any Error).self) {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO job_send (target_id, job_id, state, attempts, updated_at) VALUES (1, 5, 'succeeded', 1, 0)")
            }
        }
        try? queue.write { db in
            try db.execute(sql: "UPDATE job_send SET state = 'succeeded' WHERE target_id = 1")
            throw BackfillError("test", "rolled back")
        }
        try expectAgree(queue, "a failed insert and a rolled-back transaction change nothing")
        // Status from the counts equals status from the rows: target 1 has 1 succeeded, 2 failed, 1 in flight.
        let jobs = try queue.read { try StatusSummary.jobCounts($0, targetID: 1) }
        #expect(jobs["succeeded"] == 1 && jobs["failed"] == 2 && jobs["in_flight"] == 1 && jobs["pending"] == 2, "\(jobs)")
    }
}
