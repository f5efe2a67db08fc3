import GRDB
import ParticipantAPI

/// An ID change the contract does not send (`zerohash`): it needs a supporting document
/// (`POST /participants/documents`) instead of a PATCH. One row of `document_need` per participant.
public struct DocumentNeed: Sendable, Equatable, Codable {
    public var participantCode: String
    public var idNumberType: String?
    public var platformUpdatedAt: Int64
    /// `file:line` of the rows that changed the ID.
    public var sources: [String]
    /// What the ID change lacks, in the API's words (`id_number required field`); it does not hold the
    /// participant, whose other changes are sent, but the document upload will need it.
    public var problem: String?

    public init(participantCode: String, idNumberType: String?, platformUpdatedAt: Int64, sources: [String], problem: String? = nil) {
        self.participantCode = participantCode
        self.idNumberType = idNumberType
        self.platformUpdatedAt = platformUpdatedAt
        self.sources = sources
        self.problem = problem
    }

    enum CodingKeys: String, CodingKey {
        case sources, problem
        case participantCode = "participant_code"
        case idNumberType = "id_number_type"
        case platformUpdatedAt = "platform_updated_at"
    }

    /// What status, explain and the reports say of it.
    public static let what = "needs a supporting document (POST /participants/documents)"

    /// The line status and the summary print for `count` participants.
    public static func line(count: Int) -> String {
        "ID changes not sent: \(count) participant\(count == 1 ? "" : "s") whose ID change \(what)"
    }
}

/// Writes each folded participant's ID change that is not sent (or clears one that no longer is).
package struct DocumentNeedWriter {
    private let upsert: FastStatement
    private let delete: FastStatement?
    private let now: Int64

    /// `anyStored`: some participant is listed already (else a participant with no ID change needs no delete).
    package init(_ db: Database, now: Int64) throws {
        self.now = now
        upsert = try FastStatement(db, sql: """
            INSERT INTO document_need (participant_code, id_number_type, platform_updated_at, sources, updated_at, problem)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            ON CONFLICT (participant_code) DO UPDATE SET id_number_type = ?2, platform_updated_at = ?3, sources = ?4,
                updated_at = ?5, problem = ?6
            """)
        let anyStored = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM document_need)") ?? false
        delete = anyStored ? try FastStatement(db, sql: "DELETE FROM document_need WHERE participant_code = ?") : nil
    }

    package func write(_ need: DocumentNeed?, participantCode: String) throws {
        if let need {
            upsert.bind(1, need.participantCode)
            upsert.bind(2, need.idNumberType)
            upsert.bind(3, need.platformUpdatedAt)
            upsert.bind(4, need.sources.joined(separator: ";"))
            upsert.bind(5, now)
            upsert.bind(6, need.problem)
            try upsert.execute()
        } else if let delete {
            delete.bind(1, participantCode)
            try delete.execute()
        }
    }
}

/// Reads of `document_need`.
package enum DocumentNeedReads {
    package static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM document_need") ?? 0
    }

    package static func of(_ db: Database, participantCode: String) throws -> DocumentNeed? {
        try Row.fetchOne(db, sql: """
            SELECT participant_code, id_number_type, platform_updated_at, sources, problem FROM document_need WHERE participant_code = ?
            """, arguments: [participantCode]).map(need)
    }

    /// Every listed participant, by code.
    package static func forEach(_ db: Database, _ body: (DocumentNeed) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT participant_code, id_number_type, platform_updated_at, sources, problem FROM document_need ORDER BY participant_code
            """)
        while let row = try cursor.next() { try body(need(row)) }
    }

    private static func need(_ row: Row) -> DocumentNeed {
        let sources: String = row[3]
        return DocumentNeed(participantCode: row[0], idNumberType: row[1], platformUpdatedAt: row[2],
                            sources: sources.split(separator: ";").map(String.init), problem: row[4])
    }
}
