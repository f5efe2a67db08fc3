import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import GRDB
import ParticipantAPI
import Testing

extension EndToEnd {
    /// One database sent to two targets (two sandboxes stand in for, say, cert and prod): each target has its
    /// own sending state, so a rehearsal on one never counts as sent on the other, a canary on one leaves the
    /// rest pending there, a changed participant is pending again everywhere, and a retry on one target does
    /// not touch the other.
    @Suite struct TargetTests {
        let workspace = Workspace()
        static let participants = 40

        static func target(_ sandbox: RunningSandbox) -> Target { Target(profile: .zerohash, baseURL: sandbox.baseURL) }

        func run(_ db: DatabaseQueue, on sandbox: RunningSandbox,
                 _ configure: (inout RunConfiguration) -> Void = { _ in }) async throws -> RunSummary {
            try await runOffThePool(database: db, configuration: sandbox.runConfiguration(configure),
                                    credentials: sandbox.clientCredentials)
        }

        /// `backfill status` as it describes `sandbox`'s target.
        func status(_ db: DatabaseQueue, on sandbox: RunningSandbox) throws -> StatusSummary {
            try db.read { db in try StatusSummary.read(db, scope: try TargetScope.resolve(db, target: Self.target(sandbox))) }
        }

        /// Jobs by state on a target, every state present.
        static func jobs(pending: Int = 0, held: Int = 0, inFlight: Int = 0, succeeded: Int = 0, failed: Int = 0) -> JobCounts {
            ["pending": pending, "held": held, "in_flight": inFlight, "succeeded": succeeded, "failed": failed]
        }

        /// Ledger rows on `sandbox`'s target: how many, and how many distinct jobs they are for.
        func attempts(_ db: DatabaseQueue, on sandbox: RunningSandbox) throws -> (rows: Int, jobs: Int) {
            try db.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT count(*) AS n, count(DISTINCT a.job_id) AS jobs FROM attempt a JOIN target t ON t.id = a.target_id
                    WHERE t.base_url = ?
                    """, arguments: [sandbox.baseURL])!
                return (row["n"], row["jobs"])
            }
        }

        /// Every sending row of `sandbox`'s target, quoted: equal lists mean the target was not touched.
        func sendingRows(_ db: DatabaseQueue, on sandbox: RunningSandbox) throws -> [String] {
            try db.read { db in
                try String.fetchAll(db, sql: """
                    SELECT s.job_id || '|' || s.state || '|' || s.attempts || '|' || quote(s.next_attempt_at) || '|' ||
                           quote(s.last_status) || '|' || quote(s.error_class) || '|' || s.updated_at
                    FROM job_send s JOIN target t ON t.id = s.target_id WHERE t.base_url = ? ORDER BY s.job_id
                    """, arguments: [sandbox.baseURL])
            }
        }

        @Test func aSecondTargetGetsEveryReadyJobOnceAndTheFirstKeepsItsCounts() async throws {
            let n = Self.participants
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(n, into: db)
            try await withSandbox { a in
                try await withSandbox { b in
                    let onA = try await run(db, on: a)
                    #expect(onA.exitCode == 0 && onA.succeeded == n)
                    #expect(onA.target == a.baseURL)
                    let answeredByA = a.snapshot().requestsAnswered

                    let onB = try await run(db, on: b)
                    #expect(onB.exitCode == 0)
                    #expect(onB.succeeded == n && onB.attempts == n)
                    #expect(onB.target == b.baseURL)
                    let stateB = b.snapshot()
                    #expect(stateB.updatesApplied == n)
                    #expect(stateB.idempotentReplays == 0)
                    for code in codes { #expect(stateB.participant(code)?.updatesApplied == 1, "participant \(code) on B") }
                    // Nothing went to A the second time.
                    #expect(a.snapshot().requestsAnswered == answeredByA)
                    #expect(a.snapshot().updatesApplied == n)
                    #expect(try attempts(db, on: a) == (n, n))
                    #expect(try attempts(db, on: b) == (n, n))

                    // B's attempts belong to B's run.
                    let runs: [Row] = try await db.read { db in
                        try Row.fetchAll(db, sql: """
                            SELECT r.id, t.base_url, (SELECT count(*) FROM attempt x WHERE x.run_id = r.id AND x.target_id = r.target_id) AS own
                            FROM run r JOIN target t ON t.id = r.target_id ORDER BY r.id
                            """)
                    }
                    #expect(runs.map { $0["base_url"] as String } == [a.baseURL, b.baseURL])
                    #expect(runs.map { $0["own"] as Int } == [n, n])

                    let statusA = try status(db, on: a)
                    let statusB = try status(db, on: b)
                    #expect(statusA.target == a.baseURL && statusA.jobs == Self.jobs(succeeded: n))
                    #expect(statusB.target == b.baseURL && statusB.jobs == Self.jobs(succeeded: n))
                    #expect(statusB.targets.map(\.name) == [a.baseURL, b.baseURL])
                    #expect(statusB.targets.map(\.jobs) == [Self.jobs(succeeded: n), Self.jobs(succeeded: n)])
                    #expect(statusB.targets.map(\.profile) == ["zerohash", "zerohash"])
                    // With no target named, status describes the latest run's.
                    #expect(try await db.read { try StatusSummary.read($0) }.target == b.baseURL)

                    // Drained on both: another run on A sends nothing.
                    let again = try await run(db, on: a)
                    #expect(again.attempts == 0)
                    #expect(a.snapshot().updatesApplied == n)
                }
            }
        }

        @Test func aCanaryOnASecondTargetSendsOnlyItsLimitThereAndLeavesTheRestPendingThere() async throws {
            let n = Self.participants
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(n, into: db)
            try await withSandbox { a in
                try await withSandbox { b in
                    _ = try await run(db, on: a)
                    let canary = try await run(db, on: b) { $0.limit = 3 }
                    #expect(canary.exitCode == 0)
                    #expect(canary.attempts == 3 && canary.succeeded == 3)
                    #expect(canary.left.pending == n - 3)
                    let stateB = b.snapshot()
                    #expect(stateB.updatesApplied == 3)
                    // The first jobs in id order, as a canary expects.
                    #expect(codes.filter { stateB.participant($0)?.updatesApplied == 1 } == Array(codes.prefix(3)))
                    #expect(try status(db, on: b).jobs == Self.jobs(pending: n - 3, succeeded: 3))
                    #expect(try status(db, on: a).jobs == Self.jobs(succeeded: n))

                    let rest = try await run(db, on: b)
                    #expect(rest.attempts == n - 3 && rest.succeeded == n - 3)
                    #expect(b.snapshot().updatesApplied == n)
                    for code in codes { #expect(b.snapshot().participant(code)?.updatesApplied == 1, "participant \(code) on B") }
                    #expect(try status(db, on: b).jobs == Self.jobs(succeeded: n))
                }
            }
        }

        @Test func aChangedParticipantIsPendingAgainOnEveryTarget() async throws {
            let n = Self.participants
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(n, into: db)
            try await withSandbox { a in
                try await withSandbox { b in
                    _ = try await run(db, on: a)
                    _ = try await run(db, on: b)

                    // P00002 moves to Dallas, a month later.
                    let csv = workspace.file("moved.csv")
                    let row = Participants.csv(count: 2).split(separator: "\n")[2]
                        .replacingOccurrences(of: "2024-03-01T10:00:00Z", with: "2024-04-01T10:00:00Z")
                        .replacingOccurrences(of: "Austin", with: "Dallas")
                    try Data((Participants.header + row + "\n").utf8).write(to: URL(fileURLWithPath: csv))
                    let report = try Ingester(database: db, options: IngestOptions(contract: .ndax)).ingest(path: csv)
                    #expect(report.jobsCreated == 1)

                    #expect(try status(db, on: a).jobs == Self.jobs(pending: 1, succeeded: n - 1))
                    #expect(try status(db, on: b).jobs == Self.jobs(pending: 1, succeeded: n - 1))

                    let resent = try await run(db, on: a)
                    #expect(resent.attempts == 1 && resent.succeeded == 1)
                    #expect(a.snapshot().participant("P00002")?[.city] == "Dallas")
                    #expect(a.snapshot().participant("P00002")?.updatesApplied == 2)
                    // Sending it to A does not make it sent on B.
                    #expect(try status(db, on: a).jobs == Self.jobs(succeeded: n))
                    #expect(try status(db, on: b).jobs == Self.jobs(pending: 1, succeeded: n - 1))
                    #expect(b.snapshot().participant("P00002")?[.city] == "Austin")
                }
            }
        }

        @Test func retryingAFailureOnOneTargetLeavesTheOtherUntouched() async throws {
            let n = Self.participants
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(n, into: db)
            try await withSandbox({ c in
                // On A, P00003 is not a customer: its update fails there for good.
                c.roster = codes.map { RosterEntry(participantCode: $0, isCustomer: $0 != "P00003") }
            }) { a in
                try await withSandbox { b in
                    let onA = try await run(db, on: a)
                    #expect(onA.exitCode == 2)
                    #expect(onA.failed == 1)
                    _ = try await run(db, on: b)
                    #expect(try status(db, on: a).jobs == Self.jobs(succeeded: n - 1, failed: 1))
                    #expect(try status(db, on: b).jobs == Self.jobs(succeeded: n))
                    let before = try sendingRows(db, on: b)
                    #expect(before.count == n)

                    // With no target named, retry means the latest run's target (B), where nothing failed.
                    #expect(try RetryStore.retry(db, filter: RetryFilter(all: true), now: EpochClock.milliseconds()) == 0)
                    #expect(try RetryStore.count(db, filter: RetryFilter(all: true), target: Self.target(a)) == 1)
                    #expect(try RetryStore.retry(db, filter: RetryFilter(all: true), target: Self.target(a),
                                                 now: EpochClock.milliseconds()) == 1)
                    #expect(try status(db, on: a).jobs == Self.jobs(pending: 1, succeeded: n - 1))
                    #expect(try status(db, on: b).jobs == Self.jobs(succeeded: n))
                    #expect(try sendingRows(db, on: b) == before)

                    // The next run on B has nothing to send; the next on A sends only the retried job.
                    let answeredByB = b.snapshot().requestsAnswered
                    #expect(try await run(db, on: b).attempts == 0)
                    #expect(b.snapshot().requestsAnswered == answeredByB + 1, "only GET /time")
                    let retried = try await run(db, on: a)
                    #expect(retried.attempts == 1 && retried.failed == 1)
                    #expect(try sendingRows(db, on: b) == before)
                }
            }
        }
    }
}
