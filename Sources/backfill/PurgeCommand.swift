import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Clear personal data from the database once it is no longer needed.",
        usage: """
            backfill purge [--db <path>] [--profile <profile>] [--env <env>]
                     [--base-url <url>] [--succeeded] [--all] [--yes]
            """,
        discussion: """
            --succeeded clears the bodies, responses, source-row values and messages of participants whose job succeeded; --all does it for every participant and every input row, rejected ones included. Kept:
            participant codes, request_ids, timestamps, states, attempt counts, HTTP statuses, error classes and reject codes (the audit trail), so `status` and `report --summary` keep working. Then the write-ahead log is checkpointed and the database VACUUMed, so no purged value survives in the files. There is no undo: a terminal asks you to type yes; elsewhere pass --yes. Refused while a `backfill run` holds the database.
            Examples:
              backfill purge --succeeded
              backfill purge --all --yes --db run1.sqlite
            """
    )

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: TargetOptions

    @Flag(help: "Participants whose job succeeded.")
    var succeeded = false

    @Flag(help: "Every participant and every input row.")
    var all = false

    @Flag(help: "Do not ask for confirmation (required when standard input is not a terminal).")
    var yes = false

    func validate() throws {
        if succeeded == all { throw ValidationError("choose one of --succeeded or --all") }
    }

    func run() throws {
        let scope: PurgeScope = all ? .all : .succeeded
        let (queue, targetScope) = try reportingErrors {
            let queue = try database.open(.existing)
            let explicit = try target.explicitTarget()
            return (queue, try queue.read { try TargetScope.resolve($0, target: explicit) })
        }
        if succeeded { print(targetScope.headline) }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                printError("error: purge clears personal data for good; pass --yes to confirm when not on a terminal")
                throw ExitCode.failure
            }
            let what = all ? "every participant and every input row" : "every participant whose job succeeded on \(targetScope.target?.name ?? "the target")"
            print("This clears the personal data of \(what) in \(database.db). It cannot be undone. Type yes to go on: ", terminator: "")
            FileHandle.standardOutput.synchronizeFile()
            guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                print("nothing purged")
                throw ExitCode.failure
            }
        }
        do {
            let r = try PurgeStore.purge(queue, path: database.db, scope: scope, target: targetScope.target)
            print("purged \(r.participants) participants: \(r.jobs) jobs, \(r.attempts) attempts, \(r.inputRows) input rows")
            print("checkpointed and vacuumed: \(r.bytesBefore) -> \(r.bytesAfter) bytes")
        } catch let error as BackfillError {
            printError("error: \(error.message)")
            throw ExitCode.failure
        }
    }
}
