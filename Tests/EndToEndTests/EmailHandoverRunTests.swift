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

/// Histories in which emails move between participants: chains of handovers (X gives its address up, M takes it
/// and gives its own up, T takes that), plus fillers that change their names only. The sandbox's roster holds
/// every participant at its first address, as Zero Hash would before the backfill.
enum HandoverCorpus {
    static let header = "participant_code,platform_updated_at,first_name,last_name,email\n"

    static func codes(_ k: Int) -> (x: String, m: String, t: String) {
        (String(format: "X%05d", k), String(format: "M%05d", k), String(format: "T%05d", k))
    }

    static func filler(_ n: Int) -> String { String(format: "F%05d", n) }

    /// `chains` chains of three and `fillers` participants that keep their address.
    static func csv(chains: Int, fillers: Int) -> String {
        var lines: [String] = []
        for k in 0..<chains {
            let (x, m, t) = codes(k)
            lines.append("\(x),2021-01-01T00:00:00Z,Xan\(k),Lee,x\(k)@example.com")
            lines.append("\(x),2021-03-01T00:00:00Z,,,x\(k).new@example.com")
            lines.append("\(m),2021-01-01T00:00:00Z,Mo\(k),Lee,m\(k)@example.com")
            lines.append("\(m),2021-04-01T00:00:00Z,,,x\(k)@example.com")
            lines.append("\(t),2021-01-01T00:00:00Z,Tia\(k),Lee,t\(k)@example.com")
            lines.append("\(t),2021-05-01T00:00:00Z,,,m\(k)@example.com")
        }
        for n in 0..<fillers {
            lines.append("\(filler(n)),2021-01-01T00:00:00Z,Fen\(n),Lee,f\(n)@example.com")
            lines.append("\(filler(n)),2021-02-01T00:00:00Z,Fenna\(n),,")
        }
        // Takers first in the file: without the plan, they would be claimed (and refused) first.
        return header + lines.reversed().joined(separator: "\n") + "\n"
    }

    static func roster(chains: Int, fillers: Int) -> [RosterEntry] {
        var out: [RosterEntry] = []
        for k in 0..<chains {
            let (x, m, t) = codes(k)
            out.append(RosterEntry(participantCode: x, fields: [.email: "x\(k)@example.com"]))
            out.append(RosterEntry(participantCode: m, fields: [.email: "m\(k)@example.com"]))
            out.append(RosterEntry(participantCode: t, fields: [.email: "t\(k)@example.com"]))
        }
        for n in 0..<fillers { out.append(RosterEntry(participantCode: filler(n), fields: [.email: "f\(n)@example.com"])) }
        return out
    }
}

extension EndToEnd {
    /// Email handovers, cycles and addresses held outside the input, against the sandbox with a roster.
    @Suite struct EmailHandoverRunTests {
        let workspace = Workspace()

        func ingest(_ csv: String, name: String, mode: IngestMode = .latest, contract: Contract = .zerohash,
                    database: String? = nil) throws -> DatabaseQueue {
            let file = workspace.file(name)
            try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
            let db = try BackfillDatabase.open(path: database ?? workspace.databasePath)
            _ = try Ingester(database: db, options: IngestOptions(mode: mode, contract: contract)).ingest(path: file)
            return db
        }

        /// Handovers whose taker's successful attempt started before its giver's successful attempt ended.
        static func outOfOrder(_ db: Database) throws -> Int {
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM email_handover h
                JOIN attempt ta ON ta.job_id = h.taker_job_id AND ta.outcome = 'succeeded'
                JOIN attempt ga ON ga.job_id = h.giver_job_id AND ga.outcome = 'succeeded'
                WHERE ta.started_at < ga.ended_at
                """) ?? -1
        }

        @Test(arguments: [(IngestMode.latest, Contract.zerohash), (.history, .ndax), (.latest, .ndax), (.history, .zerohash)])
        func aChainOfHandoversIsAppliedInOrderWithNoFailure(mode: IngestMode, contract: Contract) async throws {
            let (chains, fillers) = (12, 60)
            let db = try ingest(HandoverCorpus.csv(chains: chains, fillers: fillers), name: "chain.csv", mode: mode, contract: contract)
            let planned = try HistoryRunTests.read(db) { try Int.fetchOne($0, sql: "SELECT count(*) FROM email_handover") ?? 0 }
            #expect(planned == chains * 2, "each chain plans two handovers: M after X, T after M")
            try await withSandbox({ c in
                c.contract = .zerohash
                c.contract = contract
                c.roster = HandoverCorpus.roster(chains: chains, fillers: fillers)
                c.latency = .milliseconds(5)
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration { $0.concurrency = 32 },
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained)
                #expect(summary.failed == 0 && summary.deferred == 0)
                let state = sandbox.snapshot()
                #expect((state.requestsByStatus[400] ?? 0) == 0, "no taker was sent before its giver")
                for k in 0..<chains {
                    let (x, m, t) = HandoverCorpus.codes(k)
                    #expect(state.participant(x)?[.email] == "x\(k).new@example.com")
                    #expect(state.participant(m)?[.email] == "x\(k)@example.com")
                    #expect(state.participant(t)?[.email] == "m\(k)@example.com")
                }
                #expect(summary.emailRules.handovers == chains * 2 && summary.emailRules.handedOver == chains * 2)
            }
            #expect(try HistoryRunTests.read(db, Self.outOfOrder) == 0)
        }

        @Test func aGiverThatFailsForGoodBlocksItsTakerAndRetryUnblocksIt() async throws {
            let csv = """
                participant_code,platform_updated_at,first_name,last_name,email
                AAA001,2022-05-01T00:00:00Z,Ann,Ash,shared@example.com
                BBB001,2022-01-01T00:00:00Z,Bob,Lee,shared@example.com
                BBB001,2022-04-01T00:00:00Z,,,bob.new@example.com

                """
            let db = try ingest(csv, name: "giver.csv")
            let port = try await withSandbox({ c in
                c.contract = .zerohash
                c.roster = [RosterEntry(participantCode: "AAA001", fields: [.email: "aaa@example.com"]),
                            RosterEntry(participantCode: "BBB001", isCustomer: false, fields: [.email: "shared@example.com"])]
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.failed == 1 && summary.succeeded == 0)
                #expect(summary.left.blocked == 1, "AAA001 waits for BBB001, which failed")
                #expect(sandbox.snapshot().participant("AAA001")?.updatesApplied == 0)
                return URL(string: sandbox.baseURL)!.port!
            }
            let status = try HistoryRunTests.read(db) { try StatusSummary.read($0) }
            #expect(status.jobs[.blocked] == 1 && status.jobs[.failed] == 1)
            #expect(status.emailRules.blocked == 1)
            let explained = try HistoryRunTests.read(db) { try Explanation.read($0, participantCode: "AAA001") }!
            let waits = explained.currentJobs.first?.waitsFor ?? []
            #expect(waits.map(\.participantCode) == ["BBB001"] && waits.first?.stateOnTarget == .failed)
            #expect(explained.currentJobs.first?.stateOnTarget == .blocked)

            // BBB001 becomes a customer: retry moves it back, and AAA001 follows it.
            #expect(try RetryStore.retry(db, filter: RetryFilter(participants: ["BBB001"]), now: EpochClock.milliseconds()) == 1)
            try await withSandbox({ c in
                c.contract = .zerohash
                c.port = port
                c.roster = [RosterEntry(participantCode: "AAA001", fields: [.email: "aaa@example.com"]),
                            RosterEntry(participantCode: "BBB001", fields: [.email: "shared@example.com"])]
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.failed == 0 && summary.succeeded == 2)
                #expect(sandbox.snapshot().participant("AAA001")?[.email] == "shared@example.com")
                #expect((sandbox.snapshot().requestsByStatus[400] ?? 0) == 0)
            }
            #expect(try HistoryRunTests.read(db, Self.outOfOrder) == 0)
        }

        static let cycles = """
            participant_code,platform_updated_at,first_name,last_name,email
            CCC001,2022-01-01T00:00:00Z,Cat,Cole,c@example.com
            DDD001,2022-01-01T00:00:00Z,Dan,Dee,d@example.com
            CCC001,2022-06-01T00:00:00Z,,,d@example.com
            DDD001,2022-06-01T00:00:00Z,,,c@example.com
            EEE001,2022-01-01T00:00:00Z,Eve,Eng,e@example.com
            FFF001,2022-01-01T00:00:00Z,Fay,Fox,f@example.com
            GGG001,2022-01-01T00:00:00Z,Gus,Gray,g@example.com
            EEE001,2022-07-01T00:00:00Z,,,f@example.com
            FFF001,2022-07-01T00:00:00Z,,,g@example.com
            GGG001,2022-07-01T00:00:00Z,,,e@example.com
            HHH001,2022-01-01T00:00:00Z,Hal,Hill,h@example.com

            """

        @Test(arguments: [IngestMode.latest, .history])
        func aSwapAndAThreeCycleAreHeldNamingTheOthersAndNothingOfThemIsSent(mode: IngestMode) async throws {
            let db = try ingest(Self.cycles, name: "cycles.csv", mode: mode)
            let explain = { (code: String) in try HistoryRunTests.read(db) { try Explanation.read($0, participantCode: code) }! }
            let expected = ["CCC001": ["DDD001"], "DDD001": ["CCC001"], "EEE001": ["FFF001", "GGG001"],
                            "FFF001": ["EEE001", "GGG001"], "GGG001": ["EEE001", "FFF001"]]
            for (code, others) in expected {
                let current = try explain(code).currentJobs
                #expect(current.contains { $0.state == .held }, "\(code) is held")
                #expect(current.contains { $0.emailCycleWith == others }, "\(code) names \(others)")
            }
            #expect(try explain("HHH001").currentJobs.allSatisfy { $0.state == .pending && $0.emailCycleWith.isEmpty })
            try await withSandbox({ c in
                c.contract = .zerohash
                c.roster = ["CCC001", "DDD001", "EEE001", "FFF001", "GGG001", "HHH001"].map {
                    RosterEntry(participantCode: $0, fields: [.email: "\($0.prefix(1).lowercased())@example.com"])
                }
            }) { sandbox in
                _ = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(), credentials: sandbox.clientCredentials)
                let state = sandbox.snapshot()
                #expect(state.patchesReceived == 1, "only HHH001 is sent")
                #expect(state.participant("CCC001")?.updatesApplied == 0)
            }
            let summary = try HistoryRunTests.read(db) { try ReportSummary.read($0, top: 10, redact: false, scope: TargetScope.resolve($0, target: nil)) }
            #expect(summary.heldByClass.first { $0.name == "email_cycle" }?.count == 5)
            #expect(summary.emailRules.cycleParticipants == 5)
            let message = summary.topMessages.first { $0.errorClass == "email_cycle" }
            #expect(message?.count == 5)
            #expect(message?.message.contains("interim address") == true)

            // The platform approves an interim address for CCC001 and exports it (latest mode: as CCC001's latest change;
            // history mode: before the swap): the swap resolves (DDD001 takes c@ once CCC001 has moved to it).
            let at = mode == .latest ? "2022-06-01T00:00:00.001Z" : "2022-05-31T00:00:00Z"
            _ = try Ingester(database: db, options: IngestOptions(mode: mode, contract: .zerohash)).ingest(path: {
                let file = workspace.file("interim.csv")
                try Data("participant_code,platform_updated_at,email\nCCC001,\(at),c.interim@example.com\n".utf8)
                    .write(to: URL(fileURLWithPath: file))
                return file
            }())
            #expect(try explain("CCC001").currentJobs.allSatisfy { $0.emailCycleWith.isEmpty })
            #expect(try explain("DDD001").currentJobs.contains { $0.waitsFor.map(\.participantCode) == ["CCC001"] })
        }

        static let unknownHolder = """
            participant_code,platform_updated_at,first_name,last_name,email
            AYY001,2022-07-01T00:00:00Z,Yan,Yu,held@example.com

            """

        /// `count` fillers after AYY001, so that the run has other work to answer before AYY001 is sent again.
        func unknownHolderDatabase(fillers: Int) throws -> DatabaseQueue {
            var csv = Self.unknownHolder
            for n in 0..<fillers { csv += "\(HandoverCorpus.filler(n)),2022-01-01T00:00:00Z,Fen\(n),Lee,f\(n)@example.com\n" }
            return try ingest(csv, name: "unknown.csv")
        }

        func unknownHolderRoster(fillers: Int) -> [RosterEntry] {
            [RosterEntry(participantCode: "AYY001", fields: [.email: "yyy@example.com"]),
             RosterEntry(participantCode: "ZZZ001", fields: [.email: "held@example.com"])]
                + (0..<fillers).map { RosterEntry(participantCode: HandoverCorpus.filler($0)) }
        }

        @Test func aHolderOutsideTheInputThatGivesTheAddressUpDuringTheRunLetsTheWaitingJobThrough() async throws {
            let fillers = 80
            let db = try unknownHolderDatabase(fillers: fillers)
            try await withSandbox({ c in
                c.contract = .zerohash
                c.roster = unknownHolderRoster(fillers: fillers)
                c.latency = .milliseconds(20)
            }) { sandbox in
                async let run = runOffThePool(database: db, configuration: sandbox.runConfiguration { $0.concurrency = 4 },
                                              credentials: sandbox.clientCredentials)
                // The first refusal comes early (AYY001 is first); then ZZZ001 gives the address up (test hook).
                let refused = await eventually(timeout: .seconds(20)) { (sandbox.snapshot().requestsByStatus[400] ?? 0) >= 1 }
                #expect(refused)
                let before = sandbox.snapshot().patchesReceived
                #expect(before < fillers, "the hook acts while other jobs are still to be answered")
                #expect(sandbox.changeEmail(of: "ZZZ001", to: "zzz.new@example.com"))
                let summary = try await run
                #expect(summary.failed == 0 && summary.deferred == 1)
                #expect(summary.succeeded == fillers + 1)
                #expect(sandbox.snapshot().participant("AYY001")?[.email] == "held@example.com")
            }
            let attempts = try HistoryRunTests.read(db) { db in
                try Row.fetchAll(db, sql: """
                    SELECT a.request_id, a.outcome, a.error_class, a.http_status FROM attempt a JOIN job j ON j.id = a.job_id
                    WHERE j.participant_code = 'AYY001' ORDER BY a.id
                    """)
            }
            #expect(attempts.count == 2)
            #expect(Set(attempts.map { $0["request_id"] as String }).count == 1, "sent again with the same request id")
            #expect(attempts.map { $0["outcome"] as String } == ["retry", "succeeded"])
            #expect((attempts.first?["error_class"] as String?) == "email_taken")
            // The last one sent: every filler was answered before it.
            let last = try HistoryRunTests.read(db) { try String.fetchOne($0, sql: "SELECT j.participant_code FROM attempt a JOIN job j ON j.id = a.job_id ORDER BY a.started_at DESC, a.id DESC LIMIT 1") }
            #expect(last == "AYY001")
        }

        @Test func aHolderOutsideTheInputThatKeepsTheAddressFailsTheJobAsEmailTaken() async throws {
            let fillers = 10
            let db = try unknownHolderDatabase(fillers: fillers)
            try await withSandbox({ c in c.contract = .zerohash; c.roster = unknownHolderRoster(fillers: fillers) }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.failed == 1 && summary.deferred == 1 && summary.succeeded == fillers)
                #expect(summary.failedByClass.map(\.errorClass) == [.emailTaken])
                #expect(summary.exitCode == 2)
                #expect(summary.emailRules.emailTaken == 1)
            }
            let classes = try HistoryRunTests.read(db) { try String.fetchAll($0, sql: "SELECT outcome || ':' || error_class FROM attempt a JOIN job j ON j.id = a.job_id WHERE j.participant_code = 'AYY001' ORDER BY a.id") }
            #expect(classes == ["retry:email_taken", "failed:email_taken"])
            let summary = try HistoryRunTests.read(db) { try ReportSummary.read($0, top: 10, redact: false, scope: TargetScope.resolve($0, target: nil)) }
            #expect(summary.failedByClass.first { $0.name == "email_taken" }?.count == 1)
            let advice = ReportAdvice(database: nil, target: nil).failed(ReportClass(.emailTaken), example: "AYY001")
            #expect(advice.words.contains("GET /participants/{email}"))
        }

        @Test func killedWithHandoversInFlightAndResumedEveryParticipantIsAppliedOnceInOrder() async throws {
            // 2% of the participants hand an email on: 10 chains (30 participants) among 1,470.
            let (chains, fillers) = (10, 1_440)
            let db = try ingest(HandoverCorpus.csv(chains: chains, fillers: fillers), name: "kill.csv")
            try db.close()
            let total = chains * 3 + fillers
            try await withSandbox({ c in
                c.contract = .zerohash
                c.roster = HandoverCorpus.roster(chains: chains, fillers: fillers)
                c.latency = .milliseconds(20)
            }) { sandbox in
                let path = workspace.databasePath
                let arguments = { (command: String) in
                    [command, "--db", path, "--base-url", sandbox.baseURL, "--rate", "400/1s", "--concurrency", "16", "--log-level", "warning"]
                }
                let environment = HistoryRunTests.environment(sandbox)
                _ = try await killedMidway(arguments("run"), environment: environment, outputIn: workspace.path, path: path,
                                           succeeded: total / 3)
                let resume = try BuiltBinary(arguments("resume"), environment: environment, outputIn: workspace.path, name: "resume")
                defer { resume.killIfRunning() }
                let resumed = try await resume.waitForExit(timeout: .seconds(90))
                #expect(resumed.reason == .exit && resumed.status == 0, "\(resume.output)")
                let state = sandbox.snapshot()
                #expect((state.requestsByStatus[400] ?? 0) == 0, "no taker before its giver")
                #expect(state.updatesApplied == total, "every participant applied exactly once")
                #expect(state.participants.filter { $0.updatesApplied > 1 }.isEmpty)
            }
            let reopened = try workspace.openDatabase()
            #expect(try HistoryRunTests.read(reopened, Self.outOfOrder) == 0)
            #expect(try HistoryRunTests.read(reopened) { try Int.fetchOne($0, sql: "SELECT count(*) FROM job_send WHERE state = 'succeeded'") } == total)
        }
    }
}
