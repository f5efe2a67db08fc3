import BackfillStore
import Foundation
import ParticipantAPI

/// What each group of participants needs, in the words of the README's error-class table ("what to do"), with
/// the exact command: the database and the target named as the page was made for.
///
/// ```swift
/// let advice = ReportAdvice(database: "run1.sqlite", target: target, rate: "90/1s")
/// advice.command("retry", "--class", "timeout")   // backfill retry --class timeout --base-url ... --db run1.sqlite
/// ```
public struct ReportAdvice: Sendable {
    /// As the operator gave it to `--db`; nil when it is the default (the commands then leave `--db` out).
    public var database: String?
    public var target: Target?
    /// The latest run's `--rate`, repeated on `resume` when it is not the default.
    public var rate: String?

    public init(database: String?, target: Target?, rate: String? = nil) {
        self.database = database
        self.target = target
        self.rate = rate
    }

    /// `--env cert`, `--env prod`, `--profile ndax`, or `--base-url URL` (with `--profile ndax` for NDAX's profile).
    public var targetFlags: [String] {
        guard let target else { return [] }
        switch target.name {
        case "cert": return ["--env", "cert"]
        case "prod": return ["--env", "prod"]
        case "ndax": return ["--profile", "ndax"]
        default: return (target.profile == .zerohash ? [] : ["--profile", target.profile.rawValue]) + ["--base-url", target.baseURL]
        }
    }

    /// `backfill WORDS... <target flags> --db DB`, each word quoted for a POSIX shell where it needs it.
    public func command(_ words: String..., withTarget: Bool = true) -> String {
        var all = ["backfill"] + words
        if withTarget { all += targetFlags }
        if let database { all += ["--db", database] }
        return all.map(ReportAdvice.shellQuoted).joined(separator: " ")
    }

    /// `backfill resume`, with the latest run's `--rate` when it was not the default.
    public var resume: String {
        if let rate, rate != "1000/10s" { return command("resume", "--rate", rate) }
        return command("resume")
    }

    /// `backfill explain CODE` for one participant (`CODE` when none is known).
    public func explain(_ participant: String?) -> String { command("explain", participant ?? "CODE") }

    public var failuresExport: String { command("report", "--failures", "--output", "failures.csv") }
    public var ingestCorrections: String { command("ingest", "failures.csv", withTarget: false) }

    /// A word as a POSIX shell reads it: as is when it is only safe characters, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(safe.contains) { return word }
        // By scalar: a `'` followed by a combining mark is one `Character`, which a `Character` search passes over.
        var out = String.UnicodeScalarView()
        out.append("'")
        for scalar in word.unicodeScalars {
            if scalar == "'" { out.append(contentsOf: "'\\''".unicodeScalars) } else { out.append(scalar) }
        }
        out.append("'")
        return String(out)
    }

    /// One step: what to do, in words, and the commands (in order; may be empty).
    public struct Step: Sendable, Equatable {
        public var words: String
        public var commands: [String]
    }

    /// What failed jobs of `reportClass` need. `example`: one participant of the class, for `explain`.
    public func failed(_ reportClass: ReportClass, example: String?) -> Step {
        let explain = command("explain", example ?? "CODE")
        guard let errorClass = reportClass.errorClass else {
            return held(HoldClass(rawValue: reportClass.rawValue) ?? .validation)
        }
        if errorClass.isWorthRetrying {
            return Step(words: "send again: `retry` moves them back to pending (same request_id, so a resend is idempotent), then `resume` sends them",
                        commands: [command("retry", "--class", errorClass.rawValue), resume])
        }
        switch errorClass {
        case .validation:
            return Step(words: "fix the values: export them, correct the cells, ingest the file, run again",
                        commands: [failuresExport, ingestCorrections, resume])
        case .segment:
            return Step(words: "complete the segment: export them, fill in the missing or malformed fields, ingest the file, run again",
                        commands: [failuresExport, ingestCorrections, resume])
        case .notCustomer:
            return Step(words: "take it up with the participant or Zero Hash (the API does not know them as a customer of this platform)",
                        commands: [failuresExport])
        case .forbidden:
            return Step(words: "check the platform's permissions with Zero Hash", commands: [explain])
        case .idempotencyConflict:
            return Step(words: "look at the participant's history, then re-ingest its data (a new job gets a new request_id)",
                        commands: [explain])
        case .emailTaken:
            return Step(words: EmailRules.emailTakenAdvice, commands: [explain, command("retry", "--class", errorClass.rawValue), resume])
        case .unknownParticipant:
            return Step(words: "Zero Hash does not know these participant codes on this target (a code from another environment, or a participant not onboarded there): check the codes, then retry them once they exist",
                        commands: [explain, command("retry", "--class", errorClass.rawValue), resume])
        case .unauthorized, .notFound, .tls, .dns:
            return Step(words: "fix the configuration (credentials, --env / --base-url / --profile), then run again",
                        commands: [resume])
        default:
            return Step(words: "look at the message", commands: [explain])
        }
    }

    /// What held participants of `holdClass` need.
    public func held(_ holdClass: HoldClass) -> Step {
        switch holdClass {
        case .segment:
            return Step(words: "complete the segment: export them, fill in the missing fields, ingest the file, run again",
                        commands: [failuresExport, ingestCorrections, resume])
        case .duplicateEmail:
            return Step(words: "correct one of the emails (emails are unique per platform), ingest, run again",
                        commands: [failuresExport, ingestCorrections, resume])
        case .emailCycle:
            return Step(words: "an email swap (or longer cycle) no order can apply: have the platform approve an interim address (one nobody has) for one participant of each cycle, export that change as its latest row, ingest it, run again; `explain` names the others of the cycle",
                        commands: [explain(nil), ingestCorrections, resume])
        case .validation:
            return Step(words: "fix the values of the rejected rows: export them, correct the cells, ingest the file, run again",
                        commands: [failuresExport, ingestCorrections, resume])
        }
    }

    /// What pending (and in-flight) jobs need.
    public var pending: Step {
        Step(words: "send them: `resume` continues where the database stands (jobs left in flight by a crash are sent again first)",
             commands: [resume])
    }
}
