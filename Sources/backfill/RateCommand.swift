import ArgumentParser
import BackfillRun
import BackfillStore
import Foundation
import ParticipantAPI

struct RateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Change the rate of the running run without stopping it (the IP's budget is shared).",
        discussion: """
            Records a new ceiling in the database; the run that holds it picks it up within a second, and its progress line and metrics (backfill_configured_rate) show it. The same limits as --rate apply: never above the documented 2000/10s for a documented host. A lockout's ceiling still holds: a higher rate is only the new limit the run probes towards. A run started later starts from its own --rate. Lower it when the platform's own traffic peaks.
            Examples:
              backfill rate 500/10s
              backfill rate 20/1s --db /shared/backfill.sqlite
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The new ceiling: never more than N starts in any rolling W (e.g. 500/10s).", valueName: "N/W"))
    var rate: String

    func validate() throws {
        guard RateLimit(parsing: rate) != nil else {
            throw ValidationError("rate '\(rate)': expected N/W, e.g. 500/10s or 20/1s")
        }
    }

    func run() throws {
        try reportingErrors {
            let limit = RateLimit(parsing: rate)!
            let queue = try database.open(.existing)
            let recorded = try queue.write { try RateRequest.record($0, rate: limit) }
            print("rate \(limit) recorded for the run on \(recorded.target) (was \(recorded.previous)); it takes effect within a second")
        }
    }
}
