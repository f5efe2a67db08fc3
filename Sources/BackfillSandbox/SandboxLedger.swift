import NIOCore
import ParticipantAPI

/// Everything the sandbox remembers between requests: participants, the idempotency memory, the rate-limit window,
/// the fault generator and the answer counters. A plain value, mutated only under `SharedLedger`'s lock.
struct SandboxLedger: Sendable {
    /// The answer to an authenticated PATCH that no fault intercepted.
    enum PatchOutcome: Sendable {
        /// 200 with this body; `replayed` when it came from the idempotency memory.
        case ok(ByteBuffer, replayed: Bool)
        /// 400 `{"errors": messages}`.
        case badRequest([String])
        /// 403 `{"error": true, "message": message}`.
        case forbidden(String)
        /// 404 `{"error": "Not Found"}`: under `zerohash`, a participant the platform does not have.
        case notFound
    }

    /// An applied request, remembered under its request id.
    private struct AppliedRequest: Sendable {
        let participantCode: String
        let payloadKey: [UInt8]
        let response: ByteBuffer
    }

    /// A participant, a body byte for byte and, under `zerohash`, the `X-REQUEST-ID` header (nil under `ndax`, whose
    /// request_id is in the body): the fast way to recognise a resent request.
    private struct ExactRequest: Hashable, Sendable {
        let participantCode: String
        let requestID: String?
        let body: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(participantCode)
            hasher.combine(requestID)
            hasher.combineBytes(of: body)
        }
    }

    /// A participant and a payload (without request_id): what "the same payload" means.
    private struct PayloadKey: Hashable, Sendable {
        let participantCode: String
        let payload: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(participantCode)
            hasher.combineBytes(of: payload)
        }
    }

    let platformCode: String
    let contract: Contract
    let approved: Bool
    let hasRoster: Bool
    private var participants: [String: ParticipantRecord] = [:]
    /// Lower-cased email, by its bytes -> the participant holding it. Bytes, as a database's unique index on the
    /// lower-cased column compares them: an NFD spelling of an address is another address here (the client
    /// always sends NFC).
    private var emailOwners: [EmailKey: String] = [:]
    private var appliedByRequestID: [String: AppliedRequest] = [:]
    /// Applied requests that carried a request_id, by participant and exact body: see `replay(participantCode:body:)`.
    private var appliedByExactBody: [ExactRequest: ByteBuffer] = [:]
    /// Applied payloads -> the request_id they came with (nil when none).
    private var appliedPayloads: [PayloadKey: String?] = [:]
    var rateLimiter: RateLimiter?
    let rejectStaleUpdates: Bool
    var faults: FaultInjector
    /// Share of first-time 200 answers whose echo drifts, and the draws that decide (apart from the faults' draws,
    /// so that a seed replays the same faults with or without drift).
    let echoDriftRate: Double
    private var driftDraws: SplitMix64
    private(set) var echoDrifts = 0
    private(set) var requestsByStatus: [Int: Int] = [:]
    private(set) var connectionResets = 0
    private(set) var idempotentReplays = 0
    private(set) var patchesReceived = 0
    private(set) var requestsInProgress = 0

    init(configuration: SandboxConfiguration, seed: UInt64) {
        platformCode = configuration.platformCode
        contract = configuration.contract
        rejectStaleUpdates = configuration.rejectStaleUpdates
        approved = configuration.approved
        hasRoster = configuration.roster != nil
        for entry in configuration.roster ?? [] {
            let record = ParticipantRecord(entry: entry, contract: configuration.contract)
            participants[entry.participantCode] = record
            if let email = entry.fields[.email], !email.isEmpty { emailOwners[EmailKey(email)] = entry.participantCode }
        }
        rateLimiter = configuration.rateLimit.map { RateLimiter(limit: $0, lockout: configuration.lockout) }
        faults = FaultInjector(
            failRate: configuration.failRate, slowRate: configuration.slowRate,
            resetRate: configuration.resetRate, seed: seed
        )
        echoDriftRate = configuration.echoDriftRate
        driftDraws = SplitMix64(seed: seed ^ Self.driftSeedSalt)
    }

    /// Mixed into the seed for the drift draws ("echodrif").
    private static let driftSeedSalt: UInt64 = 0x6563_686F_6472_6966

    // MARK: Counters

    mutating func count(status: Int) { requestsByStatus[status, default: 0] += 1 }
    mutating func countReset() { connectionResets += 1 }
    /// A request arrived (counted before any delay, check or answer).
    mutating func arrived(isPatch: Bool) {
        requestsInProgress += 1
        if isPatch { patchesReceived += 1 }
    }
    /// A request was answered, refused or reset.
    mutating func left() { requestsInProgress -= 1 }

    // MARK: The PATCH rules, in the API's order

    /// The stored answer when `body` is byte for byte a request already applied for this participant with a
    /// request id (the body's under `ndax`; `requestID`, the header, under `zerohash`), counted as a 200 replay; nil
    /// otherwise. This only short-cuts `screen`: the same bytes (and header) carry the same request id and payload,
    /// and the platform and roster checks it skips cannot have changed since the request passed them. It spares a
    /// resent request the parsing, which the idempotent-replay benchmark measures.
    mutating func replay(participantCode code: String, body: [UInt8], requestID: String? = nil) -> ByteBuffer? {
        guard let response = appliedByExactBody[ExactRequest(participantCode: code, requestID: requestID, body: body)]
        else { return nil }
        idempotentReplays += 1
        count(status: 200)
        return response
    }

    /// The checks before the body rules: platform approval, roster, idempotency.
    /// Returns the answer when one of them decides (a replay included), nil when the body rules must.
    /// A participant the platform does not have is 403 "not a customer of" under `ndax` (the seed's message) and
    /// 404 `Not Found` under `zerohash` (its published answer for a resource absent or not visible to the caller).
    mutating func screen(participantCode code: String, submission: PatchSubmission) -> PatchOutcome? {
        guard approved else { return .forbidden(APIMessage.platformNotAllowed(platformCode)) }
        if hasRoster {
            guard let known = participants[code] else { return unknownParticipant(code) }
            guard known.isCustomer else { return .badRequest([APIMessage.notACustomer(code)]) }
        } else if !Self.isWellFormedCode(code) {
            return unknownParticipant(code)
        }
        guard let payloadKey = submission.payloadKey else { return nil }
        if let requestID = submission.requestID, let prior = appliedByRequestID[requestID] {
            guard prior.participantCode == code, prior.payloadKey == payloadKey else {
                return .badRequest([SandboxMessage.requestIDReused(requestID)])
            }
            idempotentReplays += 1
            return .ok(prior.response, replayed: true)
        }
        if appliedPayloads[PayloadKey(participantCode: code, payload: payloadKey)] != nil {
            // Remembered under another request_id (or under none): the same request_id was handled above.
            return .badRequest([SandboxMessage.duplicatePayload])
        }
        return nil
    }

    private func unknownParticipant(_ code: String) -> PatchOutcome {
        switch contract {
        case .ndax: .forbidden(APIMessage.notACustomerOf(code, platform: platformCode))
        case .zerohash: .notFound
        }
    }

    /// Applies an update the body rules accepted, unless the screen (run again: another request may have been
    /// applied since) or email uniqueness refuses it. Nothing changes unless the answer is a first-time 200.
    mutating func apply(
        participantCode code: String, submission: PatchSubmission, fields: [Field: String], platformUpdatedAt: String
    ) -> PatchOutcome {
        if let decided = screen(participantCode: code, submission: submission) { return decided }
        let newEmail = fields[.email].flatMap { $0.isEmpty ? nil : EmailKey($0) }
        if let newEmail, let owner = emailOwners[newEmail], owner != code {
            return .badRequest([SandboxMessage.emailInUse])
        }

        var record = participants[code] ?? ParticipantRecord(newCustomer: code, contract: contract)
        if rejectStaleUpdates, record.isStale(platformUpdatedAt) {
            return .badRequest([SandboxMessage.staleUpdate])
        }
        if let newEmail {
            if let old = record.fields[.email].map(EmailKey.init), emailOwners[old] == code { emailOwners[old] = nil }
            emailOwners[newEmail] = code
        }
        record.apply(fields, platformUpdatedAt: platformUpdatedAt)
        participants[code] = record
        let response = successBody(record: record, update: fields)
        if let payloadKey = submission.payloadKey {
            appliedPayloads[PayloadKey(participantCode: code, payload: payloadKey)] = .some(submission.requestID)
            if let requestID = submission.requestID {
                appliedByRequestID[requestID] = AppliedRequest(participantCode: code, payloadKey: payloadKey, response: response)
                // Under `zerohash` the request id is the header, so it is part of what "the same request" is.
                let headerID = contract == .zerohash ? requestID : nil
                appliedByExactBody[ExactRequest(participantCode: code, requestID: headerID, body: submission.body)] = response
            }
        }
        return .ok(response, replayed: false)
    }

    /// `RunningSandbox.changeEmail(of:to:)`.
    mutating func changeEmail(of code: String, to email: String) -> Bool {
        guard var record = participants[code] else { return false }
        let key = EmailKey(email)
        if let owner = emailOwners[key], owner != code { return false }
        if let old = record.fields[.email].map(EmailKey.init), emailOwners[old] == code { emailOwners[old] = nil }
        emailOwners[key] = code
        record.fields[.email] = email
        participants[code] = record
        return true
    }

    /// Counts the answer an outcome gives.
    mutating func count(_ outcome: PatchOutcome) {
        switch outcome {
        case .ok: count(status: 200)
        case .badRequest: count(status: 400)
        case .forbidden: count(status: 403)
        case .notFound: count(status: 404)
        }
    }

    /// Without a roster, a customer is any code of 6 upper-case letters or digits.
    static func isWellFormedCode(_ code: String) -> Bool {
        var n = 0
        for c in code.utf8 {
            guard (c >= 65 && c <= 90) || (c >= 48 && c <= 57) else { return false }
            n += 1
        }
        return n == 6
    }

    /// `{"message": ...}` for a first-time 200: the record (`ndax`) or the echo (`zerohash`), drifted when the
    /// drift draw says so. The answer is remembered as sent, so a replay shows the same drift.
    private mutating func successBody(record: ParticipantRecord, update: [Field: String]) -> ByteBuffer {
        var message = record.answer(platformCode: platformCode)
        if echoDriftRate > 0, driftDraws.nextUnit() < echoDriftRate {
            message = drifted(message, update: update)
        }
        var out: [UInt8] = []
        out.reserveCapacity(512)
        JSONWriter.write(.object([("message", message)]), into: &out)
        return ByteBuffer(bytes: out)
    }

    /// The answer with one echoed field showing another value: the first echoed field the update set (the record's
    /// first name when it set none of them). An email keeps the shape of an address (`drift.` before it); any other
    /// value gets `-drift` after it (an empty one becomes `drift`).
    private mutating func drifted(_ message: JSONValue, update: [Field: String]) -> JSONValue {
        guard case .object(var members) = message else { return message }
        let echoed = contract == .zerohash ? ParticipantRecord.echoedFields : contract.bodyOrder
        let field = echoed.first { update[$0] != nil } ?? .firstName
        guard let i = members.firstIndex(where: { $0.key == field.name }), case .string(let value) = members[i].value else {
            return message
        }
        members[i].value = .string(Self.drift(value, field: field))
        echoDrifts += 1
        return .object(members)
    }

    /// Another value for `value`, still of its kind where that matters (an email stays an address).
    static func drift(_ value: String, field: Field) -> String {
        if field == .email, !value.isEmpty { return "drift." + value }
        return value.isEmpty ? "drift" : value + "-drift"
    }

    // MARK: Snapshot

    func snapshot() -> SandboxState {
        SandboxState(
            platformCode: platformCode,
            participants: participants.values.sorted { $0.participantCode < $1.participantCode },
            requestsByStatus: requestsByStatus,
            connectionResets: connectionResets,
            idempotentReplays: idempotentReplays,
            patchesReceived: patchesReceived,
            requestsInProgress: requestsInProgress,
            contract: contract,
            echoDrifts: echoDrifts
        )
    }
}

/// An email as the sandbox compares it: lower-cased, then by its UTF-8 bytes.
private struct EmailKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ email: String) {
        bytes = Array(email.lowercased().utf8)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combineBytes(of: bytes)
    }
}

extension Hasher {
    /// Feeds a byte array in one call: `[UInt8]`'s own `hash(into:)` feeds it a byte at a time,
    /// which dominated lookups keyed by request bodies.
    fileprivate mutating func combineBytes(of bytes: [UInt8]) {
        combine(bytes.count)
        bytes.withUnsafeBytes { combine(bytes: $0) }
    }
}
