import GRDB

/// A field a 200 echoed back with another value than the one sent (`echo_mismatch`): the job succeeded, and this
/// says where the API's record differs from what the backfill sent.
public struct EchoMismatch: Sendable, Equatable, Codable {
    public var field: String
    public var sent: String
    /// Nil: the answer left the field out.
    public var echoed: String?

    public init(field: String, sent: String, echoed: String?) {
        self.field = field
        self.sent = sent
        self.echoed = echoed
    }
}

extension EchoMismatch {
    /// What a purged value reads as.
    public static let purged = "(purged)"

    /// The line status and the summary print for `jobs` jobs with `fields` differences in all.
    public static func line(jobs: Int, fields: Int) -> String {
        "echo mismatches: \(jobs) job\(jobs == 1 ? "" : "s") (\(fields) field\(fields == 1 ? "" : "s")) succeeded but the answer "
            + "echoed another value than the one sent; backfill explain CODE shows each"
    }
}

/// Reads of `echo_mismatch`.
package enum EchoMismatchReads {
    /// Jobs on one target whose answer echoed a difference, and the differences.
    package static func count(_ db: Database, targetID: Int64?) throws -> (jobs: Int, fields: Int) {
        guard let targetID else { return (0, 0) }
        let row = try Row.fetchOne(db, sql: """
            SELECT count(DISTINCT job_id), count(*) FROM echo_mismatch WHERE target_id = ?
            """, arguments: [targetID])
        return (row?[0] ?? 0, row?[1] ?? 0)
    }

    /// One job's differences on every target, by target name order of the sends.
    package static func of(_ db: Database, jobID: Int64) throws -> [(targetID: Int64, mismatch: EchoMismatch)] {
        try Row.fetchAll(db, sql: """
            SELECT target_id, field, sent, echoed FROM echo_mismatch WHERE job_id = ? ORDER BY target_id, id
            """, arguments: [jobID]).map { ($0[0], mismatch($0, from: 1)) }
    }

    /// The mismatch in columns `field, sent, echoed` from `index`; a purged one (`sent` NULL) says so.
    private static func mismatch(_ row: Row, from index: Int) -> EchoMismatch {
        guard let sent: String = row[index + 1] else {
            return EchoMismatch(field: row[index], sent: EchoMismatch.purged, echoed: EchoMismatch.purged)
        }
        return EchoMismatch(field: row[index], sent: sent, echoed: row[index + 2])
    }

    /// The first `limit` differences on a target, with their participant.
    package static func first(_ db: Database, targetID: Int64?, limit: Int) throws -> [(participantCode: String, mismatch: EchoMismatch)] {
        guard let targetID else { return [] }
        return try Row.fetchAll(db, sql: """
            SELECT j.participant_code, e.field, e.sent, e.echoed FROM echo_mismatch e JOIN job j ON j.id = e.job_id
            WHERE e.target_id = ? ORDER BY e.id LIMIT ?
            """, arguments: [targetID, limit]).map { ($0[0], mismatch($0, from: 1)) }
    }
}
