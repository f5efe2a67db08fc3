import Foundation
import GRDB
import ParticipantAPI

extension JobStore {
    /// Holds every unsent current job whose folded email another participant also has, and releases jobs
    /// whose conflict is gone (unless the fold holds them).
    package func applyEmailUniqueness(mode: IngestMode = .latest, now: Int64) throws {
        if mode == .history {
            try applyEmailUniquenessOnTimeline(now: now)
        } else {
            try applyEmailUniquenessLatest(now: now)
        }
        try planEmailHandovers(mode: mode, now: now)
    }

    private func applyEmailUniquenessLatest(now: Int64) throws {
        let dup = "SELECT email FROM job WHERE is_current = 1 AND email IS NOT NULL GROUP BY email HAVING count(*) > 1"
        try db.execute(sql: """
            UPDATE job SET email_conflict = 1, state = \(JobState.held.sql), updated_at = ?1
            WHERE is_current = 1 AND state IN \([JobState.pending, .held].sql) AND email_conflict = 0 AND email IN (\(dup))
            """, arguments: [now])
        try db.execute(sql: """
            UPDATE job SET email_conflict = 0, updated_at = ?1,
                           state = CASE WHEN hold_reasons IS NULL AND email_cycle IS NULL AND state = \(JobState.held.sql) THEN \(JobState.pending.sql) ELSE state END
            WHERE is_current = 1 AND email_conflict = 1 AND email NOT IN (\(dup))
            """, arguments: [now])
    }

    /// History mode: each step holds the participant's email from its instant until the next step's. Two
    /// participants conflict when one email is theirs at the same instant; every current step of both is held
    /// (unless sent: a sent state wins), and participants whose conflict is gone are released.
    private func applyEmailUniquenessOnTimeline(now: Int64) throws {
        try db.execute(sql: "CREATE TEMP TABLE email_clash (code TEXT PRIMARY KEY) WITHOUT ROWID")
        defer { try? db.execute(sql: "DROP TABLE temp.email_clash") }
        // Each step's interval, for the participants that share an address, indexed by address: the join below
        // then looks each interval's address up instead of walking every other interval.
        try db.execute(sql: """
            CREATE TEMP TABLE email_interval AS
            WITH shared AS (
                SELECT email FROM job WHERE is_current = 1 AND email IS NOT NULL
                GROUP BY email HAVING count(DISTINCT participant_code) > 1)
            SELECT participant_code, email, coalesce(platform_updated_at, 0) AS from_t,
                   coalesce(lead(platform_updated_at) OVER (PARTITION BY participant_code ORDER BY step),
                            9223372036854775807) AS to_t
            FROM job
            WHERE is_current = 1
              AND participant_code IN (SELECT participant_code FROM job WHERE is_current = 1 AND email IN shared)
            """)
        defer { try? db.execute(sql: "DROP TABLE temp.email_interval") }
        try db.execute(sql: "CREATE INDEX temp.email_interval_email ON email_interval(email)")
        try db.execute(sql: """
            INSERT OR IGNORE INTO email_clash
            SELECT a.participant_code FROM email_interval a JOIN email_interval b
              ON b.email = a.email AND b.participant_code != a.participant_code AND a.from_t < b.to_t AND b.from_t < a.to_t
            WHERE a.email IS NOT NULL
            """)
        try db.execute(sql: """
            UPDATE job SET email_conflict = 1, state = \(JobState.held.sql), updated_at = ?1
            WHERE is_current = 1 AND state IN \([JobState.pending, .held].sql) AND email_conflict = 0
              AND participant_code IN (SELECT code FROM email_clash)
            """, arguments: [now])
        try db.execute(sql: """
            UPDATE job SET email_conflict = 0, updated_at = ?1,
                           state = CASE WHEN hold_reasons IS NULL AND email_cycle IS NULL AND state = \(JobState.held.sql) THEN \(JobState.pending.sql) ELSE state END
            WHERE is_current = 1 AND email_conflict = 1 AND participant_code NOT IN (SELECT code FROM email_clash)
            """, arguments: [now])
    }


    /// Plans the email handovers (`email_handover`): a current job (or step) that takes an address another
    /// participant had earlier in the input history and has since given up waits for the giver's job (or step)
    /// that gives it up. Latest mode reads the fold's `email_release`; history mode reads its steps' emails (a
    /// step takes the address it changes to, and waits for the latest step of another participant that gave that
    /// address up at or before its instant). Then holds every participant of a cycle of handovers (a swap) and
    /// releases those no longer in one.
    private func planEmailHandovers(mode: IngestMode, now: Int64) throws {
        try db.execute(sql: "DELETE FROM email_handover")
        if mode == .history {
            // The steps of the participants that share an address with another, each with the address before it;
            // indexed by that address, so that each take finds its give without a walk over the others.
            try db.execute(sql: """
                CREATE TEMP TABLE email_step AS
                WITH shared AS (
                    SELECT email FROM job WHERE is_current = 1 AND email IS NOT NULL
                    GROUP BY email HAVING count(DISTINCT participant_code) > 1)
                SELECT id, participant_code, email, coalesce(platform_updated_at, 0) AS at,
                       lag(email) OVER (PARTITION BY participant_code ORDER BY step) AS prev
                FROM job
                WHERE is_current = 1 AND state != \(JobState.superseded.sql)
                  AND participant_code IN (SELECT participant_code FROM job WHERE is_current = 1 AND email IN shared)
                """)
            defer { try? db.execute(sql: "DROP TABLE temp.email_step") }
            try db.execute(sql: "CREATE INDEX temp.email_step_prev ON email_step(prev, at)")
            try db.execute(sql: """
                INSERT OR IGNORE INTO email_handover (taker_job_id, giver_job_id, email)
                SELECT taker, giver, email FROM (
                    SELECT t.id AS taker, t.email AS email,
                           (SELECT g.id FROM email_step g
                            WHERE g.prev = t.email AND g.at <= t.at AND (g.email IS NULL OR g.email != g.prev)
                              AND g.participant_code != t.participant_code
                            ORDER BY g.at DESC, g.id DESC LIMIT 1) AS giver
                    FROM email_step t
                    WHERE t.email IS NOT NULL AND (t.prev IS NULL OR t.prev != t.email))
                WHERE giver IS NOT NULL
                """)
        } else {
            try db.execute(sql: """
                INSERT OR IGNORE INTO email_handover (taker_job_id, giver_job_id, email)
                SELECT t.id, g.id, r.email
                -- CROSS JOIN keeps this order: the few released addresses first, each looked up by email and by
                -- participant (left to itself, the planner may walk every current job twice over).
                FROM email_release r
                CROSS JOIN job t CROSS JOIN job g
                WHERE t.email = r.email AND t.is_current = 1 AND t.participant_code != r.participant_code
                  AND g.participant_code = r.participant_code AND g.is_current = 1
                  AND t.state != \(JobState.superseded.sql) AND g.state != \(JobState.superseded.sql)
                  AND (g.email IS NULL OR g.email != r.email)
                """)
        }
        // Cycles: strongly connected groups of jobs in the handover graph.
        var edges: [Int64: [Int64]] = [:]
        var codes: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT h.taker_job_id, h.giver_job_id, t.participant_code, g.participant_code
            FROM email_handover h JOIN job t ON t.id = h.taker_job_id JOIN job g ON g.id = h.giver_job_id
            """) {
            edges[row[0], default: []].append(row[1])
            codes[row[0]] = row[2]
            codes[row[1]] = row[3]
        }
        var cycleOthers: [String: Set<String>] = [:]
        for component in EmailCycles.components(edges) where component.count > 1 {
            let members = Set(component.compactMap { codes[$0] })
            guard members.count > 1 else { continue }
            for code in members { cycleOthers[code, default: []].formUnion(members.subtracting([code])) }
        }
        try db.execute(sql: "CREATE TEMP TABLE email_cycle_member (code TEXT PRIMARY KEY, others TEXT NOT NULL) WITHOUT ROWID")
        defer { try? db.execute(sql: "DROP TABLE temp.email_cycle_member") }
        let insert = try db.makeStatement(sql: "INSERT INTO email_cycle_member (code, others) VALUES (?, ?)")
        for (code, others) in cycleOthers {
            try insert.execute(arguments: [code, others.sorted().joined(separator: ", ")])
        }
        try db.execute(sql: """
            UPDATE job SET email_cycle = (SELECT others FROM email_cycle_member WHERE code = job.participant_code),
                           state = \(JobState.held.sql), updated_at = ?1
            WHERE is_current = 1 AND state IN \([JobState.pending, .held].sql)
              AND participant_code IN (SELECT code FROM email_cycle_member)
            """, arguments: [now])
        try db.execute(sql: """
            UPDATE job SET email_cycle = NULL, updated_at = ?1,
                           state = CASE WHEN hold_reasons IS NULL AND email_conflict = 0 AND state = \(JobState.held.sql) THEN \(JobState.pending.sql) ELSE state END
            WHERE is_current = 1 AND email_cycle IS NOT NULL AND participant_code NOT IN (SELECT code FROM email_cycle_member)
            """, arguments: [now])
    }
}

/// Strongly connected components of a directed graph (Tarjan's algorithm, iterative): a component of more than
/// one node is a cycle of email handovers.
package enum EmailCycles {
    package static func components(_ edges: [Int64: [Int64]]) -> [[Int64]] {
        var index: [Int64: Int] = [:]
        var low: [Int64: Int] = [:]
        var onStack = Set<Int64>()
        var stack: [Int64] = []
        var next = 0
        var out: [[Int64]] = []
        let nodes = Set(edges.keys).union(edges.values.joined()).sorted()
        for root in nodes where index[root] == nil {
            // (node, position in its edge list)
            var work: [(Int64, Int)] = [(root, 0)]
            index[root] = next; low[root] = next; next += 1
            stack.append(root); onStack.insert(root)
            while let (node, i) = work.last {
                let targets = edges[node] ?? []
                if i < targets.count {
                    work[work.count - 1].1 = i + 1
                    let to = targets[i]
                    if index[to] == nil {
                        index[to] = next; low[to] = next; next += 1
                        stack.append(to); onStack.insert(to)
                        work.append((to, 0))
                    } else if onStack.contains(to) {
                        low[node] = min(low[node]!, index[to]!)
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.0 { low[parent] = min(low[parent]!, low[node]!) }
                if low[node] == index[node] {
                    var component: [Int64] = []
                    while let top = stack.popLast() {
                        onStack.remove(top)
                        component.append(top)
                        if top == node { break }
                    }
                    out.append(component)
                }
            }
        }
        return out
    }
}
