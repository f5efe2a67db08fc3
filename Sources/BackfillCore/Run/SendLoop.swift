import BackfillStore
import Foundation
import ParticipantAPI

/// The run's decisions as a state machine: which job starts when, the in-flight window, pause and stop, the
/// repeated-answer rule, and when the run is over. Pure: events come in (`handle(_:now:wallNow:)`) with the
/// time, actions come out; `WorkerPool` carries them out with Dispatch and I/O. Tested with simulated time.
///
/// The loop keeps a small queue of claimed jobs, starts them as the pacer and the window allow, and claims
/// more as it runs low. Claimed jobs are `claimed` in the store, not sent: a start is written as `in_flight`
/// (`Action.start`), so recovery after a crash counts only requests that may have reached the server.
public struct SendLoop: Sendable {
    public struct Settings: Sendable {
        public var rate: RateLimit?
        /// The in-flight ceiling (`--concurrency`).
        public var ceiling: Int
        public var claimBatch: Int
        public var writeBatch: Int
        public var limit: Int?
        public var stopAfter: Int
        public var retry: RetryPolicy
        /// A success may make another job sendable (history mode: the participant's next step), so the loop
        /// claims again after one even when the last claim came back empty.
        public var claimAfterSuccess = false

        public init(rate: RateLimit?, ceiling: Int, claimBatch: Int = 64, writeBatch: Int = 256, limit: Int? = nil,
                    stopAfter: Int = 20, retry: RetryPolicy = RetryPolicy()) {
            self.rate = rate
            self.ceiling = ceiling
            self.claimBatch = claimBatch
            self.writeBatch = writeBatch
            self.limit = limit
            self.stopAfter = stopAfter
            self.retry = retry
        }

        public init(_ c: RunConfiguration) {
            self.init(rate: c.rate, ceiling: c.concurrency, claimBatch: c.claimBatch, writeBatch: c.writeBatch,
                      limit: c.limit, stopAfter: c.stopAfter, retry: c.retry)
        }
    }

    public enum Event: Sendable {
        /// The run begins.
        case begin
        /// A timer the loop asked for fired (or the pool's flush timer).
        case tick
        /// A claim came back (possibly empty).
        case claimed([ClaimedJob])
        /// The store failed; the run stops.
        case storeFailed(String)
        /// The answer to `checkDue`: when the first backed-off job becomes due (epoch ms), if any.
        case nextDue(Int64?)
        /// A request ended. `latency` is measured on the monotonic clock.
        case answered(ClaimedJob, SendResult, latency: Duration)
        /// SIGINT or SIGTERM.
        case signal(Int32)
    }

    public enum Action: Sendable {
        /// Write these results, then claim up to `limit` jobs (one writer round trip).
        case claim(limit: Int, records: [AttemptRecord])
        /// Mark the job in flight and send it.
        case start(ClaimedJob)
        /// Write these results.
        case write([AttemptRecord])
        /// Return these claimed, never started jobs to pending.
        case release([Int64])
        /// Ask the store when the next backed-off job is due (answer with `.nextDue`).
        case checkDue
        /// Deliver `.tick` at this instant (since the run began). A later `wake` replaces an earlier one.
        case wake(at: Duration)
        /// A first signal: the run drains; say so.
        case interrupting(signal: Int32, inFlight: Int)
        /// A second signal: leave at once (the executable exits; the next run recovers what was in flight).
        case exitNow(signal: Int32)
        /// The run is over: write these last results, then finish with `ending`.
        case end(RunSummary.Ending, records: [AttemptRecord])
    }

    public let settings: Settings
    public private(set) var pacer: Pacer?
    public private(set) var window: InFlightWindow
    public private(set) var summary = RunSummary(ending: .drained)
    /// Whether the run has ended (no more actions but none).
    public private(set) var ended = false

    private var ready: [ClaimedJob] = []
    /// Start instants of the requests in flight, by job id.
    private var inFlight: [Int64: Duration] = [:]
    private var claiming = false
    private var checkingDue = false
    /// The last claim came back empty and nothing since may have made a job sendable.
    private var drained = false
    private var claimedCount = 0
    private var stop: RunSummary.Ending?
    private var records: [AttemptRecord] = []
    private var repeated: (key: String, count: Int) = ("", 0)
    /// The latest start (loop time) of a request that succeeded. An answer to a request started before it says
    /// nothing about the server now: at the end of a run, the timeouts of requests started 30 s earlier arrive
    /// one after another with no success between them, though later requests succeeded.
    private var latestSuccessStart: Duration?
    private var wakeAt: Duration?
    private var signals = 0
    private var random: SplitMix64

    /// - Parameter seed: for the backoff's jitter.
    public init(settings: Settings, seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        self.settings = settings
        pacer = settings.rate.map(Pacer.init(limit:))
        window = InFlightWindow(ceiling: settings.ceiling, rate: settings.rate?.perSecond)
        random = SplitMix64(seed: seed)
    }

    /// Requests in flight now.
    public var inFlightCount: Int { inFlight.count }
    /// The most requests that were in flight at once.
    public private(set) var peakInFlight = 0
    /// A paced start was due while the window was full at `--concurrency`: latency, not the pacer, set the rate.
    /// (The window merely wanting more than the ceiling is not enough: its headroom may never be needed.)
    public private(set) var ceilingHeldBack = false

    /// Takes one event at `now` (monotonic, since the run began) and `wallNow` (epoch ms); returns what to do.
    public mutating func handle(_ event: Event, now: Duration, wallNow: Int64) -> [Action] {
        guard !ended else { return [] }
        var actions: [Action] = []
        switch event {
        case .begin:
            break
        case .tick:
            if let wakeAt, wakeAt <= now { self.wakeAt = nil }
            if !records.isEmpty && !claiming { actions.append(.write(takeRecords())) }
        case .claimed(let jobs):
            claiming = false
            claimedCount += jobs.count
            if jobs.isEmpty { drained = true }
            ready.append(contentsOf: jobs)
        case .storeFailed(let message):
            claiming = false
            halt(.stopped(code: .database, message: "database: \(message)"), &actions)
        case .nextDue(let due):
            checkingDue = false
            if ready.isEmpty, drained, inFlight.isEmpty, !claiming, stop == nil {
                if let due, !limitReached {
                    // Backed-off jobs remain: come back when the first is due, and claim again then.
                    drained = false
                    let wait = Duration.milliseconds(max(0, due - wallNow))
                    scheduleWake(now + wait, &actions)
                    return actions
                }
                finish(&actions)
                return actions
            }
        case .answered(let job, let answer, let latency):
            answered(job, answer, latency: latency, now: now, wallNow: wallNow, &actions)
        case .signal(let sig):
            signals += 1
            if signals > 1 { return [.exitNow(signal: sig)] }
            actions.append(.interrupting(signal: sig, inFlight: inFlight.count))
            halt(.interrupted(signal: sig), &actions)
        }
        pump(now: now, &actions)
        return actions
    }

    // MARK: - Deciding

    private var limitReached: Bool {
        guard let limit = settings.limit else { return false }
        return claimedCount >= limit
    }

    private mutating func pump(now: Duration, _ actions: inout [Action]) {
        guard !ended else { return }
        if stop != nil {
            // A claim under way must come back (and be released) before the run can end.
            if inFlight.isEmpty, !claiming { finish(&actions) }
            return
        }
        refill(&actions)
        while !ready.isEmpty {
            let stragglers = stragglerCount(now: now)
            guard window.allowsStart(inFlight: inFlight.count, stragglers: stragglers) else {
                // The window is full: an answer frees a place, or the oldest request that is not a straggler yet
                // becomes one.
                if let pacer, !window.slowStart, window.size >= window.ceiling, pacer.earliestStart(now: now) <= now {
                    ceilingHeldBack = true
                }
                let age = window.stragglerAge
                if inFlight.count < window.ceiling,
                   let oldest = inFlight.values.filter({ now - $0 < age }).min() {
                    scheduleWake(oldest + age, &actions)
                }
                break
            }
            let start = pacer?.earliestStart(now: now) ?? now
            if start > now {
                scheduleWake(start, &actions)
                break
            }
            pacer?.recordStart(at: now)
            let job = ready.removeFirst()
            inFlight[job.id] = now
            peakInFlight = max(peakInFlight, inFlight.count)
            actions.append(.start(job))
            refill(&actions)
        }
        if ready.isEmpty, drained, inFlight.isEmpty, !claiming, !checkingDue {
            checkingDue = true
            if !records.isEmpty { actions.append(.write(takeRecords())) }
            actions.append(.checkDue)
        }
    }

    private func stragglerCount(now: Duration) -> Int {
        let age = window.stragglerAge
        var n = 0
        for started in inFlight.values where now - started >= age { n += 1 }
        return n
    }

    /// Claims more when the queue runs low: enough for the window and a batch beyond it.
    private mutating func refill(_ actions: inout [Action]) {
        guard !claiming, !drained, stop == nil else { return }
        let low = settings.claimBatch / 2 + window.size
        guard ready.count < low else { return }
        var want = max(settings.claimBatch, window.size - ready.count)
        if let limit = settings.limit {
            want = min(want, limit - claimedCount)
            if want <= 0 { drained = true; return }
        }
        claiming = true
        actions.append(.claim(limit: want, records: takeRecords()))
    }

    private mutating func answered(_ job: ClaimedJob, _ answer: SendResult, latency: Duration, now: Duration, wallNow: Int64,
                                   _ actions: inout [Action]) {
        let startedAt = inFlight.removeValue(forKey: job.id) ?? now
        summary.attempts += 1
        let succeeded = answer.status.map { (200..<300).contains($0) } ?? false
        window.ended(latency: latency, answered: answer.status != nil, succeeded: succeeded)
        let classified = AttemptClassification(answer)
        let outcome = classified.outcome
        if case .rateLimited(let retryAfter) = outcome {
            pacer?.rateLimited(now: now, retryAfter: retryAfter)
            summary.rateLimited += 1
        }
        let decision = AttemptDecision.decide(outcome: outcome, attemptsBefore: job.attempts, policy: settings.retry,
                                              now: wallNow, pauseEnd: pauseEnd(now: now, wallNow: wallNow),
                                              random: random.nextUnit())
        switch decision.transition {
        case .succeeded:
            summary.succeeded += 1
            if settings.claimAfterSuccess { drained = false }
        case .failed: summary.failed += 1
        case .pending(_, let counts):
            drained = false
            if counts { summary.retried += 1 }
        }
        records.append(AttemptRecord(
            jobID: job.id, number: job.attempts + 1, requestID: job.requestID, startedAt: answer.startedAt,
            endedAt: answer.endedAt, status: answer.status, outcome: decision.outcome,
            errorClass: outcome.errorClass, message: classified.message,
            responseBody: answer.body.isEmpty ? nil : answer.body, transition: decision.transition))
        if records.count >= settings.writeBatch { actions.append(.write(takeRecords())) }

        if case .stop(let errorClass) = outcome {
            halt(.stopped(code: RunStop.Code(errorClass),
                          message: StopReason.message(errorClass, status: answer.status, apiMessage: classified.message)), &actions)
        } else if !succeeded, let latest = latestSuccessStart, startedAt < latest {
            // Overtaken: a request started after this one has succeeded. Neither counts nor breaks a streak.
        } else if !succeeded, answer.status != 429 {
            // "503 {message}", or the transport failure's own words ("no answer from ... within --timeout ...").
            let key = answer.status.map { "\($0)" + (classified.message.map { " \($0)" } ?? "") } ?? classified.message ?? "no answer"
            repeated = repeated.key == key ? (key, repeated.count + 1) : (key, 1)
            if repeated.count >= settings.stopAfter {
                halt(.stopped(code: .repeated,
                              message: "\(repeated.count) consecutive answers were the same (\(key)); stopping so that every remaining job is not spent on it (--stop-after \(settings.stopAfter))"),
                     &actions)
            }
        } else {
            repeated = ("", 0)
            if answer.status != 429 { latestSuccessStart = max(latestSuccessStart ?? startedAt, startedAt) }
        }
    }

    /// When the pacer resumes after a 429, epoch ms.
    private func pauseEnd(now: Duration, wallNow: Int64) -> Int64? {
        guard let paused = pacer?.pausedUntil else { return nil }
        return wallNow + Int64(max(.zero, paused - now).seconds * 1000)
    }

    /// Stops claiming and starting; in-flight requests finish and are recorded, then the run ends.
    private mutating func halt(_ ending: RunSummary.Ending, _ actions: inout [Action]) {
        if stop == nil { stop = ending }
        if !ready.isEmpty {
            actions.append(.release(ready.map(\.id)))
            ready.removeAll()
        }
    }

    private mutating func finish(_ actions: inout [Action]) {
        guard !ended else { return }
        ended = true
        if !ready.isEmpty {
            actions.append(.release(ready.map(\.id)))
            ready.removeAll()
        }
        summary.ending = stop ?? .drained
        summary.peakInFlight = peakInFlight
        summary.latencyLimited = ceilingHeldBack
        actions.append(.end(summary.ending, records: takeRecords()))
    }

    private mutating func scheduleWake(_ t: Duration, _ actions: inout [Action]) {
        if let wakeAt, wakeAt <= t { return }
        wakeAt = t
        actions.append(.wake(at: t))
    }

    private mutating func takeRecords() -> [AttemptRecord] {
        defer { records.removeAll(keepingCapacity: true) }
        return records
    }
}

/// An answer's outcome and the message the ledger keeps.
struct AttemptClassification {
    var outcome: Outcome
    var message: String?

    init(_ answer: SendResult) {
        let failedAnswer = answer.status.map { !(200..<300).contains($0) }
        message = failedAnswer == true ? APIErrorMessage.extract(from: answer.body) : answer.failure?.message
        outcome = OutcomeClassifier.classify(status: answer.status, message: message, body: answer.body,
                                             retryAfter: answer.retryAfter, failure: answer.failure)
    }
}
