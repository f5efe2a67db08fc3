import ParticipantAPI

/// A participant as the sandbox holds it: the full record the API answers with, and how many updates were applied.
public struct ParticipantRecord: Sendable {
    /// The code from the path, as sent.
    public let participantCode: String
    /// False when the endpoint may not update this participant (roster `"customer": false`).
    public let isCustomer: Bool
    /// The updatable fields; a field never set is absent (shown as `""` in the record).
    public internal(set) var fields: [Field: String]
    /// Record members the endpoint does not update (from the roster), in file order.
    public let otherMembers: [(key: String, value: JSONValue)]
    /// `platform_updated_at` of the last applied update (JSON number text), or from the roster; nil if neither.
    public internal(set) var platformUpdatedAt: String?
    /// How many updates were applied; idempotent replays do not count.
    public internal(set) var updatesApplied: Int
    /// Every applied update in the order applied: its `platform_updated_at` and the fields it set.
    public internal(set) var history: [AppliedUpdate] = []

    init(entry: RosterEntry) {
        participantCode = entry.participantCode
        isCustomer = entry.isCustomer
        fields = entry.fields
        otherMembers = entry.otherMembers
        platformUpdatedAt = entry.platformUpdatedAt
        updatesApplied = 0
    }

    init(newCustomer code: String) {
        self.init(entry: RosterEntry(participantCode: code))
    }

    /// A field's current value; `""` when never set or cleared (`"address_two": ""`).
    public subscript(field: Field) -> String { fields[field] ?? "" }

    /// Applies a validated update: provided fields replace the stored ones (`""` clears), the others stay.
    mutating func apply(_ update: [Field: String], platformUpdatedAt: String) {
        for (field, value) in update { fields[field] = value }
        self.platformUpdatedAt = platformUpdatedAt
        updatesApplied += 1
        history.append(AppliedUpdate(platformUpdatedAt: platformUpdatedAt, fields: update))
    }

    /// True when `platformUpdatedAt` (JSON number text) is older than the last applied or roster instant.
    func isStale(_ platformUpdatedAt: String) -> Bool {
        guard let last = self.platformUpdatedAt, let previous = Double(last), let new = Double(platformUpdatedAt) else { return false }
        return new < previous
    }

    /// The record as the API shows it: every updatable field in the API's order, the other members,
    /// then `platform_code`, `participant_code` and `platform_updated_at`.
    public func record(platformCode: String) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(Field.allCases.count + otherMembers.count + 3)
        for field in Field.allCases { members.append((field.name, .string(fields[field] ?? ""))) }
        members.append(contentsOf: otherMembers)
        members.append(("platform_code", .string(platformCode)))
        members.append((WireKey.participantCode, .string(participantCode)))
        members.append((WireKey.platformUpdatedAt, platformUpdatedAt.map(JSONValue.number) ?? .null))
        return .object(members)
    }
}

/// One update the sandbox applied to a participant: when the platform says it happened, and what it set.
public struct AppliedUpdate: Sendable, Equatable {
    /// JSON number text, as sent.
    public var platformUpdatedAt: String
    /// The fields the update carried (`""` clears).
    public var fields: [Field: String]

    public init(platformUpdatedAt: String, fields: [Field: String]) {
        self.platformUpdatedAt = platformUpdatedAt
        self.fields = fields
    }

    /// `{"platform_updated_at": n, "fields": {name: value...}}`, fields in the API's order.
    var json: JSONValue {
        .object([
            (WireKey.platformUpdatedAt, .number(platformUpdatedAt)),
            ("fields", .object(Field.allCases.compactMap { f in fields[f].map { (f.name, JSONValue.string($0)) } })),
        ])
    }
}
