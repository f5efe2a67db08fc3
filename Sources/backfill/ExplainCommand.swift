import ArgumentParser
import BackfillCore
import Foundation
import ParticipantAPI

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show one participant's rows in fold order, the resulting body, request_id and state, or why it is held.",
        discussion: """
            Examples:
              backfill explain AB12CD
              backfill explain ab12cd --db run1.sqlite --json
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The participant code.", valueName: "participant-code"))
    var participantCode: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        guard let e = try database.open().read({ try Explanation.read($0, participantCode: participantCode) }) else {
            printError("error: no rows or jobs for participant '\(participantCode)' in \(database.db)")
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(e), as: UTF8.self))
            return
        }
        print("participant \(e.participantCode)")
        print("rows in fold order:")
        for row in e.rows {
            let when = row.platformUpdatedAt.map { ISOTime.text(epochMilliseconds: $0) } ?? "no valid timestamp"
            let fields = row.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            print("  \(row.source)  \(when)  \(row.status)\(fields.isEmpty ? "" : "  \(fields)")")
            if let rejection = row.rejection { print("      rejected: \(rejection)") }
        }
        for (i, job) in e.jobs.enumerated() {
            print(i == 0 && job.isCurrent ? "current job #\(job.id): \(job.state)" : "earlier job #\(job.id): \(job.state)")
            if let id = job.requestID { print("  request_id: \(id)") }
            if let body = job.body { print("  body: \(body)") }
            for reason in job.holdReasons { print("  held: \(reason.source): \(reason.message)") }
            if !job.emailConflictWith.isEmpty {
                print("  held: the same folded email as \(job.emailConflictWith.joined(separator: ", ")) (emails are unique per platform)")
            }
        }
    }
}
