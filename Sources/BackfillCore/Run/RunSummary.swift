import BackfillStore
import Foundation
import ParticipantAPI

/// How a run ended, for the final summary and the exit code.
public struct RunSummary: Sendable {
    public enum Ending: Sendable, Equatable {
        /// No sendable job is left (or `--limit` was reached).
        case drained
        /// An error proved every request would fail.
        case stopped(code: RunStop.Code, message: String)
        /// SIGINT (2) or SIGTERM (15).
        case interrupted(signal: Int32)
    }

    public var ending: Ending
    public var attempts = 0
    public var succeeded = 0
    public var failed = 0
    public var retried = 0
    /// Answers "email already used by another participant" that made a job wait for the rest of the run (sent
    /// once more at the end: `email_taken` if refused again).
    public var deferred = 0
    /// Email handovers, cycles and addresses held outside the input on the target, once the run is over.
    public var emailRules = EmailRuleCounts()
    public var rateLimited = 0
    /// Lockouts of the IP the run caused (429 episodes), and the seconds in which everything the IP sent, the
    /// platform's own traffic included, was refused.
    public var lockouts = 0
    public var lockoutSeconds: Double = 0
    /// Answers (200) that echoed a field with another value than the one sent (`EchoCheck`).
    public var echoMismatches = 0
    public var recovered = 0
    public var elapsedSeconds: Double = 0
    /// Current jobs by state once the run is over (history mode: steps).
    public var jobs = JobCounts()
    /// The database's mode: in history mode the jobs are steps, and are called so.
    public var mode: IngestMode = .latest
    public var clockOffsetMilliseconds: Int64?
    /// The target's short name.
    public var target = ""
    /// Jobs not done on the target when the run ended.
    public var left = RunStore.Left()
    /// The most requests in flight at once.
    public var peakInFlight = 0
    /// A paced start waited for a window full at `--concurrency`: latency, not the pacer, limited the rate.
    public var latencyLimited = false
    /// The configured rate (nil: unpaced).
    public var configuredRate: RateLimit?
    /// Failed jobs on the target by error class, largest first.
    public var failedByClass: [(errorClass: ErrorClass, count: Int)] = []

    /// 0 every job succeeded and none is held; 2 some jobs failed permanently or are held;
    /// 1 the run was stopped by an error; 130 / 143 interrupted by SIGINT / SIGTERM.
    public var exitCode: Int32 {
        switch ending {
        case .stopped: return 1
        case .interrupted(let signal): return 128 + signal
        case .drained: return jobs[.failed] > 0 || jobs[.held] > 0 ? 2 : 0
        }
    }
}

/// `SIGINT`, `SIGTERM`, or `signal N`: how the run names the signal that stopped it.
public func signalName(_ sig: Int32) -> String {
    switch sig {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    default: "signal \(sig)"
    }
}
