import Foundation
import ParticipantAPI

/// What a sandbox ended up with: every participant's record and update count, and what it answered.
/// Written to `--state-out` so a test can prove the final records and that nothing was applied twice.
public struct SandboxState: Sendable {
    /// The platform code the records name.
    public var platformCode: String
    /// Every known participant (the roster's, plus any created by an update), by code.
    public var participants: [ParticipantRecord]
    /// Requests answered, by HTTP status.
    public var requestsByStatus: [Int: Int]
    /// Connections closed without an answer by the reset fault.
    public var connectionResets: Int
    /// Requests answered from the idempotency memory without applying anything.
    public var idempotentReplays: Int
    /// PATCH requests received, counted as they arrived: answered, refused, reset, or still being handled.
    public var patchesReceived: Int = 0
    /// Requests being handled right now (received, not yet answered).
    public var requestsInProgress: Int = 0
    /// The contract the sandbox speaks.
    public var contract: Contract = .ndax
    /// First-time 200 answers whose echo drifted (`echoDriftRate`).
    public var echoDrifts: Int = 0

    /// The participant with this code, if known.
    public func participant(_ code: String) -> ParticipantRecord? {
        participants.first { $0.participantCode == code }
    }

    /// Requests answered 429.
    public var rateLimited: Int { requestsByStatus[429] ?? 0 }

    /// Requests answered, any status.
    public var requestsAnswered: Int { requestsByStatus.values.reduce(0, +) }

    /// Updates applied across all participants.
    public var updatesApplied: Int { participants.reduce(0) { $0 + $1.updatesApplied } }

    /// The state as JSON:
    /// `{"platform_code", "requests": {"by_status": {"200": n...}, "connection_resets", "idempotent_replays"},
    ///   "participants": [{"participant_code", "customer", "updates_applied", "record": {...}}]}`.
    /// Under `zerohash` a `"contract": "zerohash"` member follows `platform_code`, and `requests` has `echo_drifts`
    /// when any answer drifted; under `ndax` the file is as it has always been.
    public func json() -> JSONValue {
        let statuses = requestsByStatus.keys.sorted().map { (key: String($0), value: JSONValue.number(String(requestsByStatus[$0]!))) }
        let people = participants.map { p -> JSONValue in
            .object([
                (WireKey.participantCode, .string(p.participantCode)),
                ("customer", .bool(p.isCustomer)),
                ("updates_applied", .number(String(p.updatesApplied))),
                ("history", .array(p.history.map { $0.json(contract: p.contract) })),
                ("record", p.record(platformCode: platformCode)),
            ])
        }
        var requests: [(key: String, value: JSONValue)] = [
            ("answered", .number(String(requestsAnswered))),
            ("patches_received", .number(String(patchesReceived))),
            ("by_status", .object(statuses)),
            ("rate_limited", .number(String(rateLimited))),
            ("connection_resets", .number(String(connectionResets))),
            ("idempotent_replays", .number(String(idempotentReplays))),
        ]
        if echoDrifts > 0 { requests.append(("echo_drifts", .number(String(echoDrifts)))) }
        var members: [(key: String, value: JSONValue)] = [("platform_code", .string(platformCode))]
        if contract != .ndax { members.append(("contract", .string(contract.rawValue))) }
        members += [
            ("requests", .object(requests)),
            ("updates_applied", .number(String(updatesApplied))),
            ("participants", .array(people)),
        ]
        return .object(members)
    }

    /// Writes `json()` to `path` atomically, with a trailing newline.
    public func write(to path: String) throws {
        var bytes: [UInt8] = []
        JSONWriter.write(json(), into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
