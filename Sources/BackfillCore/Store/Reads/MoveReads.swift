import GRDB

/// A participant's state on the target as the moves report writes it: sent (succeeded there), failed, held, or
/// pending (anything else: not sent yet, in flight, blocked).
public enum MoveState: String, Sendable, CaseIterable, SQLWord, DatabaseValueConvertible {
    case sent, pending, held, failed
}

/// One jurisdiction move as `report --moves` lists it, with the participant's state on the target.
public struct MoveRow: Sendable, Equatable {
    public var participantCode: String
    public var movedAt: Int64
    public var move: JurisdictionMove
    /// `sent`, `pending`, `held` or `failed`: the state on the target of the job that carries the move (latest
    /// mode: the participant's job; history mode: the step at or after the move's instant).
    public var state: MoveState
}

/// The store's read for `backfill report --moves`.
package enum MoveReads {
    /// Every move, by participant and instant.
    package static func forEach(_ db: Database, scope: TargetScope, _ body: (MoveRow) throws -> Void) throws {
        let target = scope.stored?.id ?? -1
        let state = """
            CASE WHEN s.state = \(SendState.succeeded.sql) THEN \(MoveState.sent.sql)
                 WHEN s.state = \(SendState.failed.sql) THEN \(MoveState.failed.sql)
                 WHEN j.state = \(JobState.held.sql) THEN \(MoveState.held.sql) ELSE \(MoveState.pending.sql) END
            """
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT m.participant_code, m.moved_at, m.from_country, m.from_state, m.from_code, m.to_country, m.to_state, m.to_code,
                   coalesce(
                       (SELECT \(state) FROM job j LEFT JOIN job_send s ON s.target_id = ?1 AND s.job_id = j.id
                        WHERE j.participant_code = m.participant_code AND j.is_current = 1 AND j.platform_updated_at >= m.moved_at
                        ORDER BY j.step LIMIT 1),
                       (SELECT \(state) FROM job j LEFT JOIN job_send s ON s.target_id = ?1 AND s.job_id = j.id
                        WHERE j.participant_code = m.participant_code AND j.is_current = 1
                        ORDER BY j.step DESC LIMIT 1))
            FROM jurisdiction_move m
            ORDER BY m.participant_code, m.moved_at
            """, arguments: [target])
        while let r = try cursor.next() {
            let move = JurisdictionMove(movedAt: r[1],
                                        from: .init(country: r[2] ?? "", state: r[3], code: r[4]),
                                        to: .init(country: r[5] ?? "", state: r[6], code: r[7]))
            try body(MoveRow(participantCode: r[0], movedAt: r[1], move: move, state: r[8] ?? .pending))
        }
    }
}
