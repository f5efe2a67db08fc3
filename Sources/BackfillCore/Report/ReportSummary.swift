import BackfillStore
import Foundation
import GRDB
import ParticipantAPI

/// `backfill report --summary`: what happened, from aggregates only (grouped queries over indexes and the
/// ledger), so it answers in seconds on a million jobs and keeps working after `purge`.
public struct ReportSummary: Sendable, Encodable {
    public struct Count: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int

        /// Largest first, then by name.
        static func sorted<Key: RawRepresentable<String> & Hashable>(_ counts: [Key: Int]) -> [Count] {
            counts.map { Count(name: $0.key.rawValue, count: $0.value) }
                .sorted { $0.count > $1.count || ($0.count == $1.count && $0.name < $1.name) }
        }
    }

    /// One message template of one error class: how many failed jobs or hold reasons read like it, and one
    /// participant that got it.
    public struct MessageCount: Sendable, Codable, Equatable {
        public var errorClass: String
        /// The template (see `MessageTemplate`), masked with `--redact`.
        public var message: String
        public var count: Int
        /// One participant whose message reads like this (the smallest code).
        public var exampleParticipant: String?

        public init(errorClass: String, message: String, count: Int, exampleParticipant: String? = nil) {
            self.errorClass = errorClass
            self.message = message
            self.count = count
            self.exampleParticipant = exampleParticipant
        }
    }

    public struct AttemptsBucket: Sendable, Codable, Equatable {
        /// Attempts a job used (429s and interrupted attempts excluded).
        public var attempts: Int
        public var jobs: Int
    }

    public struct RunInfo: Sendable, Codable, Equatable {
        public var id: Int64
        public var startedAt: String
        /// Nil while the run is going (or if it crashed).
        public var endedAt: String?
        public var seconds: Double?
        /// Requests sent during the run (429s included).
        public var attempts: Int
        public var sendsPerSecond: Double?
        /// As given to `--rate` (`1000/10s`, `unlimited`).
        public var rate: String
        /// The configured rate in requests per second; nil when unpaced.
        public var configuredPerSecond: Double?
        /// `sendsPerSecond` as a share of `configuredPerSecond` (1 = the configured rate was achieved).
        public var shareOfConfigured: Double?
        public var concurrency: Int
        public var exitCode: Int?
        public var stopReason: String?
        var stopCode: RunStop.Code?

        /// The run's target, by its short name.
        public var target: String?
        /// The build that sent (`0.21.0+<commit>`); nil for a run made before versions were recorded.
        public var version: String?
        /// Lockouts of the IP the run caused, and the seconds everything the IP sent was refused for them.
        public var lockouts = 0
        public var lockoutSeconds: Double = 0

        /// Stopped by an answer or failure that any further request would meet too (not a signal, not a crash).
        public var stoppedByAnswer: Bool { stopCode.map { ![.interrupted, .crashed, .error].contains($0) } ?? false }

        enum CodingKeys: String, CodingKey {
            case id, startedAt, endedAt, seconds, attempts, sendsPerSecond, rate, configuredPerSecond, shareOfConfigured,
                 concurrency, exitCode, stopReason, target, version, lockouts, lockoutSeconds
        }
    }

    public struct Latency: Sendable, Codable, Equatable {
        public var attempts: Int
        public var p50Ms: Int64?
        public var p90Ms: Int64?
        public var p99Ms: Int64?
        public var maxMs: Int64?
    }

    /// The target described (its short name); nil when nothing has been sent.
    public var target: String?
    /// Current jobs by state on the target (every state present).
    public var jobs: JobCounts
    /// Failed and held jobs, and rejected rows with no usable participant, by error class; largest first.
    public var errorsByClass: [Count]
    /// Failed jobs by error class; largest first.
    public var failedByClass: [Count]
    /// Held jobs by report class (`validation`, `segment`, `duplicate_email`); largest first.
    public var heldByClass: [Count]
    /// The messages of failed jobs and hold reasons grouped by `MessageTemplate` (participant codes,
    /// request_ids, emails, numbers and quoted values replaced by placeholders): the `top` largest templates of
    /// each class, largest first overall, each with one example participant.
    public var topMessages: [MessageCount]
    public var attemptsPerJob: [AttemptsBucket]
    /// Ledger rows by outcome (`succeeded`, `failed`, `retry`, `rate_limited`, `stopped`, `interrupted`).
    public var attemptsByOutcome: [AttemptOutcome: Int]
    public var runs: [RunInfo]
    /// Wall time of the ended runs, in seconds.
    public var runSeconds: Double
    /// Requests per second over the ended runs.
    public var achievedRate: Double?
    public var latency: Latency
    /// Rejected input rows by reason code; largest first.
    public var rejectedRows: [Count]
    /// The database's mode: in history mode `jobs` counts steps, and is written `steps`.
    public var mode: IngestMode = .latest
    /// The contract the database is made for.
    public var contract: Contract = .default
    /// Under `zerohash`: participants with an ID change that needs a supporting document instead of a PATCH.
    public var documentNeeds = 0
    /// Jobs on the target whose 200 echoed another value than the one sent, the fields in all, and the first few.
    public var echoMismatches = 0
    public var echoMismatchFields = 0
    public var echoExamples: [EchoExample] = []
    /// Email handovers, cycles and addresses held outside the input (the three outcomes of the email rules).
    public var emailRules = EmailRuleCounts()
    /// Jurisdiction moves, and into and out of the watched jurisdictions (US-NY).
    public var moves = MoveCounts(moves: 0, participants: 0, watched: [])

    /// One field a 200 echoed with another value (masked under `--redact`).
    public struct EchoExample: Sendable, Encodable, Equatable {
        public var participantCode: String
        public var mismatch: EchoMismatch
    }

    enum CodingKeys: String, CodingKey {
        case target, contract, documentNeeds = "needsDocument", emailRules, moves, echoMismatches, echoMismatchFields, echoExamples, jobs, steps, errorsByClass, failedByClass, heldByClass, topMessages, attemptsPerJob,
             attemptsByOutcome, runs, runSeconds, achievedRate, latency, rejectedRows
    }

    /// Snake-case keys (`jsonText`); `steps` in history mode where latest mode writes `jobs`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(target, forKey: .target)
        try c.encode(contract, forKey: .contract)
        if contract == .zerohash { try c.encode(documentNeeds, forKey: .documentNeeds) }
        try c.encode(echoMismatches, forKey: .echoMismatches)
        try c.encode(emailRules, forKey: .emailRules)
        try c.encode(moves, forKey: .moves)
        try c.encode(echoMismatchFields, forKey: .echoMismatchFields)
        try c.encode(echoExamples, forKey: .echoExamples)
        try c.encode(jobs, forKey: mode == .history ? .steps : .jobs)
        try c.encode(errorsByClass, forKey: .errorsByClass)
        try c.encode(failedByClass, forKey: .failedByClass)
        try c.encode(heldByClass, forKey: .heldByClass)
        try c.encode(topMessages, forKey: .topMessages)
        try c.encode(attemptsPerJob, forKey: .attemptsPerJob)
        try c.encode(attemptsByOutcome, forKey: .attemptsByOutcome)
        try c.encode(runs, forKey: .runs)
        try c.encode(runSeconds, forKey: .runSeconds)
        try c.encodeIfPresent(achievedRate, forKey: .achievedRate)
        try c.encode(latency, forKey: .latency)
        try c.encode(rejectedRows, forKey: .rejectedRows)
    }

    /// - Parameters:
    ///   - top: how many message templates to list per error class.
    ///   - redact: mask personal data inside the messages (see `Redactor`).
    ///   - scope: the target described; nil: the latest run's.
    public static func read(_ db: Database, top: Int = 10, redact: Bool = false, scope: TargetScope? = nil) throws -> ReportSummary {
        try readWithLatency(db, top: top, redact: redact, scope: scope).summary
    }

    /// The summary and the latency distribution it was computed from (the page draws it): outcomes and
    /// latencies come from one grouped pass over the ledger.
    static func readWithLatency(_ db: Database, top: Int = 10, redact: Bool = false, scope: TargetScope? = nil) throws
        -> (summary: ReportSummary, latency: LatencyDistribution) {
        let scope = try scope ?? TargetScope.resolve(db, target: nil)
        let status = try StatusSummary.read(db, scope: scope)
        var failedByClass: [ReportClass: Int] = [:]
        var heldByClass: [ReportClass: Int] = [:]
        var allByClass: [ReportClass: Int] = [:]
        for (kind, cls, n) in try SummaryReads.classCounts(db, scope: scope) {
            allByClass[cls, default: 0] += n
            if kind == .failed { failedByClass[cls, default: 0] += n }
            if kind == .held { heldByClass[cls, default: 0] += n }
        }
        let messages = try readTemplates(db, top: top, redact: redact, scope: scope)
        let perJob = try SummaryReads.attemptsPerJob(db, scope: scope).map { AttemptsBucket(attempts: $0.attempts, jobs: $0.jobs) }
        var outcomes: [AttemptOutcome: Int] = [:]
        var byLatency: [Int64: (count: Int, timeouts: Int)] = [:]
        for (outcome, ms, n, timeouts) in try SummaryReads.outcomesByLatency(db, scope: scope) {
            outcomes[outcome, default: 0] += n
            // Interrupted attempts measured nothing (as in `LatencyDistribution.read`).
            guard outcome != .interrupted else { continue }
            byLatency[ms, default: (0, 0)].count += n
            byLatency[ms, default: (0, 0)].timeouts += timeouts
        }
        let sorted = byLatency.sorted { $0.key < $1.key }
        let latencies = LatencyDistribution(counts: sorted.map { (ms: $0.key, count: $0.value.count) },
                                            timeouts: sorted.compactMap { $0.value.timeouts > 0 ? (ms: $0.key, count: $0.value.timeouts) : nil })
        let runs = try readRuns(db, scope: scope)
        let ended = runs.filter { $0.seconds != nil }
        let seconds = ended.reduce(0) { $0 + ($1.seconds ?? 0) }
        let sent = ended.reduce(0) { $0 + $1.attempts }
        let rejected = try SummaryReads.rejectedByCode(db).map { Count(name: $0.code, count: $0.count) }
        let summary = ReportSummary(
            target: scope.target?.name, jobs: status.jobs, errorsByClass: Count.sorted(allByClass),
            failedByClass: Count.sorted(failedByClass), heldByClass: Count.sorted(heldByClass), topMessages: messages,
            attemptsPerJob: perJob,
            attemptsByOutcome: outcomes, runs: runs, runSeconds: seconds,
            achievedRate: seconds > 0 ? Double(sent) / seconds : nil,
            latency: Latency(attempts: latencies.total, p50Ms: latencies.percentile(0.50),
                             p90Ms: latencies.percentile(0.90), p99Ms: latencies.percentile(0.99),
                             maxMs: latencies.counts.last?.ms),
            rejectedRows: rejected, mode: status.mode, contract: status.contract, documentNeeds: status.documentNeeds,
            echoMismatches: status.echoMismatches, echoMismatchFields: status.echoMismatchFields,
            echoExamples: try EchoMismatchReads.first(db, targetID: scope.stored?.id, limit: 5).map { e in
                var m = e.mismatch
                if redact, let field = Field(name: m.field) {
                    m.sent = Redactor.redact(field, m.sent)
                    m.echoed = m.echoed.map { Redactor.redact(field, $0) }
                }
                return EchoExample(participantCode: e.participantCode, mismatch: m)
            })
        var made = summary
        made.emailRules = status.emailRules
        made.moves = status.moves
        return (made, latencies)
    }

    /// The `top` largest templates of each class, largest first overall. `example` is one of the messages as it
    /// was, with the participant that got it, for `--redact` to find whose values it quotes.
    private static func readTemplates(_ db: Database, top: Int, redact: Bool, scope: TargetScope) throws -> [MessageCount] {
        let rows = try SummaryReads.templates(db, scope: scope, top: top,
                                              emailConflictMessage: "the same folded email as another participant (emails are unique per platform)",
                                              template: { MessageTemplate.of($0, participantCode: $1) })
        let files = redact ? try ReportSourceFile.all(db) : [:]
        return try rows.map { row in
            let code = row.exampleParticipant
            var m = MessageCount(errorClass: row.reportClass.rawValue, message: row.template, count: row.count, exampleParticipant: code)
            if redact {
                let known = try code.map { try KnownValues.of(db, participantCode: $0, files: files) } ?? []
                // The template has already replaced numbers ("1 Main St" reads "{n} Main St"): look for the
                // templated form of each value too.
                let templated = known.compactMap { field, value -> (Field, String)? in
                    let t = MessageTemplate.of(value, participantCode: code)
                    return t == value ? nil : (field, t)
                }
                m.message = Redactor.scrub(m.message, values: known + templated)
            }
            return m
        }
    }

    private static func readRuns(_ db: Database, scope: TargetScope) throws -> [RunInfo] {
        try SummaryReads.runs(db, scope: scope).map { run in
            let seconds = run.endedAt.map { Double($0 - run.startedAt) / 1000 }
            let configured = RateLimit(parsing: run.rate)?.perSecond
            let achieved = seconds.flatMap { $0 > 0 ? Double(run.attempts) / $0 : nil }
            return RunInfo(id: run.id, startedAt: ReportTime.iso8601(run.startedAt), endedAt: run.endedAt.map(ReportTime.iso8601),
                           seconds: seconds, attempts: run.attempts, sendsPerSecond: achieved,
                           rate: run.rate, configuredPerSecond: configured,
                           shareOfConfigured: achieved.flatMap { a in configured.map { a / $0 } },
                           concurrency: run.concurrency, exitCode: run.exitCode,
                           stopReason: run.stop?.text, stopCode: run.stop?.code, target: scope.target?.name, version: run.version,
                           lockouts: run.lockouts, lockoutSeconds: run.lockoutSeconds)
        }
    }

    /// The summary as JSON: snake_case keys, sorted, pretty-printed.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
