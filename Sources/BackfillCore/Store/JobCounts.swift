import GRDB

/// Where a current job stands on a target, as `status`, the run summary, the metrics and the page count it: a
/// sent state there wins (`in_flight`, `succeeded`, `failed`), then the job's own hold, else `pending`; history
/// mode adds `blocked` (a step after one that failed for good).
public enum JobStatus: String, Sendable, CaseIterable, Codable, CodingKeyRepresentable, SQLWord, DatabaseValueConvertible {
    case pending
    case held
    case inFlight = "in_flight"
    case succeeded
    case failed
    case blocked

    /// The states of latest mode, in pipeline order.
    public static let latest: [JobStatus] = [.pending, .held, .inFlight, .succeeded, .failed]
    /// History mode's: `blocked` after the others.
    public static let history: [JobStatus] = latest + [.blocked]

    /// The states counted in `mode`, in pipeline order.
    public static func all(_ mode: IngestMode) -> [JobStatus] { mode == .history ? history : latest }

    /// The send states that win over the job's own state (`job_send.state` as a status).
    public init?(sent state: SendState) {
        switch state {
        case .inFlight: self = .inFlight
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .pending, .claimed: return nil
        }
    }
}

/// Counts by `JobStatus`, keeping which states were counted (every state of the mode, zeros included) in
/// pipeline order. Encodes as the JSON object `{"failed": 0, "held": 2, ...}` that `status --json` has always
/// printed.
public struct JobCounts: Sendable, Equatable, Codable {
    /// The states counted, in pipeline order.
    public private(set) var states: [JobStatus]
    private var counts: [JobStatus: Int] = [:]

    /// Every state of `states` at zero.
    public init(_ states: [JobStatus] = JobStatus.latest) {
        self.states = states
    }

    public init(mode: IngestMode) {
        self.init(JobStatus.all(mode))
    }

    public subscript(_ state: JobStatus) -> Int {
        get { counts[state] ?? 0 }
        set {
            if !states.contains(state) { states.append(state) }
            counts[state] = newValue
        }
    }

    /// Every counted job.
    public var total: Int { states.reduce(0) { $0 + self[$1] } }

    /// `(state, count)` in pipeline order.
    public var all: [(state: JobStatus, count: Int)] { states.map { ($0, self[$0]) } }

    /// The same states counted, with the same counts (in whatever order they were first counted).
    public static func == (lhs: JobCounts, rhs: JobCounts) -> Bool {
        Set(lhs.states) == Set(rhs.states) && lhs.states.allSatisfy { lhs[$0] == rhs[$0] }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for state in states { try container.encode(self[state], forKey: Key(stringValue: state.rawValue)) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        states = []
        for state in JobStatus.allCases where container.contains(Key(stringValue: state.rawValue)) {
            self[state] = try container.decode(Int.self, forKey: Key(stringValue: state.rawValue))
        }
    }
}
