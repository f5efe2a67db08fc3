@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import ParticipantAPI

/// Drives a `SendLoop` in simulated time, with no I/O: a store of `jobs` fresh jobs (claims and writes answer
/// after `storeDelay`), a server whose latency and answer for the n-th request are given, and the wakes the loop
/// asks for. Every action is carried out as `WorkerPool` would, so the loop's decisions can be measured.
struct SendLoopSimulation {
    /// The server's answer to the n-th request (0-based): an HTTP status, or nil for a transport failure.
    var status: (Int) -> Int? = { _ in 200 }
    /// How long the n-th request takes.
    var latency: (Int) -> Duration
    var storeDelay: Duration = .microseconds(500)
    /// When set, a request's latency is this function of the requests in flight as it starts (a server that queues).
    var latencyFromLoad: ((Int) -> Duration)?

    private(set) var loop: SendLoop
    private(set) var now: Duration = .zero
    /// Start instants, in order.
    private(set) var starts: [Duration] = []
    private(set) var peakInFlight = 0
    private(set) var ending: RunSummary.Ending?
    private(set) var exitedOn: Int32?
    private(set) var interruptions = 0
    /// Window sizes sampled at every answer: (time, size).
    private(set) var windowSamples: [(Duration, Int)] = []

    private let wallOrigin: Int64 = 1_735_689_600_000
    private var fresh: [ClaimedJob]
    private var retries: [(due: Int64, job: ClaimedJob)] = []
    private var queue: [(at: Duration, seq: Int, event: SendLoop.Event, wake: Int?)] = []
    private var seq = 0
    private var wakeToken = 0
    private var inFlight = 0

    init(settings: SendLoop.Settings, jobs: Int, latency: @escaping (Int) -> Duration) {
        loop = SendLoop(settings: settings, seed: 42)
        self.latency = latency
        fresh = (0..<jobs).map { n in
            ClaimedJob(id: Int64(n + 1), participantCode: String(format: "P%05d", n + 1), requestID: "rid-\(n + 1)",
                       body: Array(#"{"first_name":"A"}"#.utf8), attempts: 0)
        }
    }

    private var wallNow: Int64 { wallOrigin + Int64(now.seconds * 1000) }

    /// Runs until the loop ends, `until` passes, or `stopWhen` says so.
    mutating func run(until limit: Duration, stopWhen: (SendLoopSimulation) -> Bool = { _ in false }) {
        if starts.isEmpty && queue.isEmpty {
            deliver(.begin)
            schedule(.tick, at: now + .milliseconds(250), wake: SendLoopSimulation.flushTimer)
        }
        while ending == nil, exitedOn == nil, let next = popNext(notAfter: limit) {
            now = max(now, next.at)
            if next.wake == SendLoopSimulation.flushTimer {
                // The pool's flush timer: every 250 ms.
                schedule(.tick, at: now + .milliseconds(250), wake: SendLoopSimulation.flushTimer)
            } else if let token = next.wake, token != wakeToken {
                continue
            }
            deliver(next.event)
            if stopWhen(self) { break }
        }
    }

    /// Delivers an event now (e.g. a signal).
    mutating func inject(_ event: SendLoop.Event) { deliver(event) }

    /// Starts per second between two instants.
    func startRate(from a: Duration, to b: Duration) -> Double {
        Double(starts.filter { $0 >= a && $0 < b }.count) / (b - a).seconds
    }

    /// The most starts in any rolling `window`.
    func mostStarts(inAnyRolling window: Duration) -> Int {
        var most = 0
        var lo = 0
        for hi in starts.indices {
            while starts[hi] - starts[lo] >= window { lo += 1 }
            most = max(most, hi - lo + 1)
        }
        return most
    }

    /// The next event, if it is due by `limit` (a later one stays queued for the next `run`).
    private mutating func popNext(notAfter limit: Duration) -> (at: Duration, seq: Int, event: SendLoop.Event, wake: Int?)? {
        guard let i = queue.indices.min(by: { (queue[$0].at, queue[$0].seq) < (queue[$1].at, queue[$1].seq) }),
              queue[i].at <= limit else { return nil }
        return queue.remove(at: i)
    }

    private mutating func schedule(_ event: SendLoop.Event, at t: Duration, wake: Int? = nil) {
        seq += 1
        queue.append((t, seq, event, wake))
    }

    private static let flushTimer = -1

    private mutating func deliver(_ event: SendLoop.Event) {
        if case .answered = event {
            inFlight -= 1
            windowSamples.append((now, loop.window.size))
        }
        for action in loop.handle(event, now: now, wallNow: wallNow) { perform(action) }
    }

    private mutating func perform(_ action: SendLoop.Action) {
        switch action {
        case .claim(let limit, let records):
            apply(records)
            var jobs: [ClaimedJob] = []
            retries.sort { $0.due < $1.due }
            while jobs.count < limit, let first = retries.first, first.due <= wallNow {
                jobs.append(first.job)
                retries.removeFirst()
            }
            while jobs.count < limit, !fresh.isEmpty { jobs.append(fresh.removeFirst()) }
            schedule(.claimed(jobs), at: now + storeDelay)
        case .start(let job):
            let n = starts.count
            starts.append(now)
            inFlight += 1
            peakInFlight = max(peakInFlight, inFlight)
            let took = latencyFromLoad?(inFlight) ?? latency(n)
            let code = status(n)
            let body: [UInt8] = code == 401 ? Array(#"{"error":true,"message":"Invalid signature"}"#.utf8) : []
            let started = wallNow
            let answer = SendResult(status: code, retryAfter: nil, body: body,
                                    failure: code == nil ? .connection("connection reset by peer") : nil,
                                    startedAt: started, endedAt: started + Int64(took.seconds * 1000))
            schedule(.answered(job, answer, latency: took), at: now + took)
        case .write(let records):
            apply(records)
        case .release(let ids):
            fresh.insert(contentsOf: ids.map { id in
                ClaimedJob(id: id, participantCode: String(format: "P%05d", id), requestID: "rid-\(id)",
                           body: Array(#"{"first_name":"A"}"#.utf8), attempts: 0)
            }, at: 0)
        case .checkDue:
            schedule(.nextDue(retries.map(\.due).min()), at: now + storeDelay)
        case .wake(let t):
            wakeToken += 1
            schedule(.tick, at: t, wake: wakeToken)
        case .interrupting:
            interruptions += 1
        case .exitNow(let sig):
            exitedOn = sig
        case .end(let e, let records):
            apply(records)
            ending = e
        }
    }

    private mutating func apply(_ records: [AttemptRecord]) {
        for r in records {
            if case .pending(let notBefore, let counts) = r.transition {
                let job = ClaimedJob(id: r.jobID, participantCode: "", requestID: r.requestID,
                                     body: [], attempts: (r.number - 1) + (counts ? 1 : 0))
                retries.append((notBefore ?? wallNow, job))
            }
        }
    }
}
