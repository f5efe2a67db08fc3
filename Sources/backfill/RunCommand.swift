import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation
import GRDB
import Logging
import ParticipantAPI

/// Options of `backfill run` and `backfill resume` (the same command under the name users look for).
struct RunOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: TargetOptions

    @Flag(help: "Allow sending to a production host (Zero Hash prod, NDAX) without typing yes.")
    var confirmProduction = false

    @Option(help: ArgumentHelp("A file of NAME=value lines: BACKFILL_API_KEY, BACKFILL_API_SECRET, BACKFILL_API_PASSPHRASE, and optionally BACKFILL_BASE_URL, BACKFILL_PROFILE (mode 600).", valueName: "file"))
    var credentials: String?

    @Option(help: "The ceiling of the in-flight window: the window follows rate × measured latency, starting at 1, never above this.")
    var concurrency = 256

    @Option(help: ArgumentHelp("Never more than N starts in any rolling W (e.g. 1000/10s, half the documented 2000/10s); 'unlimited' only for a local sandbox.", valueName: "N/W"))
    var rate = Given(RateOption(RunConfiguration().rate))

    @Option(help: ArgumentHelp("Also trust the CA certificates in this PEM file (a TLS-inspecting proxy, a test server).", valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("Per-request timeout (e.g. 30s, 500ms).", valueName: "duration"))
    var timeout = Given(PositiveDuration(RunConfiguration().timeout)!)

    @Option(help: "Attempts per job before it is failed (429s do not count).")
    var maxAttempts = 8

    @Option(help: "Stop after this many consecutive answers with the same status and message.")
    var stopAfter = 20

    @Option(help: "Stop once the run has caused this many lockouts of the IP (each 429 locks out everything the IP sends, the platform's own traffic included, for 10 s).")
    var maxLockouts = 3

    @Option(help: "Send at most this many jobs (a canary).")
    var limit: Int?

    @Flag(help: "Build and sign every request and print them as JSONL (method, URL, headers, body); send nothing, change nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("With --dry-run: write the JSONL here instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = Given(Logger.Level.info)

    @Option(help: "text or json. json makes every line JSON (start-up, status every few seconds, summary, errors).")
    var logFormat = Given(LogFormat.text)

    @Option(help: ArgumentHelp("Serve GET /metrics (Prometheus text format) here while the run lasts: PORT or HOST:PORT, e.g. 127.0.0.1:9464 (loopback unless --metrics-listen-any).", valueName: "address"))
    var metrics: String?

    @Flag(help: "Allow --metrics on an address that is not loopback.")
    var metricsListenAny = false

    /// The run's configuration and where its target came from. Explicit flags win over `BACKFILL_BASE_URL` /
    /// `BACKFILL_PROFILE`, which are read from the `--credentials` file first, then the environment.
    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (RunConfiguration, TargetChoice) {
        let file = try credentials.map { (values: try Credentials.readFile($0), path: $0) }
        let choice = try TargetChoice.resolve(target.flags, file: file, environment: environment)
        // A value its type refused is refused here, after the target, as `run` always has (exit status 64).
        var c = RunConfiguration(choice)
        c.rate = try rate.parsed { "--rate '\($0)': expected N/W such as 1000/10s, or unlimited" }.rate
        c.timeout = try timeout.parsed { "--timeout '\($0)': expected a duration such as 30s" }.duration
        c.confirmProduction = confirmProduction
        c.concurrency = concurrency
        c.retry.maxAttempts = maxAttempts
        c.stopAfter = stopAfter
        c.maxLockouts = maxLockouts
        c.limit = limit
        c.caFile = caFile
        c.handleSignals = true
        return (c, choice)
    }

    /// `--log-level` and `--log-format` (checked after `configuration()`'s options).
    func logging() throws -> (level: Logger.Level, format: LogFormat) {
        (try logLevel.parsed { "--log-level '\($0)': expected trace, debug, info, notice, warning, error or critical" },
         try logFormat.parsed { "--log-format '\($0)': expected text or json" })
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Sign and send one PATCH per pending job, rate-limited, recording every attempt; continues where the database stands.",
        discussion: """
            Exit status: 0 every job succeeded and none is held; 2 some jobs failed or are held; 1 the run was stopped by an error; 130/143 interrupted by SIGINT/SIGTERM.
            Examples:
              export BACKFILL_API_KEY=... BACKFILL_API_SECRET=... BACKFILL_API_PASSPHRASE=...
              backfill run --env cert
              backfill run --base-url http://127.0.0.1:8080 --rate 1900/10s --concurrency 16
              backfill run --dry-run --limit 5 --output requests.jsonl
              backfill run --profile ndax --credentials ./ndax.env --confirm-production --limit 10
            """
    )

    @OptionGroup var options: RunOptions

    func run() throws {
        try RunCommand.execute(options)
    }

    static func execute(_ options: RunOptions) throws {
        let output = RunOutput(json: options.logFormat.value == .json)
        try reportingErrors(output) {
            var (configuration, choice) = try options.configuration()
            let logging = try options.logging()
            LoggingSetup.bootstrap(level: logging.level, format: logging.format)
            let metricsAddress = try options.metrics.map { try MetricsAddress(parsing: $0, listenAny: options.metricsListenAny) }
            let logger = Logger(label: "backfill.run")
            // The command line is checked before the credentials: a wrong option is what the operator just typed.
            try configuration.validateOptions()
            let credentials = try Credentials.load(file: options.credentials)
            if options.dryRun {
                if options.metrics != nil {
                    throw BackfillError("bad_option", "--metrics has nothing to serve with --dry-run (nothing is sent): leave one out")
                }
                let database = try options.database.open(.readOnly)
                try dryRun(options, database: database, configuration: configuration, credentials: credentials)
                return
            }
            let database = try options.database.open(.existing)
            // A run the lock refuses prints only the refusal.
            try Runner.refuseIfLocked(database)
            // A host of another contract is refused before the production question is asked.
            let bodies = try Runner.contract(of: database)
            try Runner.refuseDocumentedMismatch(bodies: bodies, configuration)
            if configuration.isProduction && !configuration.confirmProduction {
                configuration.confirmProduction = try confirmInteractively(configuration.target)
            }
            try configuration.validate()
            let endpoint = try metricsAddress.map(MetricsEndpoint.start)
            defer { endpoint?.stop() }
            let rate = RateOption(configuration.rate).description
            output.note("sending to \(configuration.resolvedBaseURL) (from \(choice.origin), profile \(configuration.profile.rawValue), contract \(bodies))",
                        event: "start", fields: ["base_url": .string(configuration.resolvedBaseURL), "origin": .string(choice.origin),
                                                 "contract": .string(bodies.rawValue),
                                                 "profile": .string(configuration.profile.rawValue), "target": .string(configuration.target.name),
                                                 "rate": .string(rate), "in_flight_ceiling": .int(configuration.concurrency)])
            if !output.json {
                printError("  target \(configuration.target.name), rate \(rate), concurrency \(configuration.concurrency)")
            }
            if let endpoint {
                output.note("metrics on \(endpoint.url)", event: "metrics", fields: ["url": .string(endpoint.url)])
            }
            let terminal = isatty(STDERR_FILENO) == 1 && !output.json
            let summary = try Runner.run(database: database, configuration: configuration, credentials: credentials,
                                         logger: logger, events: ProgressLine.events(terminal: terminal, output: output,
                                                                                     metrics: endpoint?.factory))
            // The next commands name this run's target and database, so that they go where this run went.
            let advice = ReportAdvice(database: options.database.db == BackfillDatabase.defaultPath ? nil : options.database.db,
                                      target: configuration.target, rate: rate)
            output.summary(summary, text: RunSummaryText.render(summary, advice: advice, profile: configuration.profile.rawValue),
                           next: RunSummaryText.nextCommands(summary, advice: advice))
            if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
        }
    }

    static func dryRun(_ options: RunOptions, database: DatabaseQueue, configuration: RunConfiguration, credentials: Credentials) throws {
        let sink: (String) -> Void
        var handle: FileHandle?
        if let path = options.output {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            handle = FileHandle(forWritingAtPath: path)
            guard handle != nil else { throw BackfillError("bad_option", "--output '\(path)': cannot write") }
            sink = { handle!.write(Data(($0 + "\n").utf8)) }
        } else {
            sink = { print($0) }
        }
        let n = try DryRun.write(database: database, configuration: configuration, credentials: credentials, to: sink)
        try handle?.close()
        printError("dry run for \(configuration.target.name): \(n) signed request(s) written\(options.output.map { " to \($0)" } ?? ""); nothing was sent or changed")
    }

    /// A typed `yes` on a terminal; elsewhere a refusal that says how to confirm (exit status 1).
    static func confirmInteractively(_ target: Target) throws -> Bool {
        guard isatty(STDIN_FILENO) == 1 else {
            throw BackfillError("production_unconfirmed",
                                "\(target.baseURL) is a production host: pass --confirm-production to send real updates; nothing was sent")
        }
        printError("\(target.baseURL) is a PRODUCTION host: real participants will be updated. Type yes to continue: ", terminator: "")
        guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw BackfillError("production_unconfirmed", "not confirmed: nothing was sent (type yes, or pass --confirm-production)")
        }
        return true
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "The same as `run`: continue an interrupted run where the database stands.",
        discussion: """
            Jobs a crashed run left in flight are sent again first, with their stored request_id and bytes. Example:
              backfill resume --base-url http://127.0.0.1:8080
            """
    )

    @OptionGroup var options: RunOptions

    func run() throws {
        try RunCommand.execute(options)
    }
}

/// The text of a run summary: what happened, what is left, and the next command to run.
enum RunSummaryText {
    static func render(_ s: RunSummary, advice: ReportAdvice = ReportAdvice(database: nil, target: nil),
                       profile: String = "zerohash") -> String {
        var lines: [String] = []
        let elapsed = String(format: "%.1f", s.elapsedSeconds)
        switch s.ending {
        case .drained: lines.append("run on \(s.target) finished in \(elapsed) s")
        case .stopped(let code, let message):
            let advice = StopAdvice.text(code: code, target: s.target, profile: profile).map { ". \($0)" } ?? ""
            lines.append("run on \(s.target) STOPPED after \(elapsed) s: \(message)\(advice)")
        case .interrupted(let sig): lines.append("run on \(s.target) interrupted by \(signalName(sig)) after \(elapsed) s")
        }
        let rate = s.elapsedSeconds > 0 ? Double(s.attempts) / s.elapsedSeconds : 0
        lines.append("  requests: \(s.attempts): \(s.succeeded) succeeded, \(s.failed) failed for good, \(s.retried) retr\(s.retried == 1 ? "y" : "ies") (attempts that will be repeated), \(s.rateLimited) answered 429")
        if s.lockouts > 0 {
            lines.append("  IP lockouts caused: \(s.lockouts) (\(Int(s.lockoutSeconds)) s in which every request from this IP, the platform's own included, was refused); the budget is shared: see the README's \"The IP's budget is shared\"")
        }
        if let configured = s.configuredRate {
            let share = rate / configured.perSecond * 100
            lines.append("  rate: \(String(format: "%.1f", rate))/s achieved, \(String(format: "%.0f", share))% of the configured \(configured) (\(String(format: "%.0f", configured.perSecond))/s); peak in flight \(s.peakInFlight)")
        } else {
            lines.append("  rate: \(String(format: "%.1f", rate))/s achieved, unpaced; peak in flight \(s.peakInFlight)")
        }
        if s.latencyLimited {
            lines.append("  latency limited the rate: the in-flight window wanted more than --concurrency allows (\(s.peakInFlight) in flight at most); raise --concurrency to lift the ceiling")
        }
        if s.recovered > 0 { lines.append("  resent after an interrupted run: \(s.recovered)") }
        if s.echoMismatches > 0 {
            lines.append("  echo mismatches: \(s.echoMismatches) job\(s.echoMismatches == 1 ? "" : "s") succeeded but the answer echoed another value than the one sent (backfill status, backfill explain CODE)")
        }
        if let line = s.emailRules.line { lines.append("  " + line + " (backfill report --summary groups them)") }
        if s.deferred > 0 {
            lines.append("  email already used: \(s.deferred) job\(s.deferred == 1 ? "" : "s") waited for every other job of the run, then went once more with the same request_id")
        }
        if let offset = s.clockOffsetMilliseconds { lines.append("  clock offset to the API: \(offset) ms") }
        lines.append("  sent by: \(BuildInfo.description) (recorded in the run's row)")
        let jobs = s.jobs.states.map { "\($0.rawValue) \(s.jobs[$0])" }.joined(separator: ", ")
        let unit = s.mode == .history ? "step" : "job"
        lines.append("  \(unit)s on \(s.target): \(jobs)")
        let left = s.left
        if left.total > 0 {
            var parts: [String] = []
            if left.pending > 0 { parts.append("\(left.pending) pending") }
            if left.retryLater > 0 { parts.append("\(left.retryLater) with a retry due later") }
            if left.inFlight > 0 { parts.append("\(left.inFlight) in flight") }
            lines.append("  left: \(left.total) \(unit)\(left.total == 1 ? "" : "s") not done (\(parts.joined(separator: ", ")))")
        } else {
            lines.append("  left: none")
        }
        if left.blocked > 0 {
            lines.append("  blocked: \(left.blocked) step\(left.blocked == 1 ? "" : "s") after a step that failed for good (history mode); retrying the failed step unblocks them")
        }
        let next = nextCommands(s, advice: advice)
        if next.isEmpty { lines.append("  next: nothing: every ready job succeeded on \(s.target)") }
        for (i, n) in next.enumerated() { lines.append(i == 0 ? "  next: \(n)" : "        \(n)") }
        return lines.joined(separator: "\n")
    }

    /// What to run next, most urgent first: each a command in backquotes and what it does, naming the run's
    /// target and database (`advice`).
    static func nextCommands(_ s: RunSummary, advice: ReportAdvice) -> [String] {
        let left = s.left
        var next: [String] = []
        if left.total > 0 { next.append("`\(advice.resume)` sends the \(left.total) left") }
        let failed = s.jobs[.failed]
        let held = s.jobs[.held]
        for (cls, n) in s.failedByClass where cls.isWorthRetrying {
            next.append("`\(advice.command("retry", "--class", cls.rawValue))` moves the \(n) failed with \(cls.rawValue) back to pending")
        }
        if failed + held > 0 {
            let what = [failed > 0 ? "\(failed) failed" : nil, held > 0 ? "\(held) held" : nil].compactMap { $0 }.joined(separator: " and ")
            next.append("`\(advice.failuresExport)` lists the \(what) to fix and re-ingest")
        }
        return next
    }
}

/// What to check after a run-stopping answer: the flags and variables that decide it.
enum StopAdvice {
    static func text(code: RunStop.Code, target: String, profile: String) -> String? {
        switch code {
        case .unauthorized:
            "Check BACKFILL_API_KEY, BACKFILL_API_SECRET and BACKFILL_API_PASSPHRASE (or --credentials) and --profile (\(profile)); nothing else was sent"
        case .forbidden:
            "The platform is not approved for participant updates on \(target), or a proxy in front of the API refused the request (the egress IP may not be allowlisted); ask Zero Hash"
        case .notFound:
            "Check --base-url / --env / --profile (\(target))"
        case .tls:
            "Check the host name and its certificate"
        case .dns:
            "Check --base-url / --env"
        default:
            nil
        }
    }
}
