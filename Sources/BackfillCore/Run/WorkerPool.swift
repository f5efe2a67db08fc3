import BackfillStore
import ParticipantAPI
import Dispatch
import Foundation
import Logging
import NIOCore
import Synchronization

/// Carries out the run loop's actions with Dispatch: a `SendLoop` decides, this class does what it says.
///
/// Concurrency is in three places, each named for what it owns:
/// - `control` (serial) owns the `SendLoop` and the timers: every event goes through it, in order.
/// - `writer` (serial) owns the database connection: claims, start marks and batched result writes, in order.
/// - `workers[i]` (serial) sign and hand requests to the HTTP client, round robin; the answers come back on
///   the client's event loops and go to `control`.
/// SIGINT/SIGTERM arrive as DispatchSource signal sources on `control`.
public final class WorkerPool: @unchecked Sendable {
    private let configuration: RunConfiguration
    private let store: RunStore
    private let sender: HTTPSender
    private let logger: Logger
    private let events: RunEvents

    private let control = DispatchQueue(label: "backfill.run.control")
    private let writer = DispatchQueue(label: "backfill.run.writer")
    private let workers: [DispatchQueue]
    private let finished = DispatchSemaphore(value: 0)
    private let origin = ContinuousClock.now
    /// Jobs started but not yet marked in flight in the store; drained by the writer in batches.
    private let startMarks = Mutex<[Int64]>([])

    // Owned by `control`.
    private var loop: SendLoop
    private var wakeTimer: DispatchSourceTimer?
    private var timers: [DispatchSourceTimer] = []
    private var signalSources: [DispatchSourceSignal] = []
    private var nextWorker = 0
    private var progressTotal = 0
    private var startCounts = JobCounts()
    private let metrics: RunMetrics?
    private var endSummary: RunSummary?

    public init(configuration: RunConfiguration, store: RunStore, sender: HTTPSender, logger: Logger,
                events: RunEvents = RunEvents()) {
        self.configuration = configuration
        self.store = store
        self.sender = sender
        self.logger = logger
        self.events = events
        metrics = events.metrics.map { RunMetrics(factory: $0, target: store.target.name) }
        var settings = SendLoop.Settings(configuration)
        settings.claimAfterSuccess = store.mode == .history || store.hasHandovers
        loop = SendLoop(settings: settings)
        let count = min(configuration.concurrency, max(2, ProcessInfo.processInfo.activeProcessorCount * 2))
        workers = (0..<count).map { DispatchQueue(label: "backfill.run.worker.\($0)") }
    }

    private var now: Duration { ContinuousClock.now - origin }

    /// Sets how many jobs the progress counts towards, and the target's job counts as the run starts (what the
    /// progress's and the metrics' job counts move from).
    public func setProgressTotal(_ total: Int, startCounts: JobCounts = JobCounts()) {
        control.async { [self] in
            progressTotal = total
            self.startCounts = startCounts
        }
    }

    /// Runs until no sendable job is left, a stop, or a signal. Blocks the calling thread.
    public func run(recovered: Int) -> RunSummary {
        control.async { [self] in
            installSignalHandlers()
            startTimers()
            deliver(.begin)
        }
        finished.wait()
        return control.sync {
            var s = endSummary ?? loop.summary
            s.recovered = recovered
            s.elapsedSeconds = now.seconds
            s.configuredRate = configuration.rate
            return s
        }
    }

    // MARK: - Events in, actions out (on `control`)

    private func deliver(_ event: SendLoop.Event) {
        dispatchPrecondition(condition: .onQueue(control))
        let actions = loop.handle(event, now: now, wallNow: EpochClock.milliseconds())
        for action in actions { perform(action) }
    }

    private func perform(_ action: SendLoop.Action) {
        switch action {
        case .claim(let limit, let records):
            writer.async { [self] in
                let result = Result {
                    try record(records)
                    return try store.claim(limit: limit, now: EpochClock.milliseconds())
                }
                control.async { [self] in
                    switch result {
                    case .success(let jobs): deliver(.claimed(jobs))
                    case .failure(let error): deliver(.storeFailed("\(error)"))
                    }
                }
            }
        case .start(let job):
            send(job)
        case .write(let records):
            writer.async { [self] in
                do { try record(records) } catch {
                    control.async { [self] in deliver(.storeFailed("\(error)")) }
                }
            }
        case .release(let ids):
            writer.async { [self] in try? store.release(ids, now: EpochClock.milliseconds()) }
        case .checkDue:
            writer.async { [self] in
                let due = try? store.nextDue()
                control.async { [self] in deliver(.nextDue(due ?? nil)) }
            }
        case .wake(let t):
            wake(at: t)
        case .interrupting(let sig, let inFlight):
            events.interrupting(sig, inFlight)
        case .exitNow(let sig):
            events.exitNow(sig)
        case .end(let ending, let records):
            end(ending, records: records)
        }
    }

    /// Writes a batch of answers (on `writer`); the metrics count them once the ledger holds them.
    private func record(_ records: [AttemptRecord]) throws {
        try store.record(records)
        metrics?.recorded(records)
    }

    /// A job is marked `in_flight` once its request has been written to the connection (before that it cannot
    /// have reached the server, and a crash returns it to pending with no attempt), and before its answer can be
    /// recorded: the mark is queued on the serial writer before the answer arrives. Marks are written in batches:
    /// the first mark after an empty buffer schedules one writer pass that takes every mark made by then.
    private func markStarted(_ id: Int64) {
        let first = startMarks.withLock { marks -> Bool in
            marks.append(id)
            return marks.count == 1
        }
        guard first else { return }
        writer.async { [self] in
            let ids = startMarks.withLock { marks -> [Int64] in
                defer { marks.removeAll(keepingCapacity: true) }
                return marks
            }
            do { try store.markStarted(ids, now: EpochClock.milliseconds()) } catch {
                control.async { [self] in deliver(.storeFailed("\(error)")) }
            }
        }
    }

    private func send(_ job: ClaimedJob) {
        let timeout = configuration.timeout
        let worker = workers[nextWorker]
        nextWorker = (nextWorker + 1) % workers.count
        let started = ContinuousClock.now
        worker.async { [self] in
            sender.send(job, timeout: timeout, onSent: { self.markStarted(job.id) }).whenComplete { result in
                let latency = ContinuousClock.now - started
                let answer: SendResult
                switch result {
                case .success(let r): answer = r
                case .failure(let error):
                    let t = EpochClock.milliseconds()
                    answer = SendResult(status: nil, body: [], failure: .connection("\(error)"), startedAt: t, endedAt: t)
                }
                self.control.async { self.deliver(.answered(job, answer, latency: latency)) }
            }
        }
    }

    private func wake(at t: Duration) {
        wakeTimer?.cancel()
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: control)
        let delay = max(.zero, t - now)
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)),
                       leeway: .microseconds(200))
        timer.setEventHandler { [self] in deliver(.tick) }
        wakeTimer = timer
        timer.resume()
    }

    private func end(_ ending: RunSummary.Ending, records: [AttemptRecord]) {
        wakeTimer?.cancel()
        for t in timers { t.cancel() }
        if case .stopped(_, let message) = ending { logger.error("run stopped: \(message)") }
        writer.async { [self] in
            do { try record(records) } catch { logger.error("database: \(error)") }
            let jobs = (try? store.counts()) ?? JobCounts()
            control.async { [self] in
                var summary = loop.summary
                summary.jobs = jobs
                endSummary = summary
                let last = progress(final: true)
                metrics?.update(last)
                events.progress(last)
                finished.signal()
            }
        }
    }

    // MARK: - Timers, progress and signals

    private func startTimers() {
        let flushTimer = DispatchSource.makeTimerSource(queue: control)
        flushTimer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        flushTimer.setEventHandler { [self] in deliver(.tick) }
        flushTimer.resume()
        timers.append(flushTimer)
        // `backfill rate`: the database is the channel (see RunStore.requestedRate); read once a second on the
        // writer's connection, delivered to the loop on the control queue.
        do {
            let rateTimer = DispatchSource.makeTimerSource(queue: control)
            rateTimer.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1))
            rateTimer.setEventHandler { [self] in
                writer.async { [self] in
                    guard let asked = try? store.requestedRate() else { return }
                    // Never above the documented limit for a documented host, whoever wrote the setting.
                    guard (try? store.target.target.checkRate(asked, label: "rate")) != nil else { return }
                    control.async { [self] in
                        if asked != loop.pacer?.limit { deliver(.rateChanged(asked)) }
                    }
                }
            }
            rateTimer.resume()
            timers.append(rateTimer)
        }
        if let metrics {
            let metricsTimer = DispatchSource.makeTimerSource(queue: control)
            metricsTimer.schedule(deadline: .now(), repeating: .milliseconds(500))
            metricsTimer.setEventHandler { [self] in metrics.update(progress(final: false)) }
            metricsTimer.resume()
            timers.append(metricsTimer)
        }
        if let every = events.progressEvery {
            let progressTimer = DispatchSource.makeTimerSource(queue: control)
            let ms = max(10, Int(every.seconds * 1000))
            progressTimer.schedule(deadline: .now() + .milliseconds(ms), repeating: .milliseconds(ms))
            progressTimer.setEventHandler { [self] in events.progress(progress(final: false)) }
            progressTimer.resume()
            timers.append(progressTimer)
        }
    }

    private func progress(final: Bool) -> RunProgress {
        let s = loop.summary
        let elapsed = now.seconds
        let rate = elapsed > 0 ? Double(s.attempts) / elapsed : 0
        let done = s.succeeded + s.failed
        let remaining = max(0, progressTotal - done)
        return RunProgress(
            target: store.target.name, elapsed: elapsed, done: done, total: progressTotal, attempts: s.attempts,
            succeeded: s.succeeded, failed: s.failed, retried: s.retried, rateLimited: s.rateLimited,
            inFlight: loop.inFlightCount, window: loop.window.size, ceiling: loop.window.ceiling,
            latencyP90: loop.window.latencyP90, achievedRate: rate, configuredRate: loop.pacer?.limit.perSecond ?? configuration.rate?.perSecond,
            rateFactor: loop.pacer?.factor ?? 1, paused: loop.pacer?.pausedUntil.map { $0 > now } ?? false,
            eta: rate > 0 ? Double(remaining) / rate : nil, final: final, jobs: jobCounts(s), mode: store.mode,
            lockouts: s.lockouts, lockoutSeconds: s.lockoutSeconds)
    }

    /// The target's jobs now: the counts at the start, moved by this run's answers (never a scan of the table).
    /// Jobs claimed but not started count as pending; a started job is in flight until its answer.
    private func jobCounts(_ s: RunSummary) -> JobCounts {
        let inFlight = loop.inFlightCount
        let start = startCounts
        var now = JobCounts(JobStatus.latest)
        now[.pending] = max(0, start[.pending] + start[.inFlight] - s.succeeded - s.failed - inFlight)
        now[.held] = start[.held]
        now[.inFlight] = inFlight
        now[.succeeded] = start[.succeeded] + s.succeeded
        now[.failed] = start[.failed] + s.failed
        return now
    }

    private func installSignalHandlers() {
        guard configuration.handleSignals else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: control)
            source.setEventHandler { [self] in deliver(.signal(sig)) }
            source.resume()
            signalSources.append(source)
        }
    }
}
