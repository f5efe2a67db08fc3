import BackfillStore
import ParticipantAPI

/// History mode's counterpart of `Fold`: one participant's accepted rows become a sequence of steps, one per
/// distinct `platform_updated_at`, so the API receives every change in order instead of only the last state. Pure.
///
/// - Rows with the same instant merge in input order, as the fold does.
/// - A step's body carries the segments that step touched, completed with the values the participant had at that
///   instant (the fold of every row up to and including it); `address_two` follows `address_one` as in the fold.
///   Its `platform_updated_at` is the step's instant; its request_id is a UUID (v5) of the participant, the
///   step's number and its payload.
/// - A step whose touched segments are not all valid at its instant (an address whose zip arrives later) merges
///   forward into the next step that completes them, and is sent once, with the later instant. When no later
///   step completes them the participant is held, as `latest` mode would hold it.
/// - The hold rules of `latest` mode all apply: any rejected row, segment failures, no updatable field.
///
/// Applying the steps in order leaves the API with exactly `Fold`'s values for the same rows: a segment's
/// last touch is the last step that carries it, with its final values.
///
/// ```swift
/// let history = HistorySteps(rules: SegmentRules()).build(participantCode: "QX9Z01", rows: rows)
/// for step in history.steps { print(step.platformUpdatedAt, String(decoding: step.body, as: UTF8.self)) }
/// ```
public struct HistorySteps: Sendable {
    /// One PATCH of the sequence.
    public struct Step: Sendable, Equatable {
        /// 1-based position in the participant's sequence.
        public var number: Int
        public var platformUpdatedAt: Int64
        /// The segments the body carries.
        public var segments: [Segment]
        /// The values the body carries (the touched segments' values at the step's instant).
        public var values: FieldValues
        public var requestID: String
        /// Exact body bytes, request_id included.
        public var body: [UInt8]
        /// `file:line` of the rows merged into this step (earlier instants merged forward included).
        public var sources: [String]
        /// The email the participant has at this instant, carried or not (for the email check on the timeline).
        public var email: String?
    }

    public struct Result: Sendable {
        public var participantCode: String
        /// Empty when the participant is held.
        public var steps: [Step]
        public var holdReasons: [Fold.HoldReason]
        /// Under a contract that does not send ID changes: the latest one (see `Fold.Result.idChange`).
        public var idChange: Fold.IDChange? = nil
        public var isHeld: Bool { !holdReasons.isEmpty }
    }

    public let rules: SegmentRules

    public init(rules: SegmentRules) {
        self.rules = rules
    }

    /// Builds the steps of `rows`, which must already be in fold order (platform_updated_at, then input order).
    public func build(participantCode: String, rows: [Fold.Row]) -> Result {
        var holds: [Fold.HoldReason] = []
        for row in rows {
            if let rejection = row.rejection { holds.append(Fold.HoldReason(source: row.source, message: rejection, kind: .rejectedRow)) }
        }
        let accepted = rows.filter { $0.rejection == nil }
        let contract = rules.contract
        var values = FieldValues()
        var steps: [Step] = []
        // Touched since the last step was emitted (carried forward while not valid), and the rows behind them.
        var pending: Set<Segment> = []
        var pendingSources: [String] = []
        var anyTouched = false
        var idTouched = false
        var idErrors: [SegmentError] = []
        var index = 0
        while index < accepted.count {
            let instant = accepted[index].platformUpdatedAt
            // One instant: every row with this platform_updated_at, in input order.
            while index < accepted.count, accepted[index].platformUpdatedAt == instant {
                let row = accepted[index]
                var touched = false
                for field in contract.fields {
                    guard let v = row.values[field.order] else { continue }
                    values[field] = v
                    // An ID change the contract does not send is listed apart (`Fold.Result.idChange`).
                    if field.segment == .id && !contract.sendsIDChanges { idTouched = true; continue }
                    pending.insert(field.segment)
                    touched = true
                }
                if row.values[Field.addressOne.order] != nil, row.values[Field.addressTwo.order] == nil {
                    values[.addressTwo] = ""
                }
                if touched { pendingSources.append(row.source) }
                index += 1
            }
            guard !pending.isEmpty, let instant else { continue }
            anyTouched = true
            var carried = Self.restricted(values, to: pending)
            if contract == .zerohash { Fold.resolveJurisdiction(&carried) }
            guard rules.validate(carried).isEmpty else { continue }
            let segments = Segment.allCases.filter(pending.contains)
            let payload = PatchBody(values: carried, platformUpdatedAt: instant).bytes(contract: contract)
            let number = steps.count + 1
            let id = Self.requestID(participantCode: participantCode, step: number, payload: payload)
            steps.append(Step(number: number, platformUpdatedAt: instant, segments: segments, values: carried,
                              requestID: id, body: contract.requestIDInBody ? PatchBody.inserting(requestID: id, into: payload) : payload,
                              sources: pendingSources, email: values[.email]))
            pending = []
            pendingSources = []
        }
        if !accepted.isEmpty {
            // An ID change that is not sent is still checked as the API would check it; what it lacks goes with it
            // to the document list and holds nothing.
            idErrors = idTouched ? rules.validate(Self.restricted(values, to: [.id])) : []
            if !anyTouched && !idTouched {
                holds.append(Fold.HoldReason(source: Self.joined(accepted.map(\.source)), message: APIMessage.noDataSegment, kind: .noDataSegment))
            } else if !pending.isEmpty {
                var carried = Self.restricted(values, to: pending)
                if contract == .zerohash { Fold.resolveJurisdiction(&carried) }
                let errors = rules.validate(carried)
                holds.append(Fold.HoldReason(source: Self.joined(pendingSources), message: APIMessage.segmentValidationFailed(errors), kind: .segment))
            }
        }
        var result = Result(participantCode: participantCode, steps: holds.isEmpty ? steps : [], holdReasons: holds)
        if idTouched {
            var change: Fold.IDChange?
            for row in accepted where row.values[Field.idNumberType.order] != nil || row.values[Field.idNumber.order] != nil {
                guard let t = row.platformUpdatedAt else { continue }
                change = Fold.IDChange(idNumberType: row.values[Field.idNumberType.order] ?? change?.idNumberType,
                                       platformUpdatedAt: t, sources: (change?.sources ?? []) + [row.source])
            }
            if !idErrors.isEmpty { change?.problem = APIMessage.segmentValidationFailed(idErrors) }
            result.idChange = change
        }
        return result
    }

    /// `values` with only the fields of `segments`; `address_two` is `""` (no second line) when the address is
    /// carried and none was ever given.
    static func restricted(_ values: FieldValues, to segments: Set<Segment>) -> FieldValues {
        var out = FieldValues()
        for field in Field.allCases where segments.contains(field.segment) {
            if let v = values[field] { out[field] = v }
        }
        if segments.contains(.address), out[.addressTwo] == nil { out[.addressTwo] = "" }
        return out
    }

    private static func joined(_ list: [String]) -> String {
        var seen: Set<String> = []
        return list.filter { seen.insert($0).inserted }.joined(separator: ";")
    }

    /// A UUID (v5) of the participant, the step's number and its payload (request_id excluded): the same
    /// history gives the same ids in every fresh database.
    public static func requestID(participantCode: String, step: Int, payload: [UInt8]) -> String {
        Fold.requestID(participantCode: "\(participantCode)\nstep \(step)", payload: payload)
    }
}
