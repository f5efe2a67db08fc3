import ParticipantAPI

/// A PATCH body, read once: its request_id, the payload that idempotency compares, and the body rules' verdict.
///
/// Everything here is pure and runs outside the lock. The checks still happen in the API's order:
/// the ledger screens platform, roster and idempotency first (an idempotent replay never pays for the segment
/// rules), then `judge(with:)` gives the body rules' verdict, then the ledger checks email uniqueness and applies.
struct PatchSubmission: Sendable {
    /// What the body rules conclude.
    enum Verdict: Sendable, Equatable {
        /// The update to apply: the provided fields (`address_two` may be `""`) and the timestamp's number text.
        /// Before `judge(with:)`, only the body's shape has been checked.
        case valid(fields: [Field: String], platformUpdatedAt: String)
        /// 400 with this message.
        case invalid(String)
    }

    /// The body exactly as received.
    let body: [UInt8]
    /// The body's request_id, when it is a string.
    let requestID: String?
    /// The payload without request_id, members sorted by key, as compact JSON: what "same payload" compares.
    /// Nil when the body is not an object or its request_id is unusable (no idempotency rule applies then).
    let payloadKey: [UInt8]?
    /// The verdict on the body's shape (object, keys, timestamp, string values, some data); segments not yet checked.
    let shape: Verdict

    /// The keys a body may carry.
    static let allowedKeys: Set<String> = Set(Field.allCases.map(\.name)).union([WireKey.platformUpdatedAt, WireKey.requestID])

    /// Reads `body` and checks its shape.
    init(body: [UInt8]) {
        guard let parsed = try? JSONParser.parse(body), case .object(let members) = parsed else {
            self.init(body: body, requestID: nil, payloadKey: nil, shape: .invalid(SandboxMessage.bodyNotAnObject))
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
            } else if let field = Field(name: key) {
                if case .string(let s) = value { fields[field] = s } else if wrongType == nil { wrongType = (field, value) }
            } else if !unknown.contains(key) {
                unknown.append(key)
            }
        }
        let key = requestIDUsable ? Self.payloadKey(members) : nil
        let verdict: Verdict
        if !requestIDUsable {
            verdict = .invalid(SandboxMessage.requestIDNotAString)
        } else if !unknown.isEmpty {
            verdict = .invalid(APIMessage.cannotUpdate(unknown))
        } else if timestamp == nil {
            verdict = .invalid(SandboxMessage.platformUpdatedAtMissing)
        } else if case .number(let n)? = timestamp {
            if let wrongType {
                verdict = .invalid(SandboxMessage.fieldNotAString(wrongType.field, got: wrongType.value))
            } else if fields.isEmpty {
                verdict = .invalid(APIMessage.noDataSegment)
            } else {
                verdict = .valid(fields: fields, platformUpdatedAt: n)
            }
        } else {
            verdict = .invalid(SandboxMessage.platformUpdatedAtNotANumber(got: timestamp!))
        }
        self.init(body: body, requestID: requestID, payloadKey: key, shape: verdict)
    }

    private init(body: [UInt8], requestID: String?, payloadKey: [UInt8]?, shape: Verdict) {
        self.body = body
        self.requestID = requestID
        self.payloadKey = payloadKey
        self.shape = shape
    }

    /// The body rules' verdict, segment rules included (email uniqueness aside: it needs the other participants).
    func judge(with rules: SegmentRules) -> Verdict {
        guard case .valid(let fields, _) = shape else { return shape }
        let errors = rules.validate(fields)
        return errors.isEmpty ? shape : .invalid(APIMessage.segmentValidationFailed(errors))
    }

    /// Compact JSON of the members other than request_id, sorted by key so member order does not matter.
    private static func payloadKey(_ members: [(key: String, value: JSONValue)]) -> [UInt8] {
        var rest = members.filter { $0.key != WireKey.requestID }
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
