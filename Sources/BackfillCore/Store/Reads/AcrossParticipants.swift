import GRDB
import ParticipantAPI

/// Where the email rules that span participants stand on a target: handovers planned and applied, takers
/// blocked by a giver that failed or is held, participants held in a cycle, and the answers "email already used"
/// from holders the input does not show (sent again at the end of the run, then `email_taken`).
public struct EmailRuleCounts: Sendable, Equatable, Codable {
    /// Current jobs (history mode: steps) that take an address another participant gives up, and wait for it.
    public var handovers = 0
    /// Of those, the ones that succeeded on the target (after their givers).
    public var handedOver = 0
    /// Of those, the ones blocked: a giver failed there or is held (`retry` or a fix unblocks them).
    public var blocked = 0
    /// Participants held because they are in an email cycle (a swap).
    public var cycleParticipants = 0
    /// Jobs refused once because someone else held the address, that succeeded when sent again at the end.
    public var resentAfterWait = 0
    /// Jobs refused again after waiting: failed `email_taken`.
    public var emailTaken = 0
    /// Jobs waiting now for the end of the run to be sent again.
    public var waitingForEnd = 0

    public init() {}

    public var isEmpty: Bool { self == EmailRuleCounts() }

    enum CodingKeys: String, CodingKey {
        case handovers, blocked
        case handedOver = "handed_over"
        case cycleParticipants = "cycle_participants"
        case resentAfterWait = "resent_after_wait"
        case emailTaken = "email_taken"
        case waitingForEnd = "waiting_for_end_of_run"
    }

    /// One line for `status`, the summary and the run: nil when no rule applied.
    public var line: String? {
        guard !isEmpty else { return nil }
        var parts: [String] = []
        if handovers > 0 {
            parts.append("\(handovers) handover\(handovers == 1 ? "" : "s") (\(handedOver) applied after the giver, \(blocked) blocked by a giver that failed or is held)")
        }
        if cycleParticipants > 0 { parts.append("\(cycleParticipants) participant\(cycleParticipants == 1 ? "" : "s") held in email cycles") }
        if resentAfterWait + emailTaken + waitingForEnd > 0 {
            parts.append("held by someone outside the input: \(resentAfterWait) applied when sent again, \(emailTaken) email_taken"
                         + (waitingForEnd > 0 ? ", \(waitingForEnd) waiting for the end of the run" : ""))
        }
        return "emails: " + parts.joined(separator: "; ")
    }

    /// Reads the counts on the target with row id `targetID` (nil: nothing sent anywhere yet). Index lookups only:
    /// status stays fast on a large database.
    package static func read(_ db: Database, targetID: Int64?) throws -> EmailRuleCounts {
        var c = EmailRuleCounts()
        let target = targetID ?? -1
        let planned = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM email_handover)") ?? false
        if planned {
            c.handovers = try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT h.taker_job_id) FROM email_handover h JOIN job t ON t.id = h.taker_job_id
                WHERE t.is_current = 1 AND t.email_cycle IS NULL
                """) ?? 0
            c.handedOver = try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT h.taker_job_id) FROM email_handover h
                JOIN job t ON t.id = h.taker_job_id AND t.is_current = 1 AND t.email_cycle IS NULL
                JOIN job_send s ON s.target_id = ?1 AND s.job_id = t.id AND s.state = \(SendState.succeeded.sql)
                """, arguments: [target]) ?? 0
            c.blocked = try Int.fetchOne(db, sql: """
                WITH RECURSIVE \(EmailBlocked.cte(target: "?1"))
                SELECT count(DISTINCT b.id) FROM email_blocked b JOIN job n ON n.id = b.id
                WHERE n.is_current = 1 AND n.state = \(JobState.pending.sql)
                  AND NOT EXISTS (SELECT 1 FROM job_send s WHERE s.target_id = ?1 AND s.job_id = n.id AND s.state IN \(SendState.sent.sql))
                """, arguments: [target]) ?? 0
            c.cycleParticipants = try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT participant_code) FROM job
                WHERE is_current = 1 AND email_cycle IS NOT NULL AND id IN (SELECT taker_job_id FROM email_handover)
                """) ?? 0
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT state, deferred, error_class, count(*) AS n FROM job_send INDEXED BY job_send_deferred
            WHERE target_id = ?1 AND deferred != 0 GROUP BY state, deferred, error_class
            """, arguments: [target]) {
            let n: Int = row["n"]
            let state: SendState = row["state"]
            switch state {
            case .succeeded: c.resentAfterWait += n
            case .failed: if (row["error_class"] as ErrorClass?) == .emailTaken { c.emailTaken += n }
            case .pending, .claimed, .inFlight: if (row["deferred"] as Int) == 1 { c.waitingForEnd += n }
            }
        }
        return c
    }
}

/// Counts of jurisdiction moves for `status` and the page: every move, and into and out of each watched
/// jurisdiction.
public struct MoveCounts: Sendable, Equatable, Codable {
    public struct Watched: Sendable, Equatable, Codable {
        public var jurisdiction: String
        public var into: Int
        public var outOf: Int

        enum CodingKeys: String, CodingKey {
            case jurisdiction, into
            case outOf = "out_of"
        }
    }

    public var moves: Int
    public var participants: Int
    public var watched: [Watched]

    public init(moves: Int, participants: Int, watched: [Watched]) {
        self.moves = moves
        self.participants = participants
        self.watched = watched
    }

    /// `moves: 12 (9 participants); US-NY: 3 into, 2 out of`.
    public var line: String {
        var text = "jurisdiction moves: \(moves) (\(participants) participant\(participants == 1 ? "" : "s"))"
        for w in watched { text += "; \(w.jurisdiction): \(w.into) into, \(w.outOf) out of" }
        return text
    }

    /// `watch`: ISO 3166-2 codes (`US-NY`).
    package static func read(_ db: Database, watch: [String]) throws -> MoveCounts {
        // One pass over the list, whatever the number of watched jurisdictions.
        var columns = ["count(*)", "count(DISTINCT participant_code)"]
        var arguments: [String] = []
        for (i, code) in watch.enumerated() {
            arguments.append(code)
            columns.append("coalesce(sum(to_code IS ?\(i + 1) AND from_code IS NOT ?\(i + 1)), 0)")
            columns.append("coalesce(sum(from_code IS ?\(i + 1) AND to_code IS NOT ?\(i + 1)), 0)")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM jurisdiction_move",
                                         arguments: StatementArguments(arguments)) else {
            return MoveCounts(moves: 0, participants: 0, watched: [])
        }
        return MoveCounts(moves: row[0], participants: row[1],
                          watched: watch.enumerated().map { Watched(jurisdiction: $1, into: row[2 + 2 * $0], outOf: row[3 + 2 * $0]) })
    }
}
