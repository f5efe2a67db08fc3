import BackfillStore
import Foundation
import ParticipantAPI

/// The run's decisions as a state machine: which job starts when, the in-flight window, pause and stop, the
/// repeated-answer rule, and when the run is over. Pure: events come in (`handle(_:now:wallNow:)`) with the
/// time, actions come out; `WorkerPool` carries them out with Dispatch and I/O. Tested one event at a time
/// (`SendLoopTransitionTests`) and with simulated time (`SendLoopSimulation`).
///
/// Where the run is in its life is one value, `lifecycle` (`running`, `draining`, `ended`); every event
/// switches on it first, as AsyncHTTPClient's `Transaction.StateMachine` does. The running state holds the one
/// store request that may be out (a claim or a due-check, never both) and whether the queue is drained; the
/// draining state holds why the run ends and whether it still waits for a claim. What is not lifecycle (the
/// queue, the requests in flight, the unwritten records, the pacer and the window) stays in fields.
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
        /// The contract answers are classified by (`OutcomeClassifier`) and echoes checked against (`EchoCheck`).
        public var contract: Contract = .ndax
        /// A 404 is the route's (see `RunConfiguration.notFoundIsRoute`).
        public var notFoundIsRoute = false
        /// `--max-lockouts`: the run stops once it has caused this many lockouts of the IP.
        public var maxLockouts = 3

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
            contract = c.contract
            notFoundIsRoute = c.notFoundIsRoute
            maxLockouts = c.maxLockouts
        }
    }

    public enum Event: Sendable, Equatable {
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
        /// `backfill rate`: a new ceiling for the running run (checked against the documented limit already).
        case rateChanged(RateLimit)
    }

    public enum Action: Sendable, Equatable {
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

    /// The store request a running loop waits for. There is at most one: a claim and a due-check are never
    /// both out.
    public enum StoreRequest: Sendable, Equatable {
        /// Nothing is out: the loop may claim (when its queue runs low) or ask when the next job is due (when
        /// drained, with nothing queued or in flight).
        case none
        /// `Action.claim` is out; `.claimed` (or `.storeFailed`) answers it.
        case claim
        /// `Action.checkDue` is out; `.nextDue` answers it.
        case dueCheck
    }

    /// The lifecycle's running state.
    public struct Running: Sendable, Equatable {
        public var storeRequest: StoreRequest
        /// The last claim came back empty (or `--limit` was reached) and nothing since may have made a job
        /// sendable: no claim until something does. Never true while a claim is out.
        public var drained: Bool

        public init(storeRequest: StoreRequest = .none, drained: Bool = false) {
            self.storeRequest = storeRequest
            self.drained = drained
        }
    }

    /// Where the run is in its life.
    public enum Lifecycle: Sendable, Equatable {
        /// Claiming, starting and recording.
        case running(Running)
        /// Stopped (an answer that stops the run, a store failure, a first signal): nothing is claimed or
        /// started, the jobs queued were released, and the run ends with `ending` once every request in flight
        /// has answered and, when `awaitingClaim`, the claim that was out has come back (its jobs are released
        /// then). A due-check that was out is not waited for: its answer changes nothing.
        case draining(ending: RunSummary.Ending, awaitingClaim: Bool)
        /// `Action.end` was returned; every later event returns no action.
        case ended
    }

    public private(set) var settings: Settings
    public private(set) var pacer: Pacer?
    public private(set) var window: InFlightWindow
    public private(set) var summary = RunSummary(ending: .drained)
    public private(set) var lifecycle: Lifecycle = .running(Running())
    /// Whether the run has ended (no more actions but none).
    public var ended: Bool { lifecycle == .ended }

    private var ready: [ClaimedJob] = []
    /// Start instants of the requests in flight, by job id.
    private var inFlight: [Int64: Duration] = [:]
    private var claimedCount = 0
    private var records: [AttemptRecord] = []
    private var repeated: (key: String, count: Int) = ("", 0)
    /// The latest start (loop time) of a request that succeeded. An answer to a request started before it says
    /// nothing about the server now: at the end of a run, the timeouts of requests started 30 s earlier arrive
    /// one after another with no success between them, though later requests succeeded.
    private var latestSuccessStart: Duration?
    /// The instant of the latest `wake` not yet delivered.
    private var wakeAt: Duration?
    /// Signals received: the first drains the run, the second leaves at once.
    private var signals = 0
    private var random: SplitMix64

    /// - Parameter seed: for the backoff's jitter.
    public init(settings: Settings, seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        self.settings = settings
        pacer = settings.rate.map { Pacer(limit: $0) }
        window = InFlightWindow(ceiling: settings.ceiling, rate: settings.rate?.perSecond)
        random = SplitMix64(seed: seed)
    }

    /// Requests in flight now.
    public var inFlightCount: Int { inFlight.count }
    /// Jobs claimed and not started yet.
    public var readyCount: Int { ready.count }
    /// The most requests that were in flight at once.
    public private(set) var peakInFlight = 0
    /// A paced start was due while the window was full at `--concurrency`: latency, not the pacer, set the rate.
    /// (The window merely wanting more than the ceiling is not enough: its headroom may never be needed.)
    public private(set) var ceilingHeldBack = false

    /// Takes one event at `now` (monotonic, since the run began) and `wallNow` (epoch ms); returns what to do.
    public mutating func handle(_ event: Event, now: Duration, wallNow: Int64) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .begin: begin(now: now, &actions)
        case .tick: tick(now: now, &actions)
        case .claimed(let jobs): claimed(jobs, now: now, &actions)
        case .storeFailed(let message): storeFailed(message, now: now, &actions)
        case .nextDue(let due): nextDue(due, now: now, wallNow: wallNow, &actions)
        case .answered(let job, let answer, let latency):
            answered(job, answer, latency: latency, now: now, wallNow: wallNow, &actions)
        case .signal(let sig): signal(sig, now: now, &actions)
        case .rateChanged(let rate):
            if case .ended = lifecycle { break }
            settings.rate = rate
            if pacer == nil { pacer = Pacer(limit: rate) } else { pacer?.setLimit(rate) }
            pump(now: now, &actions)
        }
        return actions
    }

    // MARK: - Events

    private mutating func begin(now: Duration, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .running, .draining:
            pump(now: now, &actions)
        }
    }

    /// A wake or the pool's flush timer: writes the records that wait (unless a claim is out), then starts what
    /// the pacer now allows.
    private mutating func tick(now: Duration, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .running(let running):
            wakeDelivered(now: now)
            if running.storeRequest != .claim { flushRecords(&actions) }
        case .draining(_, let awaitingClaim):
            wakeDelivered(now: now)
            if !awaitingClaim { flushRecords(&actions) }
        }
        pump(now: now, &actions)
    }

    private mutating func claimed(_ jobs: [ClaimedJob], now: Duration, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .running(var running):
            if running.storeRequest == .claim { running.storeRequest = .none }
            if jobs.isEmpty { running.drained = true }
            lifecycle = .running(running)
        case .draining(let ending, _):
            // The claim that was out came back: its jobs are released as the run ends.
            lifecycle = .draining(ending: ending, awaitingClaim: false)
        }
        claimedCount += jobs.count
        ready.append(contentsOf: jobs)
        pump(now: now, &actions)
    }

    /// The store failed (a claim, a write or a start mark): the run stops, and does not wait for a claim that
    /// was out (whatever it claimed stays `claimed`, and the next run returns it to pending).
    private mutating func storeFailed(_ message: String, now: Duration, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .running(var running):
            if running.storeRequest == .claim { running.storeRequest = .none }
            lifecycle = .running(running)
        case .draining(let ending, _):
            lifecycle = .draining(ending: ending, awaitingClaim: false)
        }
        halt(.stopped(code: .database, message: "database: \(message)"), &actions)
        pump(now: now, &actions)
    }

    private mutating func nextDue(_ due: Int64?, now: Duration, wallNow: Int64, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .draining:
            // The run ends once its requests in flight have answered: when a job is due no longer matters.
            pump(now: now, &actions)
        case .running(var running):
            if running.storeRequest == .dueCheck { running.storeRequest = .none }
            lifecycle = .running(running)
            guard running.storeRequest == .none, running.drained, ready.isEmpty, inFlight.isEmpty else {
                pump(now: now, &actions)
                return
            }
            if let due, !limitReached {
                // Backed-off jobs remain: come back when the first is due, and claim again then.
                running.drained = false
                lifecycle = .running(running)
                scheduleWake(now + .milliseconds(max(0, due - wallNow)), &actions)
            } else {
                finish(.drained, &actions)
            }
        }
    }

    private mutating func answered(_ job: ClaimedJob, _ answer: SendResult, latency: Duration, now: Duration,
                                   wallNow: Int64, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .running, .draining:
            // Answers are recorded while draining too: that is what draining waits for.
            record(job, answer, latency: latency, now: now, wallNow: wallNow, &actions)
        }
        pump(now: now, &actions)
    }

    private mutating func signal(_ sig: Int32, now: Duration, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .running, .draining:
            signals += 1
            if signals > 1 {
                actions.append(.exitNow(signal: sig))
                return
            }
            actions.append(.interrupting(signal: sig, inFlight: inFlight.count))
            halt(.interrupted(signal: sig), &actions)
        }
        pump(now: now, &actions)
    }

    // MARK: - Deciding

    private var limitReached: Bool {
        guard let limit = settings.limit else { return false }
        return claimedCount >= limit
    }

    /// After every event: running, starts what the pacer and the window allow, claims when the queue runs low,
    /// and once drained with nothing queued or in flight asks when the next job is due; draining, ends the run
    /// when nothing is awaited any more.
    private mutating func pump(now: Duration, _ actions: inout [Action]) {
        switch lifecycle {
        case .ended:
            return
        case .draining(let ending, let awaitingClaim):
            // A claim that is out must come back (and be released) before the run can end.
            if inFlight.isEmpty, !awaitingClaim { finish(ending, &actions) }
        case .running:
            startReady(now: now, &actions)
            guard case .running(var running) = lifecycle, running.storeRequest == .none, running.drained,
                  ready.isEmpty, inFlight.isEmpty else { return }
            running.storeRequest = .dueCheck
            lifecycle = .running(running)
            flushRecords(&actions)
            actions.append(.checkDue)
        }
    }

    /// Starts queued jobs as the window and the pacer allow, claiming more as the queue runs low.
    private mutating func startReady(now: Duration, _ actions: inout [Action]) {
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
    }

    private func stragglerCount(now: Duration) -> Int {
        let age = window.stragglerAge
        var n = 0
        for started in inFlight.values where now - started >= age { n += 1 }
        return n
    }

    /// Claims more when the queue runs low: enough for the window and a batch beyond it. Only while running,
    /// not drained, with no store request out.
    private mutating func refill(_ actions: inout [Action]) {
        guard case .running(var running) = lifecycle, running.storeRequest == .none, !running.drained else { return }
        let low = settings.claimBatch / 2 + window.size
        guard ready.count < low else { return }
        var want = max(settings.claimBatch, window.size - ready.count)
        if let limit = settings.limit {
            want = min(want, limit - claimedCount)
            if want <= 0 {
                running.drained = true
                lifecycle = .running(running)
                return
            }
        }
        running.storeRequest = .claim
        lifecycle = .running(running)
        actions.append(.claim(limit: want, records: takeRecords()))
    }

    /// A job may have become sendable (a retry backed off, history mode's next step): a drained loop claims again.
    private mutating func mayClaimAgain() {
        guard case .running(var running) = lifecycle else { return }
        running.drained = false
        lifecycle = .running(running)
    }

    /// Records an answer: the window, the pacer, the job's next state, the repeated-answer rule.
    private mutating func record(_ job: ClaimedJob, _ answer: SendResult, latency: Duration, now: Duration, wallNow: Int64,
                                 _ actions: inout [Action]) {
        let startedAt = inFlight.removeValue(forKey: job.id) ?? now
        summary.attempts += 1
        let succeeded = answer.status.map { (200..<300).contains($0) } ?? false
        window.ended(latency: latency, answered: answer.status != nil, succeeded: succeeded)
        let classified = AttemptClassification(answer, sent: job.body, contract: settings.contract,
                                               notFoundIsRoute: settings.notFoundIsRoute)
        let outcome = classified.outcome
        if case .rateLimited(let retryAfter) = outcome {
            pacer?.rateLimited(now: now, retryAfter: retryAfter)
            summary.rateLimited += 1
            if let pacer, pacer.lockouts > summary.lockouts {
                summary.lockouts = pacer.lockouts
                summary.lockoutSeconds = pacer.lockoutSeconds
                if pacer.lockouts >= settings.maxLockouts {
                    halt(.stopped(code: .lockouts, message: StopReason.lockouts(pacer.lockouts, seconds: pacer.lockoutSeconds)), &actions)
                }
            }
        }
        let decision = AttemptDecision.decide(outcome: outcome, attemptsBefore: job.attempts, policy: settings.retry,
                                              now: wallNow, pauseEnd: pauseEnd(now: now, wallNow: wallNow),
                                              random: random.nextUnit(), deferred: job.deferred)
        switch decision.transition {
        case .succeeded:
            summary.succeeded += 1
            if settings.claimAfterSuccess { mayClaimAgain() }
        case .failed: summary.failed += 1
        case .pending(_, let counts):
            mayClaimAgain()
            if counts { summary.retried += 1 }
        case .deferred:
            summary.deferred += 1
        }
        records.append(AttemptRecord(
            jobID: job.id, number: job.attempts + 1, requestID: job.requestID, startedAt: answer.startedAt,
            endedAt: answer.endedAt, status: answer.status, outcome: decision.outcome,
            errorClass: outcome.errorClass, message: classified.message,
            responseBody: answer.body.isEmpty ? nil : answer.body, transition: decision.transition,
            echoMismatches: classified.echoMismatches))
        summary.echoMismatches += classified.echoMismatches.isEmpty ? 0 : 1
        if records.count >= settings.writeBatch { actions.append(.write(takeRecords())) }

        if case .stop(let errorClass) = outcome {
            halt(.stopped(code: RunStop.Code(errorClass),
                          message: StopReason.message(errorClass, status: answer.status, apiMessage: classified.message)), &actions)
        } else if !succeeded, let latest = latestSuccessStart, startedAt < latest {
            // Overtaken: a request started after this one has succeeded. Neither counts nor breaks a streak.
        } else if case .deferred = decision.transition {
            // One participant's email held by another: a fact about that participant, not a streak of the API's.
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

    /// Stops claiming and starting: the queued jobs go back to pending; requests in flight finish and are
    /// recorded, then the run ends. The first reason to stop is the one the run ends with.
    private mutating func halt(_ ending: RunSummary.Ending, _ actions: inout [Action]) {
        switch lifecycle {
        case .running(let running):
            lifecycle = .draining(ending: ending, awaitingClaim: running.storeRequest == .claim)
        case .draining, .ended:
            break
        }
        releaseReady(&actions)
    }

    private mutating func finish(_ ending: RunSummary.Ending, _ actions: inout [Action]) {
        lifecycle = .ended
        releaseReady(&actions)
        summary.ending = ending
        summary.peakInFlight = peakInFlight
        summary.latencyLimited = ceilingHeldBack
        actions.append(.end(ending, records: takeRecords()))
    }

    private mutating func releaseReady(_ actions: inout [Action]) {
        guard !ready.isEmpty else { return }
        actions.append(.release(ready.map(\.id)))
        ready.removeAll()
    }

    private mutating func scheduleWake(_ t: Duration, _ actions: inout [Action]) {
        if let wakeAt, wakeAt <= t { return }
        wakeAt = t
        actions.append(.wake(at: t))
    }

    /// A tick at `now`: a wake due by now has been delivered.
    private mutating func wakeDelivered(now: Duration) {
        if let wakeAt, wakeAt <= now { self.wakeAt = nil }
    }

    private mutating func flushRecords(_ actions: inout [Action]) {
        if !records.isEmpty { actions.append(.write(takeRecords())) }
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

    /// A 200's echo compared with what was sent.
    var echoMismatches: [EchoMismatch] = []

    init(_ answer: SendResult, sent: [UInt8] = [], contract: Contract = .ndax, notFoundIsRoute: Bool = false) {
        let failedAnswer = answer.status.map { !(200..<300).contains($0) }
        message = failedAnswer == true ? APIErrorMessage.extract(from: answer.body) : answer.failure?.message
        outcome = OutcomeClassifier.classify(status: answer.status, message: message, body: answer.body,
                                             retryAfter: answer.retryAfter, failure: answer.failure, contract: contract,
                                             notFoundIsRoute: notFoundIsRoute)
        if outcome == .succeeded, !sent.isEmpty {
            echoMismatches = EchoCheck.mismatches(sent: sent, answer: answer.body, contract: contract)
        }
    }
}
