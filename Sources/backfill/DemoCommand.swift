import ArgumentParser
import BackfillCore
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the bundled samples: ingest samples/ into a fresh database and summarize.",
        discussion: """
            Examples:
              backfill demo
              backfill demo --samples ./samples --db /tmp/demo.sqlite
            """
    )

    @Option(help: ArgumentHelp("The database (default: a fresh one in a temporary directory).", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("The directory of sample inputs.", valueName: "dir"))
    var samples: String = "samples"

    func run() throws {
        let inputs = try Demo.sampleFiles(in: samples)
        let path = try db ?? Demo.temporaryDatabasePath()
        print("demo database: \(path)")
        let ingester = try Ingester(database: try BackfillDatabase.open(path: path), options: IngestOptions())
        for file in inputs {
            print(IngestReportText.render(try ingester.ingest(path: file)))
        }
        try StatusCommand.parse(["--db", path]).run()
    }
}
