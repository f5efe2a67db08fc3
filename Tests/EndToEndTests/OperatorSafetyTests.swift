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
    /// The built binary guarding the operator: where a run sends is said on its first line and flags beat
    /// the environment; production and rates above the documented limit are refused before any connection;
    /// a mistyped `--db` or a foreign SQLite file is refused and left as it was; read-only commands never
    /// write; and the run lock tells a live holder, a reused pid and another host apart.
    @Suite struct OperatorSafetyTests {
        let workspace = Workspace()
        private let counter = Counter()

        /// Credentials no server accepts, for commands refused before they connect.
        static let unusedCredentials = [
            "BACKFILL_API_KEY": "test-key", "BACKFILL_API_SECRET": Data(repeating: 7, count: 32).base64EncodedString(),
            "BACKFILL_API_PASSPHRASE": "test-passphrase",
        ]
        /// Loopback's discard port: nothing listens, so a command that wrongly connects fails instead of sending.
        static let deadURL = "http://127.0.0.1:9"

        static func credentials(_ sandbox: RunningSandbox) -> [String: String] {
            BinaryResumeTests.environment(sandbox)
        }

        struct CommandResult {
            var status: Int32
            var stdout: String
            var stderr: String
            var output: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
            var firstErrorLine: String { String(stderr.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }
        }

        /// Runs `backfill arguments...` to its end (at most 60 s) with `environment` added.
        func backfill(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
            try await runBackfill(arguments, environment: environment, in: workspace.path, name: "backfill-\(counter.next())")
        }

        /// A database with `count` ingested participants, closed, at the workspace's path.
        @discardableResult
        func ingested(_ count: Int = 5, contract: Contract = .ndax) throws -> String {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(count, into: db, contract: contract)
            try db.close()
            return workspace.databasePath
        }

        /// Current jobs by state on `target` (every ready job is pending on a target nothing was sent to).
        func states(_ path: String, on target: Target) throws -> [String: Int] {
            try Ledger.peek(path) { db in
                try StatusSummary.read(db, scope: try TargetScope.resolve(db, target: target)).jobs.filter { $0.value > 0 }
            }
        }

        func count(_ table: String, in path: String) throws -> Int {
            try Ledger.peek(path) { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? 0 }
        }

        func fileBytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

        /// The size of a file, nil when it does not exist.
        func size(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        }

        // MARK: Where a run sends

        @Test func productionWithoutConfirmationOffATerminalIsRefusedBeforeAnythingIsSent() async throws {
            let path = try ingested(contract: .zerohash)
            try await withSandbox { sandbox in
                // The environment names the sandbox, but --env prod wins: refused before any connection.
                var environment = Self.credentials(sandbox)
                environment["BACKFILL_BASE_URL"] = sandbox.baseURL
                let result = try await backfill(["run", "--db", path, "--env", "prod", "--limit", "1"], environment: environment)
                #expect(result.status == 1, "\(result.output)")
                #expect(result.stderr == "error: https://api.zerohash.com is a production host: pass --confirm-production to send real updates; nothing was sent\n")
                #expect(result.stdout == "")
                #expect(sandbox.snapshot().requestsAnswered == 0)
            }
            #expect(try states(path, on: Target.documented(profile: .zerohash, environment: .prod)) == ["pending": 5])
            #expect(try count("run", in: path) == 0)
            #expect(try count("job_send", in: path) == 0)
        }

        @Test func baseURLFlagBeatsTheEnvironmentAndTheFirstLineSaysWhere() async throws {
            let path = try ingested()
            try await withSandbox { a in
                try await withSandbox { b in
                    var environment = Self.credentials(b)
                    environment["BACKFILL_BASE_URL"] = a.baseURL
                    let toB = try await backfill(["run", "--db", path, "--base-url", b.baseURL, "--log-level", "warning"], environment: environment)
                    #expect(toB.status == 0, "\(toB.output)")
                    #expect(toB.firstErrorLine == "sending to \(b.baseURL) (from --base-url, profile zerohash, contract ndax)")
                    #expect(b.snapshot().updatesApplied == 5)
                    #expect(a.snapshot().requestsAnswered == 0)

                    // No flag: the environment's URL, and the run says so.
                    environment = Self.credentials(a)
                    environment["BACKFILL_BASE_URL"] = a.baseURL
                    let toA = try await backfill(["run", "--db", path, "--log-level", "warning"], environment: environment)
                    #expect(toA.status == 0, "\(toA.output)")
                    #expect(toA.firstErrorLine == "sending to \(a.baseURL) (from BACKFILL_BASE_URL, profile zerohash, contract ndax)")
                    #expect(a.snapshot().updatesApplied == 5)
                    #expect(b.snapshot().updatesApplied == 5)
                }
            }
        }

        @Test func theCredentialsFilesBaseURLBeatsTheEnvironment() async throws {
            let path = try ingested()
            try await withSandbox { sandbox in
                let file = workspace.file("sandbox.env")
                let lines = Self.credentials(sandbox).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    + ["BACKFILL_BASE_URL=\(sandbox.baseURL)"]
                _ = FileManager.default.createFile(atPath: file, contents: Data((lines.joined(separator: "\n") + "\n").utf8),
                                               attributes: [.posixPermissions: 0o600])
                let result = try await backfill(["run", "--db", path, "--credentials", file, "--log-level", "warning"],
                                                environment: ["BACKFILL_BASE_URL": Self.deadURL])
                #expect(result.status == 0, "\(result.output)")
                #expect(result.firstErrorLine == "sending to \(sandbox.baseURL) (from BACKFILL_BASE_URL in \(file), profile zerohash, contract ndax)")
                #expect(sandbox.snapshot().updatesApplied == 5)
            }
        }

        @Test func readCommandsNameTheirTargetOnTheFirstLineAndDefaultToTheLatestRuns() async throws {
            let path = workspace.databasePath
            let (a, b) = try await withSandbox({ c in
                // On A, P00002 is not a customer: it fails there and succeeds on B.
                c.roster = Participants.codes(count: 6).map { RosterEntry(participantCode: $0, isCustomer: $0 != "P00002") }
            }) { a in
                try await withSandbox { b in
                    let db = try workspace.openDatabase()
                    try workspace.ingestParticipants(6, into: db)
                    let onA = try await runOffThePool(database: db, configuration: a.runConfiguration(), credentials: a.clientCredentials)
                    #expect(onA.succeeded == 5 && onA.failed == 1)
                    let onB = try await runOffThePool(database: db, configuration: b.runConfiguration(), credentials: b.clientCredentials)
                    #expect(onB.succeeded == 6)
                    try db.close()
                    return (a.baseURL, b.baseURL)
                }
            }
            func firstLine(_ text: String) -> String { String(text.split(separator: "\n", omittingEmptySubsequences: false)[0]) }
            func lines(_ arguments: [String]) async throws -> [String] {
                let result = try await backfill(arguments + ["--db", path], environment: Self.unusedCredentials)
                #expect(result.status == 0, "\(arguments): \(result.output)")
                return result.stdout.split(separator: "\n").map(String.init)
            }

            #expect(try await lines(["status"]).first == "target: \(b)")
            #expect(try await lines(["status", "--base-url", a]).first == "target: \(a)")
            #expect(try await lines(["status", "--env", "prod"]).first == "target: prod (nothing sent there yet)")
            let status = try await lines(["status"])
            #expect(status.suffix(3) == ["targets sent to:", "  \(a): pending 0, held 0, in_flight 0, succeeded 5, failed 1",
                                         "  \(b) (shown above): pending 0, held 0, in_flight 0, succeeded 6, failed 0"])

            let json = try await lines(["status", "--json"]).joined()
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(object["target"] as? String == b)
            let targets = try #require(object["targets"] as? [[String: Any]])
            #expect(targets.map { $0["name"] as? String } == [a, b])
            #expect(targets.map { $0["base_url"] as? String } == [a, b])
            #expect(targets.map { ($0["jobs"] as? [String: Int])?["failed"] } == [1, 0])

            let explained = try await lines(["explain", "P00002"])
            #expect(explained.first == "target: \(b); participant P00002: succeeded there")
            let onA = try #require(explained.firstIndex { $0.hasPrefix("  on \(a): ") })
            #expect(explained[onA].hasPrefix("  on \(a): failed, 1 attempt, last status 400, class not_customer, at 20"), "\(explained)")
            #expect(explained[onA + 1] == "    message: Participant P00002 is not a customer")
            #expect(explained.contains { $0.hasPrefix("  on \(b): succeeded, 1 attempt, last status 200, at 20") }, "\(explained)")
            #expect(try await lines(["explain", "P00002", "--base-url", a]).first == "target: \(a); participant P00002: failed there")

            #expect(try await lines(["report", "--summary"]).first == "target: \(b)")
            #expect(try await lines(["report", "--summary", "--base-url", a]).first == "target: \(a)")
            let failures = try await backfill(["report", "--failures", "--base-url", a, "--db", path])
            #expect(failures.status == 0, "\(failures.output)")
            #expect(firstLine(failures.stderr) == "target: \(a)")
            #expect(failures.stdout.contains("P00002"))

            #expect(try await lines(["retry", "--all", "--base-url", a]) == [
                "target: \(a)",
                "moved 1 failed job back to pending on \(a); `backfill run --db \(path) --base-url \(a)` sends it again",
            ])
            #expect(try await lines(["purge", "--succeeded", "--yes", "--base-url", a]).first == "target: \(a)")
        }

        @Test func envWithBaseURLIsAUsageErrorNamingBothFlags() async throws {
            let path = try ingested()
            for command in [["run"], ["status"], ["report"], ["retry", "--all"]] {
                let result = try await backfill(command + ["--db", path, "--env", "cert", "--base-url", Self.deadURL],
                                                environment: Self.unusedCredentials)
                #expect(result.status == 64, "\(result.output)")
                #expect(result.firstErrorLine == "Error: --env and --base-url both name a host: give one of them", "\(command)")
            }
        }

        @Test func aRateAboveTheDocumentedLimitIsRefusedBeforeAnyConnection() async throws {
            let path = try ingested()
            let result = try await backfill(["run", "--db", path, "--rate", "3000/10s", "--env", "cert"], environment: Self.unusedCredentials)
            #expect(result.status == 1, "\(result.output)")
            #expect(result.stderr == "error: --rate 3000/10s: above the documented limit of 2000/10s (2,000 requests per rolling 10 seconds) for cert; use at most 2000/10s\n")
            #expect(try count("run", in: path) == 0)
            #expect(try count("target", in: path) == 0)
        }

        /// Values their option's type refuses, with the command's own words for each (not ArgumentParser's "The
        /// value 'x' is invalid for ...").
        static let malformedValues: [([String], String)] = [
            (["run", "--env", "cert", "--rate", "fast"], "--rate 'fast': expected N/W such as 1000/10s, or unlimited"),
            (["run", "--env", "cert", "--rate", "0/10s"], "--rate '0/10s': expected N/W such as 1000/10s, or unlimited"),
            (["run", "--env", "cert", "--timeout", "0s"], "--timeout '0s': expected a duration such as 30s"),
            (["run", "--env", "cert", "--log-level", "loud"],
             "--log-level 'loud': expected trace, debug, info, notice, warning, error or critical"),
            (["run", "--env", "cert", "--log-format", "JSON"], "--log-format 'JSON': expected text or json"),
            (["retry", "--class", "Servr"], "--class 'servr': not an error class. Did you mean 'server'? (one of: "
                + ErrorClass.allCases.map(\.rawValue).joined(separator: ", ") + ")"),
            (["ingest", "--format", "xml", "x.csv"], "--format 'xml': expected csv or jsonl"),
            (["report", "--format", "XML"], "--format 'XML': expected csv or jsonl"),
        ]

        @Test(arguments: malformedValues)
        func aMalformedValueIsAUsageErrorInTheCommandsWords(command: [String], message: String) async throws {
            let path = try ingested()
            let result = try await backfill(command + ["--db", path], environment: Self.unusedCredentials)
            #expect(result.status == 64, "\(result.output)")
            #expect(result.firstErrorLine == "Error: \(message)", "\(result.output)")
            #expect(result.stderr.contains("\nUsage: backfill "), "\(result.output)")
            #expect(try count("run", in: path) == 0)
        }

        // MARK: The database file

        /// Every command but ingest, as it would be typed (aimed at a dead loopback port where one connects).
        static let nonIngestCommands: [[String]] = [
            ["status"], ["status", "--json"], ["run", "--base-url", deadURL], ["run", "--dry-run"], ["report"],
            ["report", "--failures"], ["explain", "AB12CD"], ["retry", "--all"], ["purge", "--all", "--yes"], ["unlock"],
        ]

        @Test(arguments: nonIngestCommands)
        func aMissingDatabaseIsRefusedAndNotCreated(command: [String]) async throws {
            let path = workspace.file("typo.sqlite")
            let result = try await backfill(command + ["--db", path], environment: Self.unusedCredentials)
            #expect(result.status == 1, "\(result.output)")
            #expect(result.stderr == "error: no backfill database at \(path) (backfill ingest creates one)\n")
            for suffix in ["", "-wal", "-shm", "-journal"] {
                #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(path + suffix) was created")
            }
        }

        @Test func aForeignSQLiteFileIsRefusedByEveryCommandAndLeftAsItWas() async throws {
            let path = workspace.file("customers.sqlite")
            do {
                let queue = try DatabaseQueue(path: path)
                try await queue.write { db in
                    try db.execute(sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
                    try db.execute(sql: "INSERT INTO customers (name) VALUES ('Ada'), ('Grace')")
                }
                try queue.close()
            }
            let before = try #require(fileBytes(path))
            let csv = workspace.file("one.csv")
            try Data(Participants.csv(count: 1).utf8).write(to: URL(fileURLWithPath: csv))
            for command in [["ingest", csv]] + Self.nonIngestCommands {
                let result = try await backfill(command + ["--db", path], environment: Self.unusedCredentials)
                #expect(result.status == 1, "\(command): \(result.output)")
                #expect(result.stderr == "error: \(path) is a SQLite database but not a backfill database (its tables: customers); it was left unchanged. Pass the path of a database made by backfill ingest\n", "\(command)")
                #expect(fileBytes(path) == before, "\(command) changed the file")
                for suffix in ["-wal", "-shm", "-journal"] {
                    #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(command) made \(path + suffix)")
                }
            }
        }

        @Test func readOnlyCommandsLeaveTheDatabaseFileAsItWas() async throws {
            let path = workspace.databasePath
            try await withSandbox({ c in
                c.roster = Participants.codes(count: 12).map { RosterEntry(participantCode: $0, isCustomer: $0 != "P00004") }
            }) { sandbox in
                let db = try workspace.openDatabase()
                try workspace.ingestParticipants(12, into: db)
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.succeeded == 11 && summary.failed == 1)
                _ = try db.writeWithoutTransaction { try Row.fetchAll($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                try db.close()
            }
            let before = try #require(fileBytes(path))
            #expect((size(path + "-wal") ?? 0) == 0)
            let html = workspace.file("report.html")
            let commands: [[String]] = [
                ["status"], ["status", "--json"], ["explain", "P00004"], ["report", "--summary"], ["report", "--failures"],
                ["report", "--html", html], ["run", "--dry-run", "--base-url", Self.deadURL],
            ]
            for command in commands {
                let result = try await backfill(command + ["--db", path], environment: Self.unusedCredentials)
                #expect(result.status == 0, "\(command): \(result.output)")
                #expect(fileBytes(path) == before, "\(command) changed the database file")
                #expect((size(path + "-wal") ?? 0) == 0, "\(command) wrote to the write-ahead log")
            }
            #expect(FileManager.default.fileExists(atPath: html))
        }

        @Test func aReadOnlyCommandReadsAWriteAheadLogAKilledProcessLeftAndLeavesItWhereItIs() async throws {
            // A database whose last writer died with committed pages still in its WAL: copied while they are.
            let copy = workspace.file("left.sqlite")
            do {
                let db = try workspace.openDatabase()
                try workspace.ingestParticipants(5, into: db)
                _ = try db.writeWithoutTransaction { try Row.fetchAll($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                try await db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
                let csv = workspace.file("later.csv")
                try Data(Participants.csv(count: 8).utf8).write(to: URL(fileURLWithPath: csv))
                #expect(try Ingester(database: db, options: IngestOptions(contract: .ndax)).ingest(path: csv).jobsCreated == 3)
                try FileManager.default.copyItem(atPath: workspace.databasePath, toPath: copy)
                try FileManager.default.copyItem(atPath: workspace.databasePath + "-wal", toPath: copy + "-wal")
                try db.close()
            }
            let main = try #require(fileBytes(copy))
            let wal = try #require(fileBytes(copy + "-wal"))
            #expect(!wal.isEmpty)
            let result = try await backfill(["status", "--json", "--db", copy])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.stdout.contains(#""jobs":{"failed":0,"held":0,"in_flight":0,"pending":8,"succeeded":0}"#), "\(result.output)")
            #expect(fileBytes(copy) == main, "status folded the write-ahead log into the database file")
            #expect(fileBytes(copy + "-wal") == wal, "status changed the write-ahead log")
        }

        // MARK: The run lock

        /// `boot id:start time in clock ticks since boot` of a process, as /proc tells it.
        static func processStart(_ pid: Int32) throws -> String {
            let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            let close = try #require(stat.lastIndex(of: ")"))
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            let boot = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            // The field after the command name is field 3 (state); the start time is field 22.
            return "\(boot):\(fields[22 - 3])"
        }

        /// A process of ours that lives for `seconds`, killed by the caller.
        static func spawnSleeper(seconds: Int = 60) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sleep")
            process.arguments = [String(seconds)]
            try process.run()
            return process
        }

        static func stop(_ process: Process) {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        static let lockedAt = testLockTime
        /// How a lock row names its holder in messages.
        static func holder(pid: Int32, host: String) -> String {
            "pid \(pid) on host \(host) (backfill run, since \(ISOTime.text(epochMilliseconds: lockedAt)))"
        }

        func insertLock(_ path: String, pid: Int32, host: String = ProcessInfo.processInfo.hostName, processStart: String?) throws {
            let queue = try BackfillDatabase.open(path: path, mode: .existing)
            try queue.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO run_lock (id, pid, host, started_at, process_start, command) VALUES (1, ?, ?, ?, ?, 'backfill run')
                    """, arguments: [pid, host, Self.lockedAt, processStart])
            }
            try queue.close()
        }

        @Test func aLiveHolderOnThisHostRefusesARunBeforeItConnectsAndCannotBeUnlocked() async throws {
            let path = try ingested()
            let sleeper = try Self.spawnSleeper()
            defer { Self.stop(sleeper) }
            let pid = sleeper.processIdentifier
            try insertLock(path, pid: pid, processStart: try Self.processStart(pid))
            let holder = Self.holder(pid: pid, host: ProcessInfo.processInfo.hostName)
            try await withSandbox { sandbox in
                let run = try await backfill(["run", "--db", path, "--base-url", sandbox.baseURL], environment: Self.credentials(sandbox))
                #expect(run.status == 1, "\(run.output)")
                #expect(run.stderr == "error: the database is held by a running `backfill run` (\(holder)); another run is refused until it finishes or is stopped\n")
                #expect(run.stdout == "")
                // Not even GET /time.
                #expect(sandbox.snapshot().requestsAnswered == 0)
            }
            let unlock = try await backfill(["unlock", "--db", path])
            #expect(unlock.status == 1, "\(unlock.output)")
            #expect(unlock.stderr == "error: the lock is held by a running `backfill run` (\(holder)); stop that run (Ctrl-C, or kill \(pid)) instead of unlocking\n")
            #expect(try count("run_lock", in: path) == 1)
            #expect(try count("run", in: path) == 0)
            #expect(try count("job_send", in: path) == 0)
        }

        @Test func aLockWhosePidWasReusedIsTakenOverWithANotice() async throws {
            let path = try ingested()
            let sleeper = try Self.spawnSleeper()
            defer { Self.stop(sleeper) }
            let pid = sleeper.processIdentifier
            // The pid is alive, but it is not the process that took the lock: that one started at another time.
            try insertLock(path, pid: pid, processStart: "\(try Self.processStart(pid))0")
            try await withSandbox { sandbox in
                let run = try await backfill(["run", "--db", path, "--base-url", sandbox.baseURL], environment: Self.credentials(sandbox))
                #expect(run.status == 0, "\(run.output)")
                #expect(run.firstErrorLine == "sending to \(sandbox.baseURL) (from --base-url, profile zerohash, contract ndax)")
                #expect(run.stderr.contains("took over a stale run lock: \(Self.holder(pid: pid, host: ProcessInfo.processInfo.hostName)) is no longer running"), "\(run.output)")
                #expect(sandbox.snapshot().updatesApplied == 5)
            }
            #expect(try count("run_lock", in: path) == 0)
        }

        @Test func aLockWhoseProcessIsGoneIsTakenOverWithANotice() async throws {
            let path = try ingested()
            let sleeper = try Self.spawnSleeper()
            let pid = sleeper.processIdentifier
            let start = try Self.processStart(pid)
            Self.stop(sleeper)
            try insertLock(path, pid: pid, processStart: start)
            try await withSandbox { sandbox in
                let run = try await backfill(["run", "--db", path, "--base-url", sandbox.baseURL], environment: Self.credentials(sandbox))
                #expect(run.status == 0, "\(run.output)")
                #expect(run.stderr.contains("took over a stale run lock: \(Self.holder(pid: pid, host: ProcessInfo.processInfo.hostName)) is no longer running"), "\(run.output)")
                #expect(sandbox.snapshot().updatesApplied == 5)
            }
        }

        @Test func aLockFromAnotherHostBlocksEveryWriterUntilUnlockClearsIt() async throws {
            let path = try ingested()
            try insertLock(path, pid: 4242, host: "other-host", processStart: "elsewhere:1")
            let holder = Self.holder(pid: 4242, host: "other-host")
            func refusal(_ action: String) -> String {
                "error: the database is locked by \(holder), which this host cannot check; \(action) is refused. If that run is over, `backfill unlock` clears the lock"
            }
            let csv = workspace.file("more.csv")
            try Data(Participants.csv(count: 7).utf8).write(to: URL(fileURLWithPath: csv))
            try await withSandbox { sandbox in
                let environment = Self.credentials(sandbox)
                let run = try await backfill(["run", "--db", path, "--base-url", sandbox.baseURL], environment: environment)
                #expect(run.status == 1, "\(run.output)")
                #expect(run.stderr == refusal("another run") + "\n")
                #expect(sandbox.snapshot().requestsAnswered == 0)

                let ingest = try await backfill(["ingest", csv, "--db", path])
                #expect(ingest.status == 1, "\(ingest.output)")
                #expect(ingest.firstErrorLine == refusal("ingest"))
                #expect(try count("job", in: path) == 5)

                let retry = try await backfill(["retry", "--all", "--db", path])
                #expect(retry.status == 1, "\(retry.output)")
                #expect(retry.stderr == refusal("retry") + "\n")

                let purge = try await backfill(["purge", "--all", "--yes", "--db", path])
                #expect(purge.status == 1, "\(purge.output)")
                #expect(purge.stderr == refusal("purge") + "\n")

                let unlock = try await backfill(["unlock", "--db", path])
                #expect(unlock.status == 0, "\(unlock.output)")
                #expect(unlock.stdout == "\(path): cleared the run lock of \(holder) (it was taken on another host)\n")
                #expect(try count("run_lock", in: path) == 0)

                let again = try await backfill(["unlock", "--db", path])
                #expect(again.status == 0 && again.stdout == "\(path): no run lock: nothing to clear\n", "\(again.output)")

                let after = try await backfill(["run", "--db", path, "--base-url", sandbox.baseURL, "--log-level", "warning"], environment: environment)
                #expect(after.status == 0, "\(after.output)")
                #expect(sandbox.snapshot().updatesApplied == 5)
            }
        }
    }
}

/// When the tests' run locks were taken: 2025-01-01T00:00:00Z.
let testLockTime: Int64 = 1_735_689_600_000

/// A counter for naming each child process's output files.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}
