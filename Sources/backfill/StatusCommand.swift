import ArgumentParser
import BackfillCore
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Count jobs by state and rejected input rows.",
        discussion: """
            Examples:
              backfill status
              backfill status --db run1.sqlite --json
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let summary = try database.open().read { try StatusSummary.read($0) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("jobs: \(summary.participants) participants")
        for state in StatusSummary.states {
            print("  \(state.padding(toLength: 10, withPad: " ", startingAt: 0)) \(summary.jobs[state] ?? 0)")
        }
        if summary.earlierJobs > 0 { print("  (earlier versions kept for the audit trail: \(summary.earlierJobs))") }
        print("input: \(summary.files) files, \(summary.rowsRead) rows, \(summary.rowsRejected) rejected")
    }
}
