import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillSandbox
import Dispatch
import Foundation
import Logging
import ParticipantAPI

/// `backfill sandbox`: runs the local Zero Hash-compatible server until SIGINT/SIGTERM. Parsing and printing only.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local Zero Hash-compatible server for rehearsals.",
        discussion: """
            Behaves like PATCH /participants/customers/{participant_code}: same authentication, validation, idempotency and rate limit, with faults on demand. Speaks Zero Hash's published contract (2026) unless --contract ndax asks for the seed's (NDAX's page and the 2022 release note), and names it on every answer (X-Backfill-Contract). Prints its URL and (demo) credentials at start; on Ctrl-C or SIGTERM writes every participant's final record to --state-out and exits.
            """
    )

    @Option(help: "Address to bind (loopback unless told otherwise).") var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks a free one.") var port = 8080
    @Option(help: "API flavour: zerohash (X-SCX- headers) or ndax (X-NDAX- headers).") var profile = Given(Profile.zerohash)
    @Option(help: """
        Contract to speak: zerohash (Zero Hash's published reference, 2026: \
        X-REQUEST-ID header, Standard-variant keys, 404 for an unknown \
        participant, a fixed echo) or ndax (the seed: NDAX's page and the \
        2022 release note).
        """)
    var contract = Given(Contract.zerohash)
    @Option(help: "API key to accept (default: generated).") var apiKey: String?
    @Option(help: "Base64 API secret to accept (default: generated).") var apiSecret: String?
    @Option(help: "Passphrase to accept (default: generated).") var passphrase: String?
    @Option(help: "The platform's code.") var platformCode = "PLAT01"
    @Option(help: "JSONL of participants with their fields and \"customer\": true|false.") var roster: String?
    @Flag(help: "Answer every update 403: the platform is not approved.") var unapproved = false
    @Option(help: "Requests allowed in any rolling window, N/W.") var rateLimit = Given(RateLimit.documented)
    @Flag(help: "No rate limit (benchmarks).") var noRateLimit = false
    @Option(help: "How long every request is refused once the limit is exceeded.") var lockout = Given(RateLimit.documentedLockout)
    @Option(help: "Share of authenticated requests answered 500/502/503, nothing applied.") var failRate = 0.0
    @Option(help: "Share of authenticated requests applied but answered only after --slow.") var slowRate = 0.0
    @Option(help: "How long a slow answer is held back.") var slow = Given(Duration.seconds(35))
    @Option(help: "Share of authenticated requests whose connection is closed unanswered.") var resetRate = 0.0
    // "0ms" as the help has always shown it (Duration.zero prints 0s).
    @Option(help: "Fixed delay before every authenticated request.") var latency = Given<Duration>(argument: "0ms")
    @Option(help: "Seed of the fault draws (default: random, printed).") var seed: UInt64?
    @Option(help: "Extra accepted id_number_type (repeatable).") var extraIDType: [String] = []
    @Option(help: "Shape of GET /time: message ({\"message\": {\"epoch\": <ms>, \"epoch_units\": \"milliseconds\", ...}}) or seconds ({\"epoch\": <s>}).")
    var timeFormat = Given(SandboxConfiguration.TimeFormat.message)
    @Flag(help: "Answer 400 to an update older than the participant's last applied one (not a documented rule; history-mode rehearsals).") var rejectStaleUpdates = false
    @Flag(help: "Zero Hash's vendor-reliance track: address lines up to 200 characters (80 and 50 otherwise; zerohash only).")
    var vendorReliance = false
    @Option(help: "Share of successful answers whose echo shows another value in one field (with --seed, reproducible), to test a client's echo check.")
    var echoDriftRate = 0.0
    @Option(help: "Where to write the final state (JSON) on exit, with every participant's applied history.") var stateOut: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical; debug logs every request.") var logLevel = "info"

    func validate() throws {
        _ = try sandboxConfiguration()
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        let given = [apiKey, apiSecret, passphrase].filter { $0 != nil }.count
        guard given == 0 || given == 3 else {
            throw ValidationError("--api-key, --api-secret and --passphrase go together: give all three or none")
        }
    }

    /// The server the options describe, credentials and roster aside; a malformed value is a usage error.
    func sandboxConfiguration() throws -> SandboxConfiguration {
        var c = SandboxConfiguration()
        c.contract = try contract.parsed { "--contract: expected zerohash or ndax, got '\($0)'" }
        c.host = host
        c.port = port
        c.profile = try profile.parsed { "--profile: expected zerohash or ndax, got '\($0)'" }
        c.platformCode = platformCode
        c.approved = !unapproved
        c.rateLimit = noRateLimit ? nil : try rateLimit.parsed { "--rate-limit: expected N/W such as 2000/10s, got '\($0)'" }
        func duration(_ name: String) -> (String) -> String {
            { "\(name): expected a duration such as 10s or 250ms, got '\($0)'" }
        }
        c.lockout = try lockout.parsed(or: duration("--lockout"))
        c.slowDelay = try slow.parsed(or: duration("--slow"))
        c.latency = try latency.parsed(or: duration("--latency"))
        c.timeFormat = try timeFormat.parsed { "--time-format: expected message or seconds, got '\($0)'" }
        c.failRate = failRate
        c.slowRate = slowRate
        c.resetRate = resetRate
        c.echoDriftRate = echoDriftRate
        c.vendorReliance = vendorReliance
        c.rejectStaleUpdates = rejectStaleUpdates
        c.seed = seed
        c.extraIDTypes = extraIDType
        return c
    }

    func run() async throws {
        var logger = Logger(label: "backfill.sandbox") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel)!

        var configuration = try sandboxConfiguration()
        if let apiKey, let apiSecret, let passphrase {
            configuration.credentials = SandboxCredentials(apiKey: apiKey, apiSecret: apiSecret, passphrase: passphrase)
        }
        if let roster { configuration.roster = try RosterEntry.loadRoster(path: roster, contract: configuration.contract) }
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }

        // Signals are handled by Dispatch sources, so the default disposition must not kill the process first.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (signals, signalled) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { signalled.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        let sandbox = try await Sandbox.start(configuration, logger: logger)
        printBanner(sandbox)

        var iterator = signals.makeAsyncIterator()
        let number = await iterator.next()
        say("\nReceived \(signalName(number ?? SIGINT)), stopping.")
        let state = sandbox.snapshot()
        if let stateOut {
            try state.write(to: stateOut)
            say("State written to \(stateOut): \(state.participants.count) participants, \(state.updatesApplied) updates applied.")
        }
        await sandbox.shutdown()
        let statuses = state.requestsByStatus.keys.sorted().map { "\($0): \(state.requestsByStatus[$0]!)" }.joined(separator: ", ")
        say("Answered \(state.requestsAnswered) requests (\(statuses.isEmpty ? "none" : statuses)); \(state.connectionResets) connections reset.")
    }

    private func printBanner(_ sandbox: RunningSandbox) {
        let c = sandbox.configuration
        let limit = c.rateLimit.map { "\($0), lockout \(c.lockout.shortText)" } ?? "none"
        let tracks = c.contract == .zerohash ? (c.vendorReliance ? ", vendor-reliance track" : ", KYCaaS track") : ""
        say("""
            Sandbox listening on \(sandbox.baseURL)
              contract \(c.contract.rawValue) (\(c.contract.summary)\(tracks))
              profile \(c.profile.rawValue) (\(c.profile.headerPrefix) headers), platform \(c.platformCode)\(c.approved ? "" : " (unapproved)"), GET /time as \(c.timeFormat.rawValue)
              roster: \(roster ?? "none (any 6-character code of A-Z/0-9 is a customer)")
              rate limit: \(limit)\(c.rejectStaleUpdates ? "; updates older than the last applied are refused (400)" : "")
              faults: fail \(c.failRate), slow \(c.slowRate) (\(c.slowDelay.shortText)), reset \(c.resetRate), latency \(c.latency.shortText)\(c.echoDriftRate > 0 ? ", echo drift \(c.echoDriftRate)" : ""), seed \(sandbox.seed)

            Demo credentials for this sandbox only (paste into the shell that runs backfill):
            export BACKFILL_BASE_URL=\(sandbox.baseURL)
            export BACKFILL_PROFILE=\(c.profile.rawValue)
            export BACKFILL_API_KEY=\(c.apiKey)
            export BACKFILL_API_SECRET=\(c.apiSecret)
            export BACKFILL_API_PASSPHRASE=\(c.passphrase)

            Ctrl-C stops it\(stateOut.map { " and writes the state to \($0)" } ?? "").
            """)
    }

    /// Prints unbuffered, so a script or test reading the pipe sees each line at once.
    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
