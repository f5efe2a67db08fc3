import GRDB

/// An email address a participant had and gave up, and the instant of the row that changed it
/// (`email_release`).
public struct EmailRelease: Sendable, Equatable {
    public var email: String
    public var releasedAt: Int64

    public init(email: String, releasedAt: Int64) {
        self.email = email
        self.releasedAt = releasedAt
    }
}

/// One change of jurisdiction in a participant's accepted history (`jurisdiction_move`).
public struct JurisdictionMove: Sendable, Equatable {
    /// Where a participant is: its country as folded (alpha-3 under `zerohash`, the seed's name under `ndax`), its
    /// state as folded (`NY`), and the ISO 3166-2 code when it is known (`US-NY`).
    public struct Place: Sendable, Equatable {
        public var country: String
        public var state: String?
        public var code: String?

        public init(country: String, state: String?, code: String?) {
            self.country = country
            self.state = state
            self.code = code
        }

        /// The same jurisdiction: the same code, or the same country with no code on either side (bytes compared).
        public static func == (a: Place, b: Place) -> Bool {
            if a.code != nil || b.code != nil { return a.code.map(Array.init) == b.code.map(Array.init) }
            return Array(a.country.utf8) == Array(b.country.utf8)
                && a.state.map { Array($0.utf8) } == b.state.map { Array($0.utf8) }
        }
    }

    public var movedAt: Int64
    public var from: Place
    public var to: Place

    public init(movedAt: Int64, from: Place, to: Place) {
        self.movedAt = movedAt
        self.from = from
        self.to = to
    }
}

/// Writes each folded participant's released emails and jurisdiction moves, replacing what an earlier fold of
/// the participant wrote.
package struct TimelineWriter {
    private let release: FastStatement
    private let move: FastStatement
    private let deleteReleases: FastStatement?
    private let deleteMoves: FastStatement?

    package init(_ db: Database) throws {
        release = try FastStatement(db, sql: "INSERT OR REPLACE INTO email_release (participant_code, email, released_at) VALUES (?1, ?2, ?3)")
        move = try FastStatement(db, sql: """
            INSERT OR REPLACE INTO jurisdiction_move (participant_code, moved_at, from_country, from_state, from_code,
                                                      to_country, to_state, to_code)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        // Into tables with nothing stored yet (a first ingest) no participant needs a delete.
        let anyReleases = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM email_release)") ?? false
        let anyMoves = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM jurisdiction_move)") ?? false
        deleteReleases = anyReleases ? try FastStatement(db, sql: "DELETE FROM email_release WHERE participant_code = ?") : nil
        deleteMoves = anyMoves ? try FastStatement(db, sql: "DELETE FROM jurisdiction_move WHERE participant_code = ?") : nil
    }

    package func write(participantCode: String, releases: [EmailRelease], moves: [JurisdictionMove]) throws {
        if let deleteReleases {
            deleteReleases.bind(1, participantCode)
            try deleteReleases.execute()
        }
        if let deleteMoves {
            deleteMoves.bind(1, participantCode)
            try deleteMoves.execute()
        }
        for r in releases {
            release.bind(1, participantCode)
            release.bind(2, r.email)
            release.bind(3, r.releasedAt)
            try release.execute()
        }
        for m in moves {
            move.bind(1, participantCode)
            move.bind(2, m.movedAt)
            move.bind(3, m.from.country)
            move.bind(4, m.from.state)
            move.bind(5, m.from.code)
            move.bind(6, m.to.country)
            move.bind(7, m.to.state)
            move.bind(8, m.to.code)
            try move.execute()
        }
    }
}
