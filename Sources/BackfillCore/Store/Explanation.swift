import Foundation
import GRDB
import ParticipantAPI

/// Everything `backfill explain` shows about one participant: its rows in fold order, the resulting body,
/// request_id and state, or why it is held.
public struct Explanation: Sendable, Codable {
    public struct SourceRow: Sendable, Codable {
        /// `file:line`.
        public var source: String
        public var platformUpdatedAt: Int64?
        public var status: String
        /// Provided normalized fields by canonical name.
        public var fields: [String: String]
        public var rejection: String?

        enum CodingKeys: String, CodingKey {
            case source, status, fields, rejection
            case platformUpdatedAt = "platform_updated_at"
        }
    }

    public struct JobVersion: Sendable, Codable {
        public var id: Int64
        public var state: String
        public var isCurrent: Bool
        public var requestID: String?
        /// The exact body bytes as text.
        public var body: String?
        public var holdReasons: [Fold.HoldReason]
        /// Other participants whose folded email is the same.
        public var emailConflictWith: [String]

        enum CodingKeys: String, CodingKey {
            case id, state, body
            case isCurrent = "is_current"
            case requestID = "request_id"
            case holdReasons = "hold_reasons"
            case emailConflictWith = "email_conflict_with"
        }
    }

    public var participantCode: String
    public var rows: [SourceRow]
    /// Newest first; the first is current.
    public var jobs: [JobVersion]

    enum CodingKeys: String, CodingKey {
        case rows, jobs
        case participantCode = "participant_code"
    }

    /// Nil when the database knows nothing of the participant.
    public static func read(_ db: Database, participantCode raw: String) throws -> Explanation? {
        let code = ValueNormalizer.participantCode(raw) ?? raw
        let fieldColumns = Field.allCases.map { "r.\($0.name)" }.joined(separator: ", ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT f.path, r.line, r.platform_updated_at, r.status, r.reject_message, \(fieldColumns)
            FROM input_row r JOIN source_file f ON f.id = r.file_id
            WHERE r.participant_code = ?
            ORDER BY r.platform_updated_at, r.id
            """, arguments: [code]).map { row -> SourceRow in
            var fields: [String: String] = [:]
            for field in Field.allCases {
                if let v: String = row[field.name] { fields[field.name] = v }
            }
            let path: String = row["path"]
            return SourceRow(source: "\(inputDisplayName(path)):\(row["line"] as Int64)",
                             platformUpdatedAt: row["platform_updated_at"], status: row["status"],
                             fields: fields, rejection: row["reject_message"])
        }
        let jobs = try Row.fetchAll(db, sql: """
            SELECT id, state, is_current, request_id, body, hold_reasons, email, email_conflict
            FROM job WHERE participant_code = ? ORDER BY is_current DESC, id DESC
            """, arguments: [code]).map { row -> JobVersion in
            let holds: String? = row["hold_reasons"]
            let reasons = try holds.map { try JSONDecoder().decode([Fold.HoldReason].self, from: Data($0.utf8)) } ?? []
            var conflicts: [String] = []
            if (row["email_conflict"] as Int) == 1, let email: String = row["email"] {
                conflicts = try String.fetchAll(db, sql: """
                    SELECT participant_code FROM job WHERE is_current = 1 AND email = ? AND participant_code != ?
                    ORDER BY participant_code
                    """, arguments: [email, code])
            }
            let body: Data? = row["body"]
            return JobVersion(id: row["id"], state: row["state"], isCurrent: row["is_current"],
                              requestID: row["request_id"], body: body.map { String(decoding: $0, as: UTF8.self) },
                              holdReasons: reasons, emailConflictWith: conflicts)
        }
        if rows.isEmpty && jobs.isEmpty { return nil }
        return Explanation(participantCode: code, rows: rows, jobs: jobs)
    }
}
