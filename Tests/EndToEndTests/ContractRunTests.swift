import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillSandbox
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Prometheus
import ParticipantAPI
import Testing

extension EndToEnd {
    /// Runs under each contract, with the built binary where a kill, an exit status or the first line is the point:
    /// a target of the other contract is refused before any PATCH; a run killed midway and resumed applies every
    /// participant once under either; a 200 that echoes another value is recorded, not failed.
    @Suite struct ContractRunTests {
        let workspace = Workspace()

        static func environment(_ sandbox: RunningSandbox) -> [String: String] {
            ["BACKFILL_API_KEY": sandbox.credentials.apiKey, "BACKFILL_API_SECRET": sandbox.credentials.apiSecret,
             "BACKFILL_API_PASSPHRASE": sandbox.credentials.passphrase]
        }

        /// Credentials for a run that must be refused before it signs anything.
        static let unusedCredentials = ["BACKFILL_API_KEY": "key", "BACKFILL_API_SECRET": "c2VjcmV0",
                                        "BACKFILL_API_PASSPHRASE": "pass"]

        func binary(_ arguments: [String], environment: [String: String], name: String) async throws -> (status: Int32, output: String) {
            let process = try BuiltBinary(arguments, environment: environment, outputIn: workspace.path, name: name)
            defer { process.killIfRunning() }
            let exit = try await process.waitForExit(timeout: .seconds(90))
            #expect(exit.reason == .exit, "\(process.output)")
            return (exit.status, process.output)
        }

        /// Rows, attempts and runs the database holds: a refused run leaves all three as they were.
        func ledgerCounts() throws -> [Int] {
            try Ledger.peek(workspace.databasePath) { db in
                [try Int.fetchOne(db, sql: "SELECT count(*) FROM attempt") ?? -1,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM run") ?? -1,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM job_send") ?? -1]
            }
        }

        @Test(arguments: [(Contract.zerohash, Contract.ndax), (.ndax, .zerohash)])
        func aSandboxOfTheOtherContractIsRefusedBeforeAnyPatch(bodies: Contract, spoken: Contract) async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(20, into: db, contract: bodies)
            try db.close()
            try await withSandbox({ $0.contract = spoken }) { sandbox in
                let run = try await binary(["run", "--db", workspace.databasePath, "--base-url", sandbox.baseURL],
                                           environment: Self.environment(sandbox), name: "run")
                #expect(run.status == 1, "\(run.output)")
                #expect(run.output.contains("speaks the \(spoken) contract (its answer to GET /time) and this database holds \(bodies) bodies"),
                        "\(run.output)")
                #expect(run.output.contains("backfill ingest --contract \(spoken) --db NEW.sqlite") && run.output.contains("Nothing was sent."))
                #expect(sandbox.snapshot().patchesReceived == 0)
                #expect(try ledgerCounts() == [0, 0, 0])
            }
        }

        @Test func aDocumentedHostOfTheOtherContractIsRefusedBeforeAnyRequest() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(5, into: db, contract: .ndax)
            try db.close()
            // Zero Hash's hosts speak zerohash: refused before a connection is even made (nothing listens here
            // that could answer; a request would have been an `unreachable` error instead).
            let cert = try await binary(["run", "--db", workspace.databasePath, "--env", "cert"], environment: Self.unusedCredentials, name: "cert")
            #expect(cert.status == 1)
            #expect(cert.output.contains("cert speaks the zerohash contract (its documented contract) and this database holds ndax bodies"),
                    "\(cert.output)")
            #expect(try ledgerCounts() == [0, 0, 0])

            let zerohash = workspace.file("zerohash.sqlite")
            let csv = workspace.file("few.csv")
            try Data(Participants.csv(count: 3).utf8).write(to: URL(fileURLWithPath: csv))
            #expect(try await binary(["ingest", csv, "--db", zerohash], environment: [:], name: "ingest").status == 0)
            let ndax = try await binary(["run", "--db", zerohash, "--profile", "ndax"], environment: Self.unusedCredentials, name: "ndax")
            #expect(ndax.status == 1)
            #expect(ndax.output.contains("ndax speaks the ndax contract (its documented contract) and this database holds zerohash bodies"),
                    "\(ndax.output)")
            // The dry run is held to the same rule: it prints what would be sent there.
            let dry = try await binary(["run", "--dry-run", "--db", zerohash, "--profile", "ndax"], environment: Self.unusedCredentials, name: "dry")
            #expect(dry.status == 1 && !dry.output.contains("\"method\":\"PATCH\""), "\(dry.output)")
        }

        @Test func aTargetThatSaysNothingGetsTheDatabasesContractAndTheFirstLinesSaySo() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(3, into: db, contract: .zerohash)
            try db.close()
            try await withFrontServer(answering: .ok, contentType: "application/json", body: #"{"message":{}}"#) { baseURL in
                let run = try await binary(["run", "--db", workspace.databasePath, "--base-url", baseURL],
                                           environment: Self.unusedCredentials, name: "run")
                #expect(run.status == 0, "\(run.output)")
                // The first line names the database's contract; the line after the probe says how it was chosen.
                let stderr = run.output.components(separatedBy: "--- stderr\n").last ?? ""
                let lines = stderr.split(separator: "\n").map(String.init)
                #expect(lines.first == "sending to \(baseURL) (from --base-url, profile zerohash, contract zerohash)", "\(run.output)")
                #expect(lines.contains("  contract zerohash (the database's: the target does not say which it speaks)"), "\(run.output)")
            }
        }

        /// Under each contract, with failures, resets and slow answers, a run killed midway and resumed (and under
        /// zerohash, the 500s retried by the operator) applies every participant exactly once, with the body of
        /// its contract.
        @Test(arguments: Contract.allCases)
        func killedMidwayAndResumedEveryParticipantIsAppliedOnce(contract: Contract) async throws {
            let count = 600
            let codes: [String]
            do {
                let db = try workspace.openDatabase()
                codes = try workspace.ingestParticipants(count, into: db, contract: contract)
                try db.close()
            }
            try await withSandbox({ c in
                c.contract = contract
                c.failRate = 0.05
                c.resetRate = 0.01
                c.latency = .milliseconds(30)
            }) { sandbox in
                let path = workspace.databasePath
                let arguments = { (command: String) in
                    [command, "--db", path, "--base-url", sandbox.baseURL, "--rate", "300/1s", "--concurrency", "16",
                     "--log-level", "warning"]
                }
                let first = try await killedMidway(arguments("run"), environment: Self.environment(sandbox), outputIn: workspace.path,
                                                   path: path, succeeded: count / 3)
                #expect(first.output.contains("contract \(contract) (its answer to GET /time)"), "\(first.output)")

                var resumed = try await binary(arguments("resume"), environment: Self.environment(sandbox), name: "resume")
                if contract == .zerohash {
                    // A 500 is not retried automatically under Zero Hash's guidance: those jobs failed, class server,
                    // and the operator retries them.
                    #expect(resumed.status == 2, "\(resumed.output)")
                    let failed = try Ledger.peek(path) { db in
                        try String.fetchAll(db, sql: db.onLatestTarget("SELECT DISTINCT error_class FROM target_job WHERE is_current = 1 AND state = 'failed'"))
                    }
                    #expect(failed == ["server"])
                    let retry = try await binary(["retry", "--class", "server", "--db", path, "--base-url", sandbox.baseURL],
                                                 environment: [:], name: "retry")
                    #expect(retry.status == 0, "\(retry.output)")
                    resumed = try await binary(arguments("resume"), environment: Self.environment(sandbox), name: "resume-2")
                    if resumed.status == 2 {
                        // The retried 500s drew 500 again (5% each): once more.
                        _ = try await binary(["retry", "--class", "server", "--db", path, "--base-url", sandbox.baseURL], environment: [:], name: "retry-3")
                        resumed = try await binary(arguments("resume"), environment: Self.environment(sandbox), name: "resume-3")
                    }
                }
                #expect(resumed.status == 0, "\(resumed.output)")

                let state = sandbox.snapshot()
                #expect(state.contract == contract)
                #expect(state.updatesApplied == count)
                for code in codes {
                    let record = state.participant(code)
                    #expect(record?.updatesApplied == 1, "participant \(code)")
                    #expect(record?[.country] == (contract == .zerohash ? "USA" : "United States"), "participant \(code)")
                    if contract == .zerohash { #expect(record?[.jurisdictionCode] == "US-TX", "participant \(code)") }
                    else { #expect(record?[.state] == "TX", "participant \(code)") }
                }
                let db = try workspace.openDatabase()
                let jobs = try Ledger.jobs(db)
                #expect(jobs.count == count && jobs.allSatisfy { $0.state == "succeeded" })
                // The bytes sent are the contract's: no body request_id, no state under zerohash; both under ndax.
                let bodies = try await db.read { try Data.fetchAll($0, sql: "SELECT body FROM job WHERE is_current = 1").map { [UInt8]($0) } }
                for body in bodies {
                    #expect(body.contains(text: #""request_id":"#) == (contract == .ndax))
                    #expect(body.contains(text: #""state":"#) == (contract == .ndax))
                    #expect(body.contains(text: #""jurisdiction_code":"US-TX""#) == (contract == .zerohash))
                }
            }
        }

        /// `--echo-drift-rate`: a share of the 200s echo another value. Each is recorded (field, sent, echoed) while
        /// the job succeeds, and status, explain, the summary, the page and the metric show it.
        @Test(arguments: Contract.allCases)
        func echoesOfAnotherValueAreRecordedAndShown(contract: Contract) async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(200, into: db, contract: contract)
            try await withSandbox({ c in
                c.contract = contract
                c.echoDriftRate = 0.25
            }) { sandbox in
                let registry = PrometheusCollectorRegistry()
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials,
                                                      events: RunEvents(metrics: PrometheusMetricsFactory(registry: registry)))
                #expect(summary.ending == .drained && summary.succeeded == 200)
                let drifts = sandbox.snapshot().echoDrifts
                #expect(drifts > 20 && drifts < 90, "\(drifts) of 200 at 0.25")
                #expect(summary.echoMismatches == drifts)
                let samples = PrometheusSample.parse(PrometheusSample.emit(registry))
                let metric = samples.filter { $0.name == RunMetrics.Name.echoMismatches }.map(\.value).reduce(0, +)
                #expect(Int(metric) == drifts)

                let status = try await db.read { try StatusSummary.read($0) }
                #expect(status.echoMismatches == drifts && status.echoMismatchFields == drifts)
                #expect(status.jobs[.succeeded] == 200)
                let (code, mismatch) = try #require(try await db.read { try EchoMismatchReads.first($0, targetID: TargetStore.all($0).first?.id, limit: 1) }.first)
                let echoed = try #require(mismatch.echoed)
                #expect(mismatch.sent != echoed && !sameBytes(mismatch.sent, echoed))
                let explanation = try #require(try await db.read { try Explanation.read($0, participantCode: code) })
                #expect(explanation.currentJobs.first?.sends.first?.echoMismatches == [mismatch])
                let report = try await db.read { try ReportSummary.read($0) }
                #expect(report.echoMismatches == drifts && report.text().contains("echo mismatches: \(drifts) jobs"))
                let redacted = try await db.read { try ReportSummary.read($0, redact: true) }
                #expect(!redacted.text().contains("'\(mismatch.sent)'") || Redactor.redact(Field(name: mismatch.field)!, mismatch.sent) == mismatch.sent)
                let page = try await db.read { try HTMLReport().render($0, title: "t", now: EpochClock.milliseconds()) }
                #expect(page.contains("echo mismatches"))
            }
        }
    
        /// Under zerohash a 404 in the API's shape is a participant Zero Hash does not know, unless `GET /time`
        /// answered 404 too: then the base URL's path is wrong, and the run stops instead of failing participants.
        @Test func aWrongPathStopsTheRunInsteadOfFailingParticipantsAsUnknown() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(30, into: db, contract: .zerohash)
            try await withSandbox({ $0.contract = .zerohash }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration { $0.baseURL = sandbox.baseURL + "/api" },
                                                      credentials: sandbox.clientCredentials)
                guard case .stopped(let code, _) = summary.ending else {
                    Issue.record("the run was not stopped: \(summary.ending)")
                    return
                }
                #expect(code == .notFound)
                let failed = try await db.read { try StatusSummary.read($0).jobs[.failed] }
                #expect(failed == 0)
            }
        }

        @Test func anUnknownParticipantIsAPermanentFailureOfItsOwnClass() async throws {
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(10, into: db, contract: .zerohash)
            let roster = workspace.file("roster.jsonl")
            try Data(codes.dropFirst(2).map { #"{"participant_code":"\#($0)","customer":true}"# }.joined(separator: "\n").utf8)
                .write(to: URL(fileURLWithPath: roster))
            try await withSandbox({ c in
                c.contract = .zerohash
                c.roster = try? RosterEntry.loadRoster(path: roster, contract: .zerohash)
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained && summary.succeeded == 8)
                let classes = try await db.read { db in
                    try String.fetchAll(db, sql: db.onLatestTarget("SELECT error_class FROM target_job WHERE state = 'failed' ORDER BY 1"))
                }
                #expect(classes == ["unknown_participant", "unknown_participant"])
                // One request each: a 404 for a participant is not retried.
                #expect(sandbox.snapshot().requestsByStatus[404] == 2)
            }
        }
    }
}
