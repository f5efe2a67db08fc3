import BackfillStore
import ParticipantAPI
import Foundation
import GRDB
import Logging

/// `backfill run`: takes the database's run lock, measures the clock offset, recovers what a crashed run left in
/// flight, drains the job table through the worker pool, and records how the run ended.
///
/// ```swift
/// var configuration = RunConfiguration()
/// configuration.baseURL = sandbox.baseURL
/// let summary = try Runner.run(database: db, configuration: configuration, credentials: credentials, logger: logger)
/// ```
public enum Runner {
    public static func run(database: DatabaseQueue, configuration: RunConfiguration, credentials: Credentials,
                           logger: Logger, events: RunEvents = RunEvents()) throws -> RunSummary {
        var configuration = configuration
        try configuration.validate()
        // A run the lock refuses sends nothing at all, not even `GET /time`.
        try refuseIfLocked(database)
        // The database's bodies are of one contract: a documented host of another is refused before anything is sent.
        let bodies = try contract(of: database)
        configuration.contract = bodies
        try refuseDocumentedMismatch(bodies: bodies, configuration)
        let sender = try HTTPSender(configuration: configuration, credentials: credentials)
        defer { sender.shutdown() }

        // A wrong host is found before the lock is taken or any job is touched.
        var offset: Int64?
        do {
            offset = try sender.measureClockOffset(timeout: min(configuration.timeout, .seconds(15)))
            if abs(offset!) > 5_000 {
                logger.warning("the local clock is \(offset! / 1000) s off the API's; timestamps are corrected by it")
            }
        } catch let error as BackfillError where (error.cause as? TransportFailure)?.meansNoConnection == true {
            // Before any job is touched, no connection at all means a wrong host or port, not a blip. The probe
            // does not retry connections, so this comes at once rather than after the connect timeout.
            throw BackfillError("unreachable", "\(error.message) Nothing was sent.")
        } catch {
            logger.warning("could not measure the clock offset (\(error)); signing with the local clock, which the API accepts within 60 s")
        }

        // A sandbox names its contract on `GET /time`; a target that says nothing gets the database's.
        let spoken: (Contract, String) = configuration.target.documentedContract.map { ($0, "its documented host") }
            ?? sender.announcedContract.map { ($0, "its answer to GET /time") }
            ?? (bodies, "the database's: the target does not say which it speaks")
        try refuse(spoken.0, origin: spoken.1, bodies: bodies, configuration)
        events.contract(spoken.0, spoken.1)
        if sender.timeAnsweredNotFound {
            configuration.notFoundIsRoute = true
            logger.warning("GET /time answered 404: the base URL's path looks wrong; a 404 to an update will stop the run rather than fail its participant")
        }

        let store = try RunStore(database: database, target: configuration.target)
        let (runID, tookOver) = try store.beginRun(now: EpochClock.milliseconds(), rate: configuration.rate?.description ?? "unlimited",
                                                   concurrency: configuration.concurrency)
        if let tookOver {
            logger.notice("took over a stale run lock: \(tookOver) is no longer running")
        }
        var summary: RunSummary
        do {
            let recovered = try store.recoverInterrupted(now: EpochClock.milliseconds())
            if recovered > 0 {
                logger.notice("\(recovered) job(s) were in flight when an earlier run stopped: sending them again with the same request_id and bytes")
            }
            let pool = WorkerPool(configuration: configuration, store: store, sender: sender, logger: logger, events: events)
            let counts = try store.counts()
            let pending = counts[.pending]
            pool.setProgressTotal(configuration.limit.map { min($0, pending) } ?? pending, startCounts: counts)
            let drift = DriftWatch(sender: sender, initial: offset, logger: logger, timeout: configuration.timeout)
            drift.start()
            summary = pool.run(recovered: recovered)
            drift.stop()
            summary.clockOffsetMilliseconds = offset
            summary.target = store.target.name
            summary.mode = store.mode
            summary.left = try store.left(now: EpochClock.milliseconds())
            summary.failedByClass = try store.failedByClass()
            summary.emailRules = try store.emailRules()
        } catch {
            try? store.endRun(runID, now: EpochClock.milliseconds(), exitCode: 1, stop: RunStop(.error, "\(error)"))
            throw error
        }
        let stop: RunStop? = switch summary.ending {
        case .drained: nil
        case .stopped(let code, let message): RunStop(code, message)
        case .interrupted(let signal): RunStop(.interrupted, signalName(signal))
        }
        try store.endRun(runID, now: EpochClock.milliseconds(), exitCode: summary.exitCode, stop: stop,
                         lockouts: summary.lockouts, lockoutSeconds: summary.lockoutSeconds)
        return summary
    }

    /// The contract the database's bodies are made for.
    public static func contract(of database: DatabaseQueue) throws -> Contract {
        try database.read { try ContractSetting.stored($0) }
    }

    /// Refuses a documented host (Zero Hash's `cert`/`prod`, NDAX's) of another contract than the bodies', before
    /// anything else is asked of the operator or the network.
    public static func refuseDocumentedMismatch(bodies: Contract, _ configuration: RunConfiguration) throws {
        if let spoken = configuration.target.documentedContract {
            try refuse(spoken, origin: "its documented contract", bodies: bodies, configuration)
        }
    }

    /// Refuses a target that speaks another contract than the database's bodies, in one line that says what to do.
    static func refuse(_ spoken: Contract, origin: String, bodies: Contract, _ configuration: RunConfiguration) throws {
        guard spoken != bodies else { return }
        throw BackfillError("contract_mismatch",
                            "\(configuration.target.name) speaks the \(spoken) contract (\(origin)) and this database holds \(bodies) bodies: "
                                + "ingest the files into a new database made for it (backfill ingest --contract \(spoken) --db NEW.sqlite FILE...) "
                                + "and run that one, or send this one to a target that speaks \(bodies). Nothing was sent.")
    }

    /// Throws the lock's refusal when a live run (or one on another host) holds the database.
    public static func refuseIfLocked(_ database: DatabaseQueue) throws {
        try database.read { db in try RunLock.refuseIfHeld(db, action: "another run") }
    }
}

/// Re-measures the clock offset every minute during a run and reports drift beyond a second.
final class DriftWatch: @unchecked Sendable {
    private let sender: HTTPSender
    private let logger: Logger
    private let timeout: Duration
    private let queue = DispatchQueue(label: "backfill.run.clock")
    private var timer: DispatchSourceTimer?
    /// Owned by `queue`.
    private var last: Int64?

    init(sender: HTTPSender, initial: Int64?, logger: Logger, timeout: Duration) {
        self.sender = sender
        self.last = initial
        self.logger = logger
        self.timeout = timeout
    }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .seconds(60), repeating: .seconds(60))
        timer.setEventHandler { [self] in
            guard let measured = try? sender.measureClockOffset(timeout: min(timeout, .seconds(10))) else { return }
            if let last, abs(measured - last) > 1_000 {
                logger.warning("the clock offset to the API drifted from \(last) ms to \(measured) ms; signing with the new offset")
            }
            last = measured
        }
        timer.resume()
        self.timer = timer
    }

    func stop() {
        queue.sync { timer?.cancel() }
    }
}
