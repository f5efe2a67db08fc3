import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Count jobs by state on a target, list every target sent to, and count rejected input rows.",
        usage: """
            backfill status [--db <path>] [--profile <profile>] [--env <env>]
                     [--base-url <url>] [--json] [--watch <code> ...]
            """,
        discussion: """
            The first line names the target the counts describe: the latest run's, unless --env, --profile or --base-url names another. A job that was never sent to a target is pending there. Only reads.
            Examples:
              backfill status
              backfill status --env prod
              backfill status --base-url http://127.0.0.1:8080 --db run1.sqlite --json
              backfill status --watch US-NY --watch US-CA
            """
    )

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: TargetOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var watch: WatchOptions

    func validate() throws {
        _ = try watch.jurisdictions()
    }

    func run() throws {
        let (summary, scope) = try reportingErrors {
            let queue = try database.open(.readOnly)
            let target = try self.target.explicitTarget()
            return try queue.read { db in
                let scope = try TargetScope.resolve(db, target: target)
                return (try StatusSummary.read(db, scope: scope, watch: try watch.jurisdictions()), scope)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        // The same first line as every other read command: a target named but never sent to says so.
        print(scope.headline)
        print("contract: \(summary.contract) (\(summary.contract.summary))")
        // Latest mode counts `blocked` too when an email handover blocks a taker.
        let states = summary.jobs.states
        if let participants = summary.participantStates {
            print("steps: \(summary.jobs.total) (history mode: one PATCH per change, each after the one before it)")
            for state in states {
                print("  \(state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(summary.jobs[state])")
            }
            print("participants: \(summary.participants) (failed: a step failed and the later ones are blocked; succeeded: every step)")
            for state in JobStatus.latest {
                print("  \(state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(participants[state])")
            }
        } else {
            print("jobs: \(summary.participants) participants")
            for state in states {
                print("  \(state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(summary.jobs[state])")
            }
        }
        if summary.earlierJobs > 0 { print("  (earlier versions kept for the audit trail: \(summary.earlierJobs))") }
        print("input: \(summary.files) files, \(summary.rowsRead) rows, \(summary.rowsRejected) rejected")
        if summary.documentNeeds > 0 {
            print(DocumentNeed.line(count: summary.documentNeeds) + "; backfill report --failures lists them")
        }
        if summary.echoMismatches > 0 {
            print(EchoMismatch.line(jobs: summary.echoMismatches, fields: summary.echoMismatchFields))
        }
        if let line = summary.emailRules.line { print(line) }
        if summary.moves.moves > 0 { print(summary.moves.line + "; backfill report --moves lists them") }
        // Which builds sent, per target (`--version` of each run's binary).
        let builds = summary.targets.filter { !$0.versions.isEmpty }
        if !builds.isEmpty {
            print("sent by: " + builds.map { "backfill \($0.versions.joined(separator: ", ")) to \($0.name)" }.joined(separator: "; "))
        }
        for t in summary.targets where t.lockouts > 0 {
            print("IP lockouts caused on \(t.name): \(t.lockouts) (\(Int(t.lockoutSeconds)) s in which every request from this IP, the platform's own included, was refused)")
        }
        if !summary.targets.isEmpty {
            print("targets sent to:")
            for t in summary.targets {
                let counts = t.jobs.states.map { "\($0.rawValue) \(t.jobs[$0])" }.joined(separator: ", ")
                print("  \(t.name)\(t.name == summary.target ? " (shown above)" : ""): \(counts)")
            }
        }
    }
}
