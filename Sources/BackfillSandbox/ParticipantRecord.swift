import ParticipantAPI

/// A participant as the sandbox holds it: the full record the API answers with, and how many updates were applied.
public struct ParticipantRecord: Sendable {
    /// The code from the path, as sent.
    public let participantCode: String
    /// The contract the sandbox speaks: which fields the record shows, in which order.
    public let contract: Contract
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

    init(entry: RosterEntry, contract: Contract = .ndax) {
        participantCode = entry.participantCode
        self.contract = contract
        isCustomer = entry.isCustomer
        fields = entry.fields
        otherMembers = entry.otherMembers
        platformUpdatedAt = entry.platformUpdatedAt
        updatesApplied = 0
    }

    init(newCustomer code: String, contract: Contract = .ndax) {
        self.init(entry: RosterEntry(participantCode: code), contract: contract)
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

    /// The record as the seed's API shows it: every updatable field in the contract's body order (under `zerohash`
    /// the postal code is `zip` whatever the country), the other members, then `platform_code`, `participant_code`
    /// and `platform_updated_at`. The `zerohash` answer is `echo(platformCode:)`; this is the state file's record.
    public func record(platformCode: String) -> JSONValue {
        let order = contract.bodyOrder
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(order.count + otherMembers.count + 3)
        for field in order { members.append((field.name, .string(fields[field] ?? ""))) }
        members.append(contentsOf: otherMembers)
        members.append(("platform_code", .string(platformCode)))
        members.append((WireKey.participantCode, .string(participantCode)))
        members.append((WireKey.platformUpdatedAt, platformUpdatedAt.map(JSONValue.number) ?? .null))
        return .object(members)
    }

    /// The fields Zero Hash's 200 echoes, in its order, before `signed_timestamp`.
    public static let echoedFields: [Field] = [.firstName, .lastName, .country, .jurisdictionCode, .email]

    /// `signed_timestamp` when the roster gives none: the published example's.
    public static let defaultSignedTimestamp = "1603378501286"

    /// Zero Hash's 200 `message` (its fixed subset, whatever was sent): `first_name`, `last_name`, `country`,
    /// `jurisdiction_code`, `email` (`""` when never set), `signed_timestamp` and `signed_agreements` (the roster's
    /// when it has them; otherwise the published example's timestamp and one `user_agreement` for region `us`
    /// when the country is USA, `worldwide` otherwise), `platform_code`, `participant_code`.
    public func echo(platformCode: String) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(Self.echoedFields.count + 4)
        for field in Self.echoedFields { members.append((field.name, .string(fields[field] ?? ""))) }
        var signed = JSONValue.number(Self.defaultSignedTimestamp)
        if let given = other("signed_timestamp"), case .number = given { signed = given }
        members.append(("signed_timestamp", signed))
        var agreements = JSONValue.array([.object([
            ("type", .string("user_agreement")),
            ("region", .string(fields[.country] == ISO3166.unitedStates.alpha3 ? "us" : "worldwide")),
            ("signed_timestamp", signed),
        ])])
        if let given = other("signed_agreements"), case .array = given { agreements = given }
        members.append(("signed_agreements", agreements))
        members.append(("platform_code", .string(platformCode)))
        members.append((WireKey.participantCode, .string(participantCode)))
        return .object(members)
    }

    /// The 200 answer's `message` under the record's contract: the whole record (`ndax`) or the echo (`zerohash`).
    func answer(platformCode: String) -> JSONValue {
        switch contract {
        case .ndax: record(platformCode: platformCode)
        case .zerohash: echo(platformCode: platformCode)
        }
    }

    /// The roster's member named `key` (the last one, if repeated).
    private func other(_ key: String) -> JSONValue? {
        otherMembers.last { $0.key == key }?.value
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

    /// `{"platform_updated_at": n, "fields": {name: value...}}`, fields in `contract`'s body order.
    func json(contract: Contract) -> JSONValue {
        .object([
            (WireKey.platformUpdatedAt, .number(platformUpdatedAt)),
            ("fields", .object(contract.bodyOrder.compactMap { f in fields[f].map { (f.name, JSONValue.string($0)) } })),
        ])
    }
}
