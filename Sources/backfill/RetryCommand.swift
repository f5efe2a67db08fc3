import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation
import ParticipantAPI

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Move failed jobs back to pending, so the next `backfill run` sends them again.",
        usage: """
            backfill retry [--db <path>] [--profile <profile>] [--env <env>]
                     [--base-url <url>] [--all] [--class <class> ...]
                     [--status <code> ...]
                     [--participant <code> ...] [--since <time>] [--as-latest]
            """,
        discussion: """
            Retried jobs keep their request_id and body, so a resend is idempotent; a participant whose data was corrected gets a new job through `backfill ingest` instead. Each retried job's attempt count starts again at 0, so it gets a full set of --max-attempts (its ledger numbers restart at 1); the ledger keeps every earlier attempt. Succeeded, held and pending jobs are never touched. Filters combine with AND; a repeated filter matches any of its values. Refused while a `backfill run` holds the database. Error classes: \(ErrorClass.allCases.map(\.rawValue).joined(separator: ", ")).
            Examples:
              backfill retry --all
              backfill retry --class server --class timeout --class network
              backfill retry --status 503 --since 2025-01-01T12:00:00Z
              backfill retry --participant AB12CD --participant QX9Z01 --db run1.sqlite
              backfill retry --participant QX9Z01 --as-latest --db history.sqlite
            History mode: retrying a failed step unblocks the participant's later steps. --as-latest releases the single corrective PATCH (latest mode's fold) of a participant held because a row older than a sent step changed its history; the next run sends it after that participant's last sent step.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: TargetOptions

    @Flag(help: "Every failed job.")
    var all = false

    @Option(name: .customLong("class"), help: ArgumentHelp("Failed with this error class (repeatable).", valueName: "class"))
    var classes: [Given<ErrorClass>] = []

    @Option(name: .customLong("status"), help: ArgumentHelp("Failed with this HTTP status (repeatable).", valueName: "code"))
    var statuses: [Int] = []

    @Option(name: .customLong("participant"), help: ArgumentHelp("This participant's failed job (repeatable).", valueName: "code"))
    var participants: [String] = []

    @Option(help: ArgumentHelp("Last attempted at or after this time (ISO-8601, epoch seconds or milliseconds).", valueName: "time"))
    var since: String?

    @Flag(name: .customLong("as-latest"), help: "History mode: send the named participants' held corrective PATCH (latest mode's fold) instead of replaying a history that changed before a sent step.")
    var asLatest = false

    func filter() throws -> RetryFilter {
        var sinceMs: Int64?
        if let since {
            guard let ms = TimestampParser.epochMilliseconds(since.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--since '\(since)': expected ISO-8601 (2025-01-01T12:00:00Z), epoch seconds or milliseconds")
            }
            sinceMs = ms
        }
        // A class its type refused goes on as typed (lower-cased), for `RetryFilter.validate()` to refuse with the
        // nearest class, after the checks that come before it.
        let names = classes.map { $0.value?.rawValue ?? $0.text.lowercased() }
        return RetryFilter(all: all, classes: names, statuses: statuses, participants: participants, since: sinceMs)
    }

    func validate() throws {
        if asLatest {
            if participants.isEmpty { throw ValidationError("--as-latest needs --participant CODE: it is decided one participant at a time") }
            if all || !classes.isEmpty || !statuses.isEmpty || since != nil {
                throw ValidationError("--as-latest takes only --participant (it releases a held corrective PATCH, not failed jobs)")
            }
        }
        do {
            try filter().validate()
        } catch let error as BackfillError {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try reportingErrors {
            let queue = try database.open(.existing)
            let explicit = try target.explicitTarget()
            let scope = try queue.read { try TargetScope.resolve($0, target: explicit) }
            if asLatest {
                let released = try RetryStore.releaseCorrective(queue, participants: participants, now: now)
                for code in released {
                    print("participant \(code): the corrective PATCH (latest mode's fold) is ready; `backfill run --db \(database.db)\(runFlags(scope.target))` sends it after the participant's last sent step")
                }
                return
            }
            print(scope.headline)
            let moved = try RetryStore.retry(queue, filter: try filter(), target: scope.target, now: now)
            print(moved == 0 ? "no failed job matched: nothing moved"
                             : "moved \(moved) failed job\(moved == 1 ? "" : "s") back to pending on \(scope.target?.name ?? "the target"); `backfill run --db \(database.db)\(runFlags(scope.target))` sends \(moved == 1 ? "it" : "them") again")
        }
    }
}

/// The flags that name `target` again on a `backfill run` command line.
func runFlags(_ target: Target?) -> String {
    guard let target else { return "" }
    switch target.name {
    case "cert": return " --env cert"
    case "prod": return " --env prod"
    case "ndax": return " --profile ndax"
    default: return (target.profile == .zerohash ? "" : " --profile \(target.profile.rawValue)") + " --base-url \(target.baseURL)"
    }
}
