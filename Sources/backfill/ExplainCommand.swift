import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation
import ParticipantAPI

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show one participant's rows in fold order, the resulting body, request_id and state, or why it is held.",
        usage: """
            backfill explain [--db <path>] [--profile <profile>] [--env <env>]
                     [--base-url <url>] <participant-code> [--json]
            """,
        discussion: """
            Examples:
              backfill explain AB12CD
              backfill explain ab12cd --db run1.sqlite --json
            """
    )

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: TargetOptions

    @Argument(help: ArgumentHelp("The participant code.", valueName: "participant-code"))
    var participantCode: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let found = try reportingErrors {
            let queue = try database.open(.readOnly)
            let target = try self.target.explicitTarget()
            return try queue.read { db in
                try Explanation.read(db, participantCode: participantCode, scope: try TargetScope.resolve(db, target: target))
            }
        }
        guard let e = found else {
            printError("error: no rows or jobs for participant '\(participantCode)' in \(database.db)")
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(e), as: UTF8.self))
            return
        }
        let mode = e.mode == .history ? " (history mode)" : ""
        print(e.target.map { "target: \($0); participant \(e.participantCode): \(e.stateOnTarget ?? "no current job") there\(mode)" }
              ?? "target: none yet; participant \(e.participantCode)\(mode)")
        print("contract: \(e.contract) (\(e.contract.summary))")
        if let need = e.documentNeed {
            let type = need.idNumberType.map { " to \($0)" } ?? ""
            print("ID change\(type) at \(ISOTime.text(epochMilliseconds: need.platformUpdatedAt)) (\(need.sources.joined(separator: ";"))): not sent, \(DocumentNeed.what)")
            if let problem = need.problem { print("  the ID change is incomplete: \(problem)") }
            if e.jobs.isEmpty { print("no job: the ID change is the participant's only change, and it is not sent") }
        }
        print("rows in fold order:")
        for row in e.rows {
            let when = row.platformUpdatedAt.map { ISOTime.text(epochMilliseconds: $0) } ?? "no valid timestamp"
            let fields = row.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            print("  \(row.source)  \(when)  \(row.status.rawValue)\(fields.isEmpty ? "" : "  \(fields)")")
            if let rejection = row.rejection { print("      rejected: \(rejection)") }
        }
        if e.mode == .history { print("steps, sent in this order (each after the one before it succeeded):") }
        for (i, job) in e.jobs.enumerated() {
            let ingest = job.state == .pending ? "ready to send" : job.state.rawValue
            if e.mode == .history {
                let when = job.platformUpdatedAt.map { ISOTime.text(epochMilliseconds: $0) } ?? "no valid timestamp"
                let what = job.corrective ? " (the corrective PATCH: latest mode's fold)" : ""
                if job.isCurrent {
                    var there = job.stateOnTarget.map { e.target != nil ? "; \($0.rawValue) on \(e.target!)" : "" } ?? ""
                    if job.stateOnTarget == .blocked,
                       let failed = e.currentJobs.first(where: { $0.stateOnTarget == .failed && $0.step < job.step }) {
                        there += " (step \(failed.step) failed; retrying it unblocks this one)"
                    }
                    print("step \(job.step) #\(job.id)\(what): \(when), \(ingest)\(there)")
                } else {
                    print("earlier job #\(job.id) (was step \(job.step))\(what): \(when), \(ingest)")
                }
            } else {
                print(i == 0 && job.isCurrent ? "current job #\(job.id): \(ingest)" : "earlier job #\(job.id): \(ingest)")
            }
            if job.sends.isEmpty { print("  not sent to any target") }
            for s in job.sends {
                var parts = [s.state.rawValue, "\(s.attempts) attempt\(s.attempts == 1 ? "" : "s")"]
                if let status = s.lastStatus { parts.append("last status \(status)") }
                if let cls = s.errorClass { parts.append("class \(cls.rawValue)") }
                if let at = s.lastAttemptAt { parts.append("at \(at)") }
                print("  on \(s.target): \(parts.joined(separator: ", "))")
                if let message = s.message { print("    message: \(message)") }
                for m in s.echoMismatches {
                    print("    echo mismatch: \(m.field) sent '\(m.sent)', echoed \(m.echoed.map { "'\($0)'" } ?? "nothing") (the job succeeded)")
                }
            }
            if let id = job.requestID { print("  request_id: \(id)") }
            if let body = job.body { print("  body: \(body)") }
            for reason in job.holdReasons { print("  held: \(reason.source): \(reason.message)") }
            if !job.emailConflictWith.isEmpty {
                print("  held: the same folded email as \(job.emailConflictWith.joined(separator: ", ")) (emails are unique per platform)")
            }
            if !job.emailCycleWith.isEmpty {
                print("  held: \(EmailRules.cycleMessage(others: job.emailCycleWith))")
            }
            for h in job.waitsFor {
                let step = h.step > 0 ? " step \(h.step)" : ""
                print("  waits for: \(h.participantCode)\(step) to give up \(h.email) (\(h.stateOnTarget?.rawValue ?? "not sent") there)\(h.stateOnTarget == .failed || h.stateOnTarget == .held ? ": this job is blocked until it succeeds" : "")")
            }
            for h in job.waitedOnBy {
                let step = h.step > 0 ? " step \(h.step)" : ""
                print("  waited on by: \(h.participantCode)\(step), which takes \(h.email) once this job succeeds (\(h.stateOnTarget?.rawValue ?? "not sent") there)")
            }
        }
    }
}
