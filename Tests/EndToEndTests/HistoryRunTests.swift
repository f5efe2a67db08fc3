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

/// A generated messy history: every segment, rows out of order, several rows at one instant, addresses that
/// arrive in parts. Deterministic (seeded).
enum MessyHistory {
    static let header = "participant_code,platform_updated_at,first_name,last_name,address_one,address_two,city,state,zip,country,email,id_number_type,id_number\n"

    static func csv(participants: Int, seed: UInt64 = 20_261_202) -> String {
        var rng = SplitMix64(seed: seed)
        var lines: [String] = []
        for p in 1...participants {
            let code = Participants.code(p)
            // The first row is complete, so every participant is sendable; then 0-5 changes, some partial.
            let day = { (n: Int) in String(format: "2021-%02d-%02dT10:00:00Z", 1 + n / 28, 1 + n % 28) }
            lines.append("\(code),\(day(0)),Ann\(p),Lee,\(p) Main St,,Austin,TX,78701,United States,\(code.lowercased())@example.com,ssn,123-45-6789")
            for r in 0..<Int(rng.next() % 6) {
                let when = day(1 + Int(rng.next() % 5))      // few instants: same-instant rows happen
                let row: String
                switch rng.next() % 6 {
                case 0: row = "\(code),\(when),F\(r),,,,,,,,,,"
                case 1: row = "\(code),\(when),,L\(r),,,,,,,,,"
                case 2: row = "\(code),\(when),,,\(r) Broadway,Apt \(r),New York,NY,10001,United States,,,"
                case 3: row = "\(code),\(when),,,\(r) Partial St,,,,,,,,"                      // incomplete alone
                case 4: row = "\(code),\(when),,,,,Albany,NY,1220\(r),United States,,,"
                default: row = "\(code),\(when),,,,,,,,,p\(p).r\(r)@example.com,,"
                }
                lines.append(row)
            }
        }
        // Out of order: the file is shuffled.
        for i in stride(from: lines.count - 1, to: 0, by: -1) {
            lines.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        return header + lines.joined(separator: "\n") + "\n"
    }
}

extension EndToEnd {
    /// History mode against the sandbox with `--reject-stale-updates`: steps go out in order, once each, and
    /// leave the API where latest mode would.
    @Suite struct HistoryRunTests {
        let workspace = Workspace()

        func ingest(_ csv: String, name: String, mode: IngestMode, database: String) throws -> (DatabaseQueue, IngestReport) {
            let file = workspace.file(name)
            try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
            let db = try BackfillDatabase.open(path: database)
            return (db, try Ingester(database: db, options: IngestOptions(mode: mode, contract: .ndax)).ingest(path: file))
        }

        /// Current jobs: participant -> [(step, platform_updated_at, request_id, state on the latest target)].
        static func steps(_ db: DatabaseQueue) throws -> [String: [(step: Int, at: Int64, requestID: String, state: String)]] {
            try db.read { db in
                var out: [String: [(step: Int, at: Int64, requestID: String, state: String)]] = [:]
                let sql = (try? db.onLatestTarget("SELECT participant_code, step, platform_updated_at, request_id, state FROM target_job WHERE is_current = 1 ORDER BY participant_code, step"))
                    ?? "SELECT participant_code, step, platform_updated_at, request_id, state FROM job WHERE is_current = 1 ORDER BY participant_code, step"
                for row in try Row.fetchAll(db, sql: sql) {
                    out[row[0], default: []].append((row[1], row[2], row[3], row[4]))
                }
                return out
            }
        }

        /// Latest mode's folded fields per sendable participant, from the stored bodies.
        static func latestFields(_ db: DatabaseQueue) throws -> [String: [Field: String]] {
            try db.read { db in
                var out: [String: [Field: String]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT participant_code, body FROM job WHERE is_current = 1 AND state = 'pending'") {
                    guard case .object(let members)? = try? JSONParser.parse(Array(row["body"] as Data)) else { continue }
                    var fields: [Field: String] = [:]
                    for (key, value) in members {
                        if let field = Field(name: key), case .string(let s) = value { fields[field] = s }
                    }
                    out[row["participant_code"]] = fields
                }
                return out
            }
        }

        /// A synchronous read from async code.
        static func read<T>(_ db: DatabaseQueue, _ body: (Database) throws -> T) throws -> T {
            try db.read(body)
        }

        static func environment(_ sandbox: RunningSandbox) -> [String: String] {
            ["BACKFILL_API_KEY": sandbox.credentials.apiKey, "BACKFILL_API_SECRET": sandbox.credentials.apiSecret,
             "BACKFILL_API_PASSPHRASE": sandbox.credentials.passphrase]
        }

        @Test func killedMidwayAndResumedEveryStepIsAppliedOnceInOrderAndTheEndIsTheLatestFold() async throws {
            let csv = MessyHistory.csv(participants: 400)
            let (history, report) = try ingest(csv, name: "history.csv", mode: .history, database: workspace.databasePath)
            #expect(report.mode == .history)
            let (latest, _) = try ingest(csv, name: "latest.csv", mode: .latest, database: workspace.file("latest.sqlite"))
            let (again, _) = try ingest(csv, name: "again.csv", mode: .history, database: workspace.file("again.sqlite"))
            let planned = try Self.steps(history)
            let expected = try Self.latestFields(latest)
            // Request ids are derived from participant, step and payload: a fresh database gives the same.
            let replanned = try Self.steps(again)
            #expect(planned.mapValues { $0.map(\.requestID) } == replanned.mapValues { $0.map(\.requestID) })
            let sendable = planned.filter { $0.value.allSatisfy { $0.state == "pending" } }
            #expect(Set(sendable.keys) == Set(expected.keys), "history mode holds exactly whom latest mode holds")
            let totalSteps = sendable.values.reduce(0) { $0 + $1.count }
            #expect(totalSteps > sendable.count * 2, "the corpus has real histories: \(totalSteps) steps for \(sendable.count) participants")
            try history.close()

            try await withSandbox({ c in
                c.rejectStaleUpdates = true
                c.failRate = 0.05
                c.resetRate = 0.01
                c.latency = .milliseconds(30)
            }) { sandbox in
                let path = workspace.databasePath
                let arguments = { (command: String) in
                    [command, "--db", path, "--base-url", sandbox.baseURL, "--rate", "300/1s", "--concurrency", "16",
                     "--log-level", "warning"]
                }
                _ = try await killedMidway(arguments("run"), environment: Self.environment(sandbox), outputIn: workspace.path,
                                           path: path, succeeded: totalSteps / 3)

                let resume = try BuiltBinary(arguments("resume"), environment: Self.environment(sandbox), outputIn: workspace.path, name: "resume")
                defer { resume.killIfRunning() }
                let resumed = try await resume.waitForExit(timeout: .seconds(90))
                #expect(resumed.reason == .exit && resumed.status == 0, "\(resume.output)")

                let state = sandbox.snapshot()
                #expect((state.requestsByStatus[400] ?? 0) == 0, "no step was sent out of order (or refused)")
                #expect(state.connectionResets >= 1)
                #expect((state.requestsByStatus[500] ?? 0) + (state.requestsByStatus[502] ?? 0) + (state.requestsByStatus[503] ?? 0) >= 1)
                #expect(state.updatesApplied == totalSteps)
                for (code, steps) in sendable {
                    guard let record = state.participant(code) else {
                        Issue.record("participant \(code) never reached the sandbox")
                        continue
                    }
                    // Every step applied exactly once, in order: the applied history is the planned steps' instants.
                    #expect(record.history.map(\.platformUpdatedAt) == steps.map { String($0.at) }, "participant \(code)")
                    var final: [Field: String] = [:]
                    for field in Field.allCases where expected[code]?[field] != nil { final[field] = record[field] }
                    #expect(final == expected[code], "participant \(code): the API ends where latest mode's fold does")
                }
            }
            let done = try Self.steps(try workspace.openDatabase())
            #expect(done.filter { sendable[$0.key] != nil }.values.allSatisfy { $0.allSatisfy { $0.state == "succeeded" } })
        }

        /// Two rows a day apart for each of two participants, plus one more step for the first.
        static let twoParticipants = """
            participant_code,platform_updated_at,first_name,last_name,email
            HISTAA,2022-01-01T00:00:00Z,Ann,Lee,ann@example.com
            HISTAA,2022-02-01T00:00:00Z,Anna,Lee,
            HISTAA,2022-03-01T00:00:00Z,,Lee-Park,
            HISTBB,2022-01-15T00:00:00Z,Bo,Kim,bo@example.com
            HISTBB,2022-02-15T00:00:00Z,Bob,,

            """

        @Test func aPermanentFailureBlocksTheLaterStepsAndRetryUnblocksThem() async throws {
            let (db, _) = try ingest(Self.twoParticipants, name: "two.csv", mode: .history, database: workspace.databasePath)
            // The first sandbox does not know HISTAA as a customer: its first step fails for good.
            let port = try await withSandbox({ c in
                c.rejectStaleUpdates = true
                c.roster = [RosterEntry(participantCode: "HISTAA", isCustomer: false), RosterEntry(participantCode: "HISTBB")]
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained)
                #expect(summary.failed == 1 && summary.succeeded == 2)
                #expect(summary.left.blocked == 2 && summary.left.total == 0)
                #expect(sandbox.snapshot().participant("HISTBB")?.history.count == 2)
                return URL(string: sandbox.baseURL)!.port!
            }
            let status = try Self.read(db) { try StatusSummary.read($0) }
            #expect(status.jobs["failed"] == 1 && status.jobs["blocked"] == 2 && status.jobs["succeeded"] == 2)
            #expect(status.participantStates?["failed"] == 1 && status.participantStates?["succeeded"] == 1)
            let explained = try Self.read(db) { try Explanation.read($0, participantCode: "HISTAA") }!
            #expect(explained.currentJobs.map(\.stateOnTarget) == ["failed", "blocked", "blocked"])
            let exported = try Self.read(db) { db in
                var rows: [FailureRow] = []
                try FailureExport.forEachRow(db) { rows.append($0) }
                return rows
            }
            #expect(exported.contains { $0.participantCode == "HISTAA" && $0.message.hasPrefix("step 1 of 3") && $0.message.contains("steps 2-3 are blocked") })

            // The same address, now knowing HISTAA: retry moves step 1 back, and all three follow in order.
            #expect(try RetryStore.retry(db, filter: RetryFilter(participants: ["HISTAA"]), now: EpochClock.milliseconds()) == 1)
            try await withSandbox({ c in
                c.port = port
                c.rejectStaleUpdates = true
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.succeeded == 3 && summary.failed == 0)
                let applied = sandbox.snapshot().participant("HISTAA")?.history.map(\.platformUpdatedAt) ?? []
                #expect(applied == ["1640995200000", "1643673600000", "1646092800000"])
                #expect(sandbox.snapshot().participant("HISTBB") == nil, "steps that succeeded are never sent again")
            }
            #expect(try Self.steps(db)["HISTAA"]?.map(\.state) == ["succeeded", "succeeded", "succeeded"])
        }

        @Test func reIngestAddsOnlyNewerStepsAndHoldsAnOlderRowUntilRetryAsLatest() async throws {
            let (db, _) = try ingest(Self.twoParticipants, name: "two.csv", mode: .history, database: workspace.databasePath)
            // Latest mode's refusal: a history database keeps its mode.
            #expect(throws: BackfillError.self) {
                _ = try Ingester(database: db, options: IngestOptions(mode: .latest, contract: .ndax)).ingest(path: workspace.file("two.csv"))
            }
            try await withSandbox({ $0.rejectStaleUpdates = true }) { sandbox in
                let configuration = sandbox.runConfiguration()
                let first = try await runOffThePool(database: db, configuration: configuration, credentials: sandbox.clientCredentials)
                #expect(first.succeeded == 5)

                // HISTAA gets a newer row (one more step); HISTBB an older one (its sent history changed).
                let more = """
                    participant_code,platform_updated_at,first_name,last_name
                    HISTAA,2022-04-01T00:00:00Z,Annie,
                    HISTBB,2022-02-01T00:00:00Z,,Kim-Lee

                    """
                let file = workspace.file("more.csv")
                try Data(more.utf8).write(to: URL(fileURLWithPath: file))
                let report = try Ingester(database: db, options: IngestOptions(contract: .ndax)).ingest(path: file)
                #expect(report.jobsCreated == 2 && report.held == 1)
                let explained = try Self.read(db) { try Explanation.read($0, participantCode: "HISTBB") }!
                let corrective = explained.currentJobs.last!
                #expect(corrective.corrective && corrective.state == "held")
                #expect(corrective.holdReasons.contains { $0.message.contains("backfill retry --participant HISTBB --as-latest") })

                let second = try await runOffThePool(database: db, configuration: configuration, credentials: sandbox.clientCredentials)
                #expect(second.succeeded == 1, "only HISTAA's new step is sent")
                #expect(sandbox.snapshot().participant("HISTAA")?.history.count == 4)
                #expect(sandbox.snapshot().participant("HISTBB")?.history.count == 2)

                #expect(try RetryStore.releaseCorrective(db, participants: ["histbb"], now: EpochClock.milliseconds()) == ["HISTBB"])
                let third = try await runOffThePool(database: db, configuration: configuration, credentials: sandbox.clientCredentials)
                #expect(third.succeeded == 1)
                let bb = sandbox.snapshot().participant("HISTBB")!
                #expect(bb.history.count == 3)
                #expect(bb[.firstName] == "Bob" && bb[.lastName] == "Kim-Lee", "the corrective PATCH is latest mode's fold")
                #expect((sandbox.snapshot().requestsByStatus[400] ?? 0) == 0)
            }
            // Ingesting the same rows again changes nothing and sends nothing more.
            let unchanged = try Ingester(database: db, options: IngestOptions(contract: .ndax)).ingest(path: workspace.file("more.csv"))
            #expect(unchanged.unchanged)
        }
    
        @Test func anEmailTwoParticipantsHoldAtTheSameInstantHoldsBothButAnEmailHandedOnDoesNot() throws {
            let csv = """
                participant_code,platform_updated_at,first_name,last_name,email
                MAILAA,2022-01-01T00:00:00Z,Ann,Lee,shared@example.com
                MAILAA,2022-03-01T00:00:00Z,,,ann@example.com
                MAILBB,2022-04-01T00:00:00Z,Bo,Kim,shared@example.com
                MAILCC,2022-02-01T00:00:00Z,Cy,Park,shared@example.com
                MAILCC,2022-02-10T00:00:00Z,,,cy@example.com
                MAILDD,2022-01-01T00:00:00Z,Di,Ng,di@example.com

                """
            let (db, report) = try ingest(csv, name: "mail.csv", mode: .history, database: workspace.databasePath)
            // MAILCC had the address while MAILAA still did (February): both held. MAILBB took it in April, after
            // MAILAA gave it up in March: not a conflict.
            #expect(report.held == 2)
            let held = try db.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT participant_code FROM job WHERE is_current = 1 AND state = 'held' AND email_conflict = 1 ORDER BY 1")
            }
            #expect(held == ["MAILAA", "MAILCC"])
        }
    }
}
