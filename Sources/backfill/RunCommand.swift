import ArgumentParser
import BackfillCore
import Foundation
import Logging
import ParticipantAPI

/// Options of `backfill run` and `backfill resume` (the same command under the name users look for).
struct RunOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Header set and default host: zerohash (X-SCX-*) or ndax (X-NDAX-*).")
    var profile: String = Profile.zerohash.rawValue

    @Option(help: "Zero Hash environment: cert (api.cert.zerohash.com) or prod (api.zerohash.com).")
    var env: String = Environment.cert.rawValue

    @Option(help: ArgumentHelp("Send here instead of the documented host (e.g. a sandbox).", valueName: "url"))
    var baseURL: String?

    @Flag(help: "Allow sending to a production host.")
    var confirmProduction = false

    @Option(help: ArgumentHelp("A file of NAME=value lines: BACKFILL_API_KEY, BACKFILL_API_SECRET, BACKFILL_API_PASSPHRASE (mode 600).", valueName: "file"))
    var credentials: String?

    @Option(help: "Requests in flight at once.")
    var concurrency = 8

    @Option(help: ArgumentHelp("Never more than N starts in any rolling W (e.g. 1000/10s, half the documented 2000/10s); 'unlimited' only for a local sandbox.", valueName: "N/W"))
    var rate = "1000/10s"

    @Option(help: ArgumentHelp("Per-request timeout (e.g. 30s, 500ms).", valueName: "duration"))
    var timeout = "30s"

    @Option(help: "Attempts per job before it is failed (429s do not count).")
    var maxAttempts = 8

    @Option(help: "Stop after this many consecutive answers with the same status and message.")
    var stopAfter = 20

    @Option(help: "Send at most this many jobs (a canary).")
    var limit: Int?

    @Flag(help: "Build and sign every request and print them as JSONL (method, URL, headers, body); send nothing, change nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("With --dry-run: write the JSONL here instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(help: "text or json. json also switches progress to a status line every few seconds.")
    var logFormat = "text"

    func configuration() throws -> RunConfiguration {
        var c = RunConfiguration()
        guard let profile = Profile(rawValue: profile.lowercased()) else {
            throw ValidationError("--profile '\(self.profile)': expected zerohash or ndax")
        }
        guard let environment = Environment(rawValue: env.lowercased()) else {
            throw ValidationError("--env '\(env)': expected cert or prod")
        }
        let rate: RateLimit?
        if self.rate.lowercased() == "unlimited" {
            rate = nil
        } else {
            guard let parsed = RateLimit(parsing: self.rate) else {
                throw ValidationError("--rate '\(self.rate)': expected N/W such as 1000/10s, or unlimited")
            }
            rate = parsed
        }
        guard let timeout = Duration(parsing: timeout), timeout > .zero else {
            throw ValidationError("--timeout '\(self.timeout)': expected a duration such as 30s")
        }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level '\(logLevel)': expected trace, debug, info, notice, warning, error or critical")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format '\(logFormat)': expected text or json") }
        c.profile = profile
        c.environment = environment
        // The sandbox prints `export BACKFILL_BASE_URL=...` / `BACKFILL_PROFILE=...` lines; honour them as defaults.
        let env = ProcessInfo.processInfo.environment
        c.baseURL = baseURL ?? env["BACKFILL_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        c.confirmProduction = confirmProduction
        c.concurrency = concurrency
        c.rate = rate
        c.timeout = timeout
        c.retry.maxAttempts = maxAttempts
        c.stopAfter = stopAfter
        c.limit = limit
        c.handleSignals = true
        c.progress = isatty(STDERR_FILENO) == 1 && logFormat == "text" ? .terminal : .lines(every: .seconds(5))
        return c
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Sign and send one PATCH per pending job, rate-limited, recording every attempt; continues where the database stands.",
        discussion: """
            Exit status: 0 every job succeeded and none is held; 2 some jobs failed or are held;
            1 the run was stopped by an error; 130/143 interrupted by SIGINT/SIGTERM.
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
        var configuration = try options.configuration()
        LoggingSetup.bootstrap(level: options.logLevel, format: options.logFormat)
        let logger = Logger(label: "backfill.run")
        let credentials = try Credentials.load(file: options.credentials)
        if configuration.isProduction && !configuration.confirmProduction && !options.dryRun {
            configuration.confirmProduction = try confirmInteractively(configuration.resolvedBaseURL)
        }
        let database = try options.database.open()
        if options.dryRun {
            let sink: (String) -> Void
            var handle: FileHandle?
            if let path = options.output {
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                handle = FileHandle(forWritingAtPath: path)
                guard handle != nil else { throw ValidationError("--output '\(path)': cannot write") }
                sink = { handle!.write(Data(($0 + "\n").utf8)) }
            } else {
                sink = { print($0) }
            }
            let n = try DryRun.write(database: database, configuration: configuration, credentials: credentials, to: sink)
            try handle?.close()
            printError("dry run: \(n) signed request(s) written\(options.output.map { " to \($0)" } ?? ""); nothing was sent or changed")
            return
        }
        printError("sending to \(configuration.resolvedBaseURL) (profile \(configuration.profile.rawValue), rate \(configuration.rate?.description ?? "unlimited"), concurrency \(configuration.concurrency))")
        let summary = try Runner.run(database: database, configuration: configuration, credentials: credentials, logger: logger)
        print(RunSummaryText.render(summary))
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    static func confirmInteractively(_ url: String) throws -> Bool {
        guard isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("\(url) is a production host: pass --confirm-production to send real updates")
        }
        printError("\(url) is a PRODUCTION host: real participants will be updated. Type yes to continue: ", terminator: "")
        guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw ValidationError("not confirmed: nothing was sent")
        }
        return true
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "The same as `run`: continue an interrupted run where the database stands.",
        discussion: """
            Jobs a crashed run left in flight are sent again first, with their stored request_id and bytes.
            Example:
              backfill resume --base-url http://127.0.0.1:8080
            """
    )

    @OptionGroup var options: RunOptions

    func run() throws {
        try RunCommand.execute(options)
    }
}

/// The text of a run summary.
enum RunSummaryText {
    static func render(_ s: RunSummary) -> String {
        var lines: [String] = []
        switch s.ending {
        case .drained: lines.append("run finished in \(String(format: "%.1f", s.elapsedSeconds)) s")
        case .stopped(_, let message): lines.append("run STOPPED after \(String(format: "%.1f", s.elapsedSeconds)) s: \(message)")
        case .interrupted(let sig): lines.append("run interrupted by \(sig == SIGINT ? "SIGINT" : "SIGTERM") after \(String(format: "%.1f", s.elapsedSeconds)) s; `backfill resume` continues it")
        }
        let rate = s.elapsedSeconds > 0 ? Double(s.attempts) / s.elapsedSeconds : 0
        lines.append("  attempts: \(s.attempts) (\(String(format: "%.1f", rate))/s): \(s.succeeded) succeeded, \(s.failed) failed, \(s.retried) to retry, \(s.rateLimited) answered 429")
        if s.recovered > 0 { lines.append("  resent after an interrupted run: \(s.recovered)") }
        if let offset = s.clockOffsetMilliseconds { lines.append("  clock offset to the API: \(offset) ms") }
        let jobs = StatusSummary.states.map { "\($0) \(s.jobs[$0] ?? 0)" }.joined(separator: ", ")
        lines.append("  jobs now: \(jobs)")
        return lines.joined(separator: "\n")
    }
}
