import Dispatch
import Foundation
import Logging
import NIOCore

/// Drains the job table: N workers on Dispatch queues, paced by a DispatchSource timer, results written back in
/// batched transactions, SIGINT/SIGTERM handled by DispatchSource signal sources.
///
/// Concurrency is in three places, each named for what it owns:
/// - `control` (serial) owns every piece of mutable run state: the pacer, the claimed-but-unstarted jobs,
///   idle workers, counters, the stop decision. Every decision is taken there, by the pure types
///   (`Pacer`, `OutcomeClassifier`, `AttemptDecision`).
/// - `writer` (serial) owns the database connection: claims and batched result writes, in order.
/// - `workers[i]` (serial, one per worker) sign and send one request at a time.
public final class WorkerPool: @unchecked Sendable {
    private let configuration: RunConfiguration
    private let store: RunStore
    private let sender: HTTPSender
    private let logger: Logger
    private let output: @Sendable (String) -> Void

    private let control = DispatchQueue(label: "backfill.run.control")
    private let writer = DispatchQueue(label: "backfill.run.writer")
    private let workers: [DispatchQueue]
    private let finished = DispatchSemaphore(value: 0)
    private let origin = ContinuousClock.now

    // Everything below is owned by `control`.
    /// nil when unpaced.
    private var pacer: Pacer?
    private var ready: [ClaimedJob] = []
    private var idle: [Int]
    private var inFlight = 0
    private var claiming = false
    /// The last claim came back empty and nothing since may have made a job sendable.
    private var drained = false
    private var claimedIDs: Set<Int64> = []
    private var stop: RunSummary.Ending?
    private var records: [AttemptRecord] = []
    private var repeated: (key: String, count: Int) = ("", 0)
    private var summary = RunSummary(ending: .drained)
    private var wakeTimer: DispatchSourceTimer?
    private var wakeAt: Duration?
    private var timers: [DispatchSourceTimer] = []
    private var signalSources: [DispatchSourceSignal] = []
    private var signalsSeen = 0
    private var ended = false
    private var rng = SystemRandomNumberGenerator()

    public init(configuration: RunConfiguration, store: RunStore, sender: HTTPSender, logger: Logger,
                output: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.configuration = configuration
        self.store = store
        self.sender = sender
        self.logger = logger
        self.output = output
        pacer = configuration.rate.map(Pacer.init(limit:))
        workers = (0..<configuration.concurrency).map { DispatchQueue(label: "backfill.run.worker.\($0)") }
        idle = Array((0..<configuration.concurrency).reversed())
    }

    private var now: Duration { ContinuousClock.now - origin }

    /// Runs until no sendable job is left, a stop, or a signal. Blocks the calling thread.
    public func run(recovered: Int) -> RunSummary {
        let started = ContinuousClock.now
        control.async { [self] in
            summary.recovered = recovered
            installSignalHandlers()
            startTimers()
            pump()
        }
        finished.wait()
        return control.sync {
            var s = summary
            s.elapsedSeconds = (ContinuousClock.now - started).seconds
            return s
        }
    }

    // MARK: - The loop (on `control`)

    /// Starts what can start now; arranges to be called again when something can.
    private func pump() {
        dispatchPrecondition(condition: .onQueue(control))
        if ended { return }
        if stop != nil {
            // A claim under way must come back (and be released) before the run can end.
            if inFlight == 0, !claiming { end() }
            return
        }
        refillIfNeeded()
        while !ready.isEmpty, !idle.isEmpty {
            let t = now
            let start = pacer?.earliestStart(now: t) ?? t
            if start > t {
                wake(at: start)
                break
            }
            pacer?.recordStart(at: t)
            let job = ready.removeFirst()
            let worker = idle.removeLast()
            inFlight += 1
            send(job, on: worker)
            refillIfNeeded()
        }
        if ready.isEmpty, drained, inFlight == 0, !claiming {
            writer.async { [self] in
                let due = try? store.nextDue()
                control.async { [self] in
                    guard ready.isEmpty, drained, inFlight == 0, !claiming, stop == nil, !ended else { return }
                    if let due, !limitReached {
                        // Backed-off jobs remain: come back when the first is due.
                        let wait = Duration.milliseconds(max(0, due - Clock.epochMilliseconds()))
                        wake(at: now + wait, reclaim: true)
                    } else {
                        end()
                    }
                }
            }
        }
    }

    private var limitReached: Bool {
        guard let limit = configuration.limit else { return false }
        return claimedIDs.count >= limit
    }

    private func refillIfNeeded() {
        guard !claiming, !drained, stop == nil, ready.count < configuration.claimBatch / 2 + configuration.concurrency else { return }
        var want = configuration.claimBatch
        if let limit = configuration.limit {
            want = min(want, limit - claimedIDs.count)
            if want <= 0 { drained = true; return }
        }
        claiming = true
        let batch = takeRecords()
        let limit = want
        writer.async { [self] in
            let result = Result {
                try store.record(batch)
                return try store.claim(limit: limit, now: Clock.epochMilliseconds())
            }
            control.async { [self] in
                claiming = false
                let claimed: [ClaimedJob]
                switch result {
                case .success(let jobs): claimed = jobs
                case .failure(let error):
                    halt(.stopped(code: "database", message: "database: \(error)"))
                    return
                }
                if configuration.limit != nil {
                    for job in claimed { claimedIDs.insert(job.id) }
                }
                if claimed.isEmpty { drained = true }
                ready.append(contentsOf: claimed)
                if stop != nil || ended { releaseReady() }
                pump()
            }
        }
    }

    private func wake(at t: Duration, reclaim: Bool = false) {
        if reclaim { drained = false }
        if let wakeAt, wakeAt <= t, !reclaim { return }
        wakeAt = t
        wakeTimer?.cancel()
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: control)
        let delay = max(.zero, t - now)
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)),
                       leeway: .microseconds(200))
        timer.setEventHandler { [self] in
            wakeAt = nil
            if reclaim { drained = false }
            pump()
        }
        wakeTimer = timer
        timer.resume()
    }

    // MARK: - Workers

    private func send(_ job: ClaimedJob, on worker: Int) {
        let timeout = configuration.timeout
        workers[worker].async { [self] in
            sender.send(job, timeout: timeout).whenComplete { result in
                let answer: SendResult
                switch result {
                case .success(let r): answer = r
                case .failure(let error):
                    let t = Clock.epochMilliseconds()
                    answer = SendResult(status: nil, body: [], failure: .connection("\(error)"), startedAt: t, endedAt: t)
                }
                let answered = answer.status.map { !(200..<300).contains($0) }
                let message = answered == true ? APIErrorMessage.extract(from: answer.body) : answer.failure?.message
                let outcome = OutcomeClassifier.classify(status: answer.status, message: message,
                                                         retryAfter: answer.retryAfter, failure: answer.failure)
                self.control.async { self.handle(job, answer, message, outcome, worker: worker) }
            }
        }
    }

    private func handle(_ job: ClaimedJob, _ answer: SendResult, _ message: String?, _ outcome: Outcome, worker: Int) {
        dispatchPrecondition(condition: .onQueue(control))
        inFlight -= 1
        idle.append(worker)
        summary.attempts += 1
        let wallNow = Clock.epochMilliseconds()
        if case .rateLimited(let retryAfter) = outcome {
            pacer?.rateLimited(now: now, retryAfter: retryAfter)
            summary.rateLimited += 1
            logger.warning("429 Too Many Requests: every worker pauses", metadata: ["pause_ms": "\(pauseEndEpoch(wallNow: wallNow).map { $0 - wallNow } ?? 0)"])
        }
        let decision = AttemptDecision.decide(outcome: outcome, attemptsBefore: job.attempts, policy: configuration.retry,
                                              now: wallNow, pauseEnd: pauseEndEpoch(wallNow: wallNow),
                                              random: Double.random(in: 0..<1, using: &rng))
        switch decision.transition {
        case .succeeded: summary.succeeded += 1
        case .failed: summary.failed += 1
        case .pending(_, let counts):
            drained = false
            if counts { summary.retried += 1 }
        }
        logger.debug("attempt", metadata: [
            "participant": "\(job.participantCode)", "attempt": "\(job.attempts + 1)",
            "status": "\(answer.status.map(String.init) ?? "none")", "outcome": "\(decision.label)",
            "latency_ms": "\(answer.endedAt - answer.startedAt)",
        ])
        records.append(AttemptRecord(
            jobID: job.id, number: job.attempts + 1, requestID: job.requestID, startedAt: answer.startedAt,
            endedAt: answer.endedAt, status: answer.status, outcome: decision.label,
            errorClass: outcome.errorClass?.rawValue, message: message,
            responseBody: answer.body.isEmpty ? nil : answer.body, transition: decision.transition))
        if records.count >= configuration.writeBatch { flush() }

        if case .stop(let errorClass) = outcome {
            halt(.stopped(code: errorClass.rawValue, message: stopMessage(errorClass, answer, message)))
        } else if answer.status.map({ !(200..<300).contains($0) && $0 != 429 }) ?? true {
            let key = "\(answer.status.map(String.init) ?? "no answer") \(message ?? "")"
            repeated = repeated.key == key ? (key, repeated.count + 1) : (key, 1)
            if repeated.count >= configuration.stopAfter {
                halt(.stopped(code: ErrorClass.repeated.rawValue,
                              message: "\(repeated.count) consecutive answers were the same (\(key)); stopping so that every remaining job is not spent on it (--stop-after \(configuration.stopAfter))"))
            }
        } else {
            repeated = ("", 0)
        }
        pump()
    }

    private func pauseEndEpoch(wallNow: Int64) -> Int64? {
        guard let paused = pacer?.pausedUntil else { return nil }
        return wallNow + Int64(max(.zero, paused - now).seconds * 1000)
    }

    private func stopMessage(_ errorClass: ErrorClass, _ answer: SendResult, _ message: String?) -> String {
        let api = message.map { ": \($0)" } ?? ""
        let url = configuration.resolvedBaseURL
        switch errorClass {
        case .unauthorized:
            return "401 Unauthorized\(api). Check BACKFILL_API_KEY, BACKFILL_API_SECRET and BACKFILL_API_PASSPHRASE (or --credentials) and --profile (\(configuration.profile.rawValue)); nothing else was sent"
        case .forbidden:
            return "403\(api). The platform is not approved for participant updates on \(url); ask Zero Hash to enable the endpoint"
        case .notFound:
            return "404 on PATCH /participants/customers/...\(api). Check --base-url / --env / --profile (\(url))"
        case .tls:
            return "TLS failed talking to \(url)\(api). Check the host name and its certificate"
        case .dns:
            return "the host of \(url) does not resolve\(api). Check --base-url / --env"
        default:
            return "\(errorClass.rawValue)\(api)"
        }
    }

    // MARK: - Stopping

    /// Stops claiming and starting; in-flight requests finish and are recorded, then the run ends.
    private func halt(_ ending: RunSummary.Ending) {
        dispatchPrecondition(condition: .onQueue(control))
        if stop == nil {
            stop = ending
            if case .stopped(_, let message) = ending { logger.error("run stopped: \(message)") }
        }
        releaseReady()
        pump()
    }

    private func releaseReady() {
        guard !ready.isEmpty else { return }
        let ids = ready.map(\.id)
        ready.removeAll()
        writer.async { [self] in try? store.release(ids, now: Clock.epochMilliseconds()) }
    }

    private func takeRecords() -> [AttemptRecord] {
        defer { records.removeAll(keepingCapacity: true) }
        return records
    }

    private func flush() {
        let batch = takeRecords()
        guard !batch.isEmpty else { return }
        writer.async { [self] in
            do { try store.record(batch) } catch {
                control.async { [self] in halt(.stopped(code: "database", message: "database: \(error)")) }
            }
        }
    }

    private func end() {
        dispatchPrecondition(condition: .onQueue(control))
        guard !ended else { return }
        ended = true
        wakeTimer?.cancel()
        for t in timers { t.cancel() }
        summary.ending = stop ?? .drained
        releaseReady()
        let batch = takeRecords()
        writer.async { [self] in
            do { try store.record(batch) } catch { logger.error("database: \(error)") }
            let jobs = (try? store.counts()) ?? [:]
            control.async { [self] in
                summary.jobs = jobs
                printProgress(final: true)
                finished.signal()
            }
        }
    }

    // MARK: - Timers and signals

    private func startTimers() {
        let flushTimer = DispatchSource.makeTimerSource(queue: control)
        flushTimer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        flushTimer.setEventHandler { [self] in flush() }
        flushTimer.resume()
        timers.append(flushTimer)
        if let style = configuration.progress {
            let every: Duration
            switch style {
            case .terminal: every = .seconds(1)
            case .lines(let e): every = e
            }
            let progress = DispatchSource.makeTimerSource(queue: control)
            let ms = Int(every.seconds * 1000)
            progress.schedule(deadline: .now() + .milliseconds(ms), repeating: .milliseconds(ms))
            progress.setEventHandler { [self] in printProgress(final: false) }
            progress.resume()
            timers.append(progress)
        }
    }

    private var progressStart = ContinuousClock.now
    private var progressTotal: Int?

    private func printProgress(final: Bool) {
        guard let style = configuration.progress else { return }
        if case .terminal = style, final { output("\n"); return }
        if final { return }
        let elapsed = (ContinuousClock.now - progressStart).seconds
        let rate = elapsed > 0 ? Double(summary.attempts) / elapsed : 0
        let done = summary.succeeded + summary.failed
        let total = progressTotal ?? 0
        let remaining = max(0, total - done)
        let percent = total > 0 ? Double(done) * 100 / Double(total) : 0
        let eta = rate > 0 ? Int(Double(remaining) / rate) : 0
        let line = String(format: "%d/%d (%.1f%%)  %.1f req/s  succeeded %d  failed %d  retrying %d  429s %d  ETA %dm%02ds",
                          done, total, percent, rate, summary.succeeded, summary.failed, summary.retried,
                          summary.rateLimited, eta / 60, eta % 60)
        switch style {
        case .terminal: output("\r\u{1B}[2K" + line)
        case .lines: output(line + "\n")
        }
    }

    /// Sets how many jobs the progress line counts towards.
    public func setProgressTotal(_ total: Int) {
        control.async { [self] in progressTotal = total }
    }

    private func installSignalHandlers() {
        guard configuration.handleSignals else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: control)
            source.setEventHandler { [self] in
                signalsSeen += 1
                if signalsSeen > 1 {
                    // A second signal: leave now. In-flight jobs stay in flight; the next run recovers them.
                    output("\nsecond signal: exiting at once; the next run resends what was in flight\n")
                    exit(128 + sig)
                }
                output("\n\(sig == SIGINT ? "SIGINT" : "SIGTERM"): finishing the \(inFlight) request(s) in flight, then stopping (signal again to exit at once)\n")
                halt(.interrupted(signal: sig))
            }
            source.resume()
            signalSources.append(source)
        }
    }
}
