import ParticipantAPI

/// A PATCH body, read once: its request id, the payload that idempotency compares, and the body rules' verdict.
///
/// Everything here is pure and runs outside the lock. The checks still happen in the API's order:
/// the ledger screens platform, roster and idempotency first (an idempotent replay never pays for the segment
/// rules), then `judge(with:)` gives the body rules' verdict, then the ledger checks email uniqueness and applies.
///
/// Per contract:
/// - `ndax` (the seed): the request id is the body's `request_id`; the keys are the seed's fields; one message per
///   answer, in the seed's wording.
/// - `zerohash`: the request id is the `X-REQUEST-ID` header; the keys are those of the Standard User Details Patch
///   variant (`zip` for USA and `postal_code` elsewhere are both the `.zip` field); every broken rule gets its own
///   message, naming the body key (`body/state is not allowed`).
struct PatchSubmission: Sendable {
    /// What the body rules conclude.
    enum Verdict: Sendable, Equatable {
        /// The update to apply: the provided fields (`address_two` may be `""`) and the timestamp's number text.
        /// Before `judge(with:)`, only the body's shape has been checked.
        case valid(fields: [Field: String], platformUpdatedAt: String)
        /// 400 with these messages (one under `ndax`; one per broken rule under `zerohash`).
        case invalid([String])
    }

    /// The contract the body was read under.
    let contract: Contract
    /// The body exactly as received.
    let body: [UInt8]
    /// The request id: the body's request_id (`ndax`) or the `X-REQUEST-ID` header (`zerohash`), when usable.
    let requestID: String?
    /// The payload without request_id, members sorted by key, as compact JSON: what "same payload" compares.
    /// Nil when the body is not an object or its request id is unusable (no idempotency rule applies then).
    let payloadKey: [UInt8]?
    /// The verdict on the body's shape (object, keys, timestamp, string values, some data); segments not yet checked.
    let shape: Verdict
    /// `zerohash`: the key the postal code came under (`zip` or `postal_code`), for messages and the USA rule.
    let postalKey: String

    /// The keys a body may carry under the seed's contract.
    static let allowedKeys: Set<String> = Set(Contract.ndax.fields.map(\.name)).union([WireKey.platformUpdatedAt, WireKey.requestID])

    /// The body keys of Zero Hash's Standard User Details Patch variant (`platform_updated_at` aside), as fields.
    static let zerohashKeys: [String: Field] = {
        var keys: [String: Field] = [:]
        for field in Contract.zerohash.bodyOrder { keys[field.name] = field }
        keys[WireKey.postalCode] = .zip
        return keys
    }()

    /// Reads `body` under `contract`; `requestIDHeader` is the `X-REQUEST-ID` header, the idempotency key under
    /// `zerohash` (ignored under `ndax`, whose key is the body's `request_id`).
    init(body: [UInt8], contract: Contract = .ndax, requestIDHeader: String? = nil) {
        switch contract {
        case .ndax: self.init(seedBody: body)
        case .zerohash: self.init(zerohashBody: body, requestIDHeader: requestIDHeader)
        }
    }

    /// The seed's reading: `request_id` in the body, one message per answer.
    private init(seedBody body: [UInt8]) {
        guard let parsed = try? JSONParser.parse(body), case .object(let members) = parsed else {
            self.init(contract: .ndax, body: body, requestID: nil, payloadKey: nil, shape: .invalid([SandboxMessage.bodyNotAnObject]))
            return
        }
        var requestID: String?
        var requestIDUsable = true
        var unknown: [String] = []
        var fields: [Field: String] = [:]
        fields.reserveCapacity(members.count)
        var wrongType: (field: Field, value: JSONValue)?
        var timestamp: JSONValue?
        for (key, value) in members {
            if key == WireKey.requestID {
                if case .string(let s) = value, !s.isEmpty { requestID = s } else { requestIDUsable = false; requestID = nil }
            } else if key == WireKey.platformUpdatedAt {
                timestamp = value
            } else if let field = Field(name: key), Contract.ndax.fields.contains(field) {
                if case .string(let s) = value { fields[field] = s } else if wrongType == nil { wrongType = (field, value) }
            } else if !unknown.contains(key) {
                unknown.append(key)
            }
        }
        let key = requestIDUsable ? Self.payloadKey(members, dropping: WireKey.requestID) : nil
        let message: String
        if !requestIDUsable {
            message = SandboxMessage.requestIDNotAString
        } else if !unknown.isEmpty {
            message = APIMessage.cannotUpdate(unknown)
        } else if timestamp == nil {
            message = SandboxMessage.platformUpdatedAtMissing
        } else if case .number(let n)? = timestamp {
            if let wrongType {
                message = SandboxMessage.fieldNotAString(wrongType.field, got: wrongType.value)
            } else if fields.isEmpty {
                message = APIMessage.noDataSegment
            } else {
                self.init(contract: .ndax, body: body, requestID: requestID, payloadKey: key,
                          shape: .valid(fields: fields, platformUpdatedAt: n))
                return
            }
        } else {
            message = SandboxMessage.platformUpdatedAtNotANumber(got: timestamp!)
        }
        self.init(contract: .ndax, body: body, requestID: requestID, payloadKey: key, shape: .invalid([message]))
    }

    /// Zero Hash's reading: the request id from the header; the Standard variant's keys; every broken rule named.
    private init(zerohashBody body: [UInt8], requestIDHeader: String?) {
        let requestIDUsable = requestIDHeader.map { !$0.isEmpty } ?? true
        let requestID = requestIDUsable ? requestIDHeader : nil
        guard let parsed = try? JSONParser.parse(body), case .object(let members) = parsed else {
            let messages = (requestIDUsable ? [] : [SandboxMessage.requestIDHeaderEmpty]) + [SandboxMessage.bodyNotAnObject]
            self.init(contract: .zerohash, body: body, requestID: requestID, payloadKey: nil, shape: .invalid(messages))
            return
        }
        var errors: [String] = []
        if !requestIDUsable { errors.append(SandboxMessage.requestIDHeaderEmpty) }
        var reported: Set<String> = []
        func report(_ key: String, _ message: String) {
            if reported.insert(key).inserted { errors.append(message) }
        }
        var fields: [Field: String] = [:]
        fields.reserveCapacity(members.count)
        var timestamp: String?
        var postalKeys: Set<String> = []
        for (key, value) in members {
            if key == WireKey.platformUpdatedAt {
                if case .number(let n) = value, let ms = Int64(n), FieldRules.isThirteenDigits(ms) {
                    timestamp = n
                } else {
                    timestamp = nil
                    report(key, SandboxMessage.timestampNotThirteenDigits)
                }
            } else if let field = Self.zerohashKeys[key] {
                guard case .string(let s) = value else {
                    report(key, SandboxMessage.keyNotAString(key))
                    continue
                }
                fields[field] = s
                if field == .zip { postalKeys.insert(key) }
            } else {
                report(key, SandboxMessage.keyNotAllowed(key))
            }
        }
        if postalKeys.count > 1 { errors.append(SandboxMessage.zipWithPostalCode) }
        if !reported.contains(WireKey.platformUpdatedAt), timestamp == nil {
            errors.append(SandboxMessage.keyRequired(WireKey.platformUpdatedAt))
        }
        if errors.isEmpty, fields.isEmpty { errors.append(APIMessage.noDataSegment) }
        let shape: Verdict = errors.isEmpty ? .valid(fields: fields, platformUpdatedAt: timestamp!) : .invalid(errors)
        self.init(
            contract: .zerohash, body: body, requestID: requestID,
            payloadKey: requestIDUsable ? Self.payloadKey(members, dropping: nil) : nil,
            shape: shape, postalKey: postalKeys.first ?? Field.zip.name
        )
    }

    private init(
        contract: Contract, body: [UInt8], requestID: String?, payloadKey: [UInt8]?, shape: Verdict,
        postalKey: String = Field.zip.name
    ) {
        self.contract = contract
        self.body = body
        self.requestID = requestID
        self.payloadKey = payloadKey
        self.shape = shape
        self.postalKey = postalKey
    }

    /// The body rules' verdict, segment rules included (email uniqueness aside: it needs the other participants).
    func judge(with rules: SegmentRules) -> Verdict {
        guard case .valid(var fields, _) = shape else { return shape }
        switch contract {
        case .ndax:
            let errors = rules.validate(fields)
            return errors.isEmpty ? shape : .invalid([APIMessage.segmentValidationFailed(errors)])
        case .zerohash:
            // `zip` is required when the country is USA: a `postal_code` does not stand in for it.
            let usa = ISO3166.unitedStates.alpha3
            if fields[.country] == usa, postalKey == WireKey.postalCode { fields[.zip] = nil }
            let errors = rules.validate(fields)
            if errors.isEmpty { return shape }
            return .invalid(errors.map { error in
                let key = error.field == .zip && fields[.zip] != nil ? postalKey : error.field.name
                return SandboxMessage.zerohash(error, key: key)
            })
        }
    }

    /// Compact JSON of the members other than `dropping`, sorted by key so member order does not matter.
    private static func payloadKey(_ members: [(key: String, value: JSONValue)], dropping: String?) -> [UInt8] {
        var rest = dropping.map { key in members.filter { $0.key != key } } ?? members
        // Insertion sort: bodies have a dozen members, and it keeps repeated keys in order.
        if rest.count > 1 {
            for i in 1..<rest.count {
                var j = i
                while j > 0, rest[j - 1].key.utf8.lexicographicallyPrecedes(rest[j].key.utf8) == false,
                      rest[j - 1].key != rest[j].key {
                    rest.swapAt(j - 1, j)
                    j -= 1
                }
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JSONWriter.write(.object(rest), into: &out)
        return out
    }
}
