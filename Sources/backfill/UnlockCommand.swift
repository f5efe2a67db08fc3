import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation

struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Clear a run lock whose holder is gone (for example one left by another host).",
        discussion: """
            A lock whose holder is gone from this host is taken over by the next run on its own, with a notice. A lock taken on another host cannot be checked from here, so run, ingest, retry and purge refuse it; once you know that run is over, unlock clears it, saying whose it was. Refused while the holder is alive on this host: stop that run instead.
            Examples:
              backfill unlock
              backfill unlock --db /shared/backfill.sqlite
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingErrors {
            let queue = try database.open(.existing)
            switch try queue.write({ try RunLock.unlock($0) }) {
            case .noLock:
                print("\(database.db): no run lock: nothing to clear")
            case .cleared(let holder):
                let why = holder.isThisHost ? "its process is gone" : "it was taken on another host"
                print("\(database.db): cleared the run lock of \(holder) (\(why))")
            }
        }
    }
}
