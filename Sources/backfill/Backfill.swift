import ArgumentParser
import BackfillStore

@main
struct Backfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Backfill participant changes into Zero Hash / NDAX: PATCH /participants/customers/{participant_code}.",
        discussion: """
            Pipeline: ingest history files into a job table, run the jobs against the API, report on the outcome. Rehearse first: `backfill demo`, or `backfill sandbox` in one terminal and a run against it in another. Shell completion: backfill --generate-completion-script bash|zsh|fish (see the README).
            """,
        version: BuildInfo.description,
        subcommands: [
            IngestCommand.self,
            StatusCommand.self,
            ExplainCommand.self,
            RunCommand.self,
            ResumeCommand.self,
            RateCommand.self,
            ReportCommand.self,
            RetryCommand.self,
            PurgeCommand.self,
            UnlockCommand.self,
            SandboxCommand.self,
            DemoCommand.self,
        ]
    )
}
