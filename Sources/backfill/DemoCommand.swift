import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillSandbox
import Foundation
import Logging
import ParticipantAPI

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the bundled samples: an in-process sandbox, a fresh database, ingest, run, summary.",
        usage: """
            backfill demo [--db <path>] [--samples <dir>] [--contract <contract>]
                     [--log-level <log-level>]
            """,
        discussion: """
            Nothing leaves this machine: the sandbox listens on an ephemeral loopback port with generated credentials.
            Examples:
              backfill demo
              backfill demo --contract ndax
              backfill demo --samples ./samples --db /tmp/demo.sqlite
            """
    )

    @Option(help: ArgumentHelp("The database (default: a fresh one in a temporary directory).", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("A directory of sample inputs (default: the samples the binary carries).", valueName: "dir"))
    var samples: String?

    @Option(help: ArgumentHelp("zerohash: Zero Hash's published contract (the default). ndax: NDAX's page and the 2022 release note. The database and the sandbox both speak it.", valueName: "contract"))
    var contract: Given<Contract>?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "warning"

    func run() async throws {
        LoggingSetup.bootstrap(level: Logger.Level(argument: logLevel) ?? .info, format: .text)
        let path = try db ?? Demo.temporaryDatabasePath()
        // The carried samples are written next to a fresh database (or into a new temporary directory), never
        // into a directory the operator named.
        let directory = try samples ?? Demo.writeCarriedSamples(nextTo: db == nil ? path : nil)
        let inputs = try Demo.sampleFiles(in: directory)
        let chosen = try contract?.parsed { "--contract '\($0)': expected zerohash or ndax" } ?? .default
        var sandboxConfiguration = SandboxConfiguration()
        sandboxConfiguration.contract = chosen
        let sandbox = try await Sandbox.start(sandboxConfiguration, logger: Logger(label: "backfill.sandbox"))
        do {
            print("sandbox: \(sandbox.baseURL) (in-process, generated credentials)")
            print("contract: \(chosen) (\(chosen.summary))\(chosen == .zerohash ? "; to run it under NDAX's (the 2022 contract): backfill demo --contract ndax" : "")")
            print("database: \(path)\n")
            let database = try BackfillDatabase.open(path: path)
            let ingester = try Ingester(database: database, options: IngestOptions(contract: chosen))
            for file in inputs {
                print(IngestReportText.render(try ingester.ingest(path: file)))
            }
            var run = RunConfiguration()
            run.baseURL = sandbox.baseURL
            let configuration = run
            let credentials = Credentials(apiKey: sandbox.credentials.apiKey, apiSecret: sandbox.credentials.apiSecret,
                                          passphrase: sandbox.credentials.passphrase)
            print("\nsending the ready jobs to the sandbox...")
            // The run blocks its thread (Dispatch workers); keep it off the async executor's threads.
            let summary = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RunSummary, any Error>) in
                Thread {
                    continuation.resume(with: Result {
                        try Runner.run(database: database, configuration: configuration, credentials: credentials,
                                       logger: Logger(label: "backfill.run"))
                    })
                }.start()
            }
            // The sandbox is gone once the demo ends: the next commands name the database, not the target
            // (reports describe the latest run's target by default).
            print(RunSummaryText.render(summary, advice: ReportAdvice(database: path, target: nil)))
            let state = sandbox.snapshot()
            print("\nsandbox: \(state.updatesApplied) update(s) applied to \(state.participants.filter { $0.updatesApplied > 0 }.count) participant(s)")
            print("held participants are expected: \(directory)/README.md says which and why (`backfill explain CODE --db \(path)`)")
            let status = try await database.read { try StatusSummary.read($0) }
            if status.documentNeeds > 0 {
                print(DocumentNeed.line(count: status.documentNeeds) + " (zerohash sends no ID; `backfill report --failures` lists them)")
            }
        } catch {
            await sandbox.shutdown()
            throw error
        }
        await sandbox.shutdown()
    }
}
