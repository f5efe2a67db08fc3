import BackfillStore
import Crypto
import Foundation
import ParticipantAPI

/// Folds one participant's history into the single PATCH that brings the API up to date. Pure.
///
/// Rows are taken in fold order (platform_updated_at, then input order). Each field takes its latest
/// provided value, except that `address_two` belongs to `address_one`: a row that provides `address_one`
/// also sets `address_two` (blank = no second line). The body carries every field of every segment any row
/// touched, one `platform_updated_at` (the newest folded in) and a `request_id` derived from the participant
/// and the payload, so the same history always gives the same bytes and the same id.
///
/// A participant is held (nothing is sent) when any of its rows was rejected, when a touched segment fails
/// the API's segment rules, or when no row provides any updatable field.
public struct Fold: Sendable {
    /// One row as the fold sees it.
    public struct Row: Sendable {
        /// The file the row came from (`file:line` is rendered only when a hold needs it).
        public var file: String
        public var line: Int64?
        public var platformUpdatedAt: Int64?
        /// Normalized values by `Field.order`; nil = not provided.
        public var values: [String?]
        /// The rejection message when the row was rejected.
        public var rejection: String?

        public init(file: String, line: Int64, platformUpdatedAt: Int64?, values: [String?], rejection: String? = nil) {
            self.file = file
            self.line = line
            self.platformUpdatedAt = platformUpdatedAt
            self.values = values
            self.rejection = rejection
        }

        /// A row whose source label is given whole (`file:line`).
        public init(source: String, platformUpdatedAt: Int64?, values: [String?], rejection: String? = nil) {
            self.file = source
            self.line = nil
            self.platformUpdatedAt = platformUpdatedAt
            self.values = values
            self.rejection = rejection
        }

        /// `file:line`.
        public var source: String { line.map { "\(file):\($0)" } ?? file }
    }

    /// Why a participant is held (stored in `job.hold_reasons`; defined by the store).
    public typealias HoldReason = BackfillStore.HoldReason

    /// The fold of one participant.
    public struct Result: Sendable {
        public var participantCode: String
        /// Folded values of the touched segments (`address_two` is `""` for "no second line").
        public var values: FieldValues
        /// The same, as a dictionary.
        public var fields: [Field: String] { values.dictionary }
        /// Newest timestamp folded in; nil when no row was accepted.
        public var platformUpdatedAt: Int64?
        public var holdReasons: [HoldReason]
        /// Exact body bytes and the request_id inside them; nil when no row was accepted.
        public var body: [UInt8]?
        public var requestID: String?
        public var rowCount: Int
        /// Under a contract that does not send ID changes (`zerohash`): the participant's latest ID change, which
        /// needs a supporting document (`POST /participants/documents`) instead of a PATCH.
        public var idChange: IDChange?

        public var isHeld: Bool { !holdReasons.isEmpty }
    }

    /// An ID change that is not sent: what it sets and which rows it comes from.
    public struct IDChange: Sendable, Equatable {
        public var idNumberType: String?
        public var platformUpdatedAt: Int64
        /// `file:line` of the rows that changed the ID.
        public var sources: [String]
        /// What it lacks, in the API's words; it holds nothing (it is not sent).
        public var problem: String? = nil
    }

    public let rules: SegmentRules

    public init(rules: SegmentRules) {
        self.rules = rules
    }

    /// Folds `rows`, which must already be in fold order.
    public func fold(participantCode: String, rows: [Row]) -> Result {
        let contract = rules.contract
        var values = FieldValues()
        // Per segment (by index in Segment.allCases): the rows that touched it, rendered only for a hold.
        var touchedBy: [[Int]] = Array(repeating: [], count: Segment.allCases.count)
        var newest: Int64?
        // Newest timestamp of a row that touched a segment the body carries.
        var newestSent: Int64?
        var idChange: IDChange?
        var holds: [HoldReason] = []
        var acceptedRows: [Int] = []
        for (index, row) in rows.enumerated() {
            if let rejection = row.rejection {
                holds.append(HoldReason(source: row.source, message: rejection, kind: .rejectedRow))
                continue
            }
            acceptedRows.append(index)
            var sentTouched = false
            var idTouched = false
            for field in contract.fields {
                guard let v = row.values[field.order] else { continue }
                values[field] = v
                let s = Fold.segmentIndex(field.segment)
                if touchedBy[s].last != index { touchedBy[s].append(index) }
                if field.segment == .id && !contract.sendsIDChanges { idTouched = true } else { sentTouched = true }
            }
            if row.values[Field.addressOne.order] != nil, row.values[Field.addressTwo.order] == nil {
                values[.addressTwo] = ""
            }
            if let t = row.platformUpdatedAt {
                newest = max(newest ?? t, t)
                if sentTouched { newestSent = max(newestSent ?? t, t) }
                if idTouched {
                    // Rows come in fold order: the latest ID change is the last.
                    idChange = IDChange(idNumberType: row.values[Field.idNumberType.order] ?? idChange?.idNumberType,
                                        platformUpdatedAt: t, sources: (idChange?.sources ?? []) + [row.source])
                }
            }
        }
        let addressTouched = !touchedBy[Fold.segmentIndex(.address)].isEmpty
        if addressTouched, values[.addressTwo] == nil { values[.addressTwo] = "" }
        if contract == .zerohash { Fold.resolveJurisdiction(&values) }
        let anyTouched = touchedBy.contains { !$0.isEmpty }
        // The segments the body carries (under `zerohash` not the ID).
        let sentTouched = touchedBy.enumerated().contains { i, rows in
            !rows.isEmpty && (Segment.allCases[i] != .id || contract.sendsIDChanges)
        }

        if !acceptedRows.isEmpty {
            if !anyTouched {
                holds.append(HoldReason(source: Fold.sources(acceptedRows.map { rows[$0].source }), message: APIMessage.noDataSegment, kind: .noDataSegment))
            } else {
                var errors = rules.validate(values)
                // An ID change that is not sent holds nothing: what it lacks goes with it to the document list.
                if !contract.sendsIDChanges {
                    let idErrors = errors.filter { $0.field.segment == .id }
                    if !idErrors.isEmpty { idChange?.problem = APIMessage.segmentValidationFailed(idErrors) }
                    errors.removeAll { $0.field.segment == .id }
                }
                if !errors.isEmpty {
                    let failed = Set(errors.map(\.field.segment))
                    let sources = Segment.allCases.filter(failed.contains)
                        .flatMap { touchedBy[Fold.segmentIndex($0)].map { rows[$0].source } }
                    holds.append(HoldReason(source: Fold.sources(sources), message: APIMessage.segmentValidationFailed(errors), kind: .segment))
                }
            }
        }
        let timestamp = contract.sendsIDChanges ? newest : newestSent
        var result = Result(participantCode: participantCode, values: values, platformUpdatedAt: timestamp,
                            holdReasons: holds, body: nil, requestID: nil, rowCount: rows.count, idChange: idChange)
        if let timestamp, sentTouched {
            let payload = PatchBody(values: values, platformUpdatedAt: timestamp).bytes(contract: contract)
            let id = Fold.requestID(participantCode: participantCode, payload: payload)
            result.requestID = id
            result.body = contract.requestIDInBody ? PatchBody.inserting(requestID: id, into: payload) : payload
        }
        return result
    }

    /// Under `zerohash`, a state or jurisdiction given without its country on its row (`TX`, `Texas`) resolves with
    /// the participant's folded country; what does not resolve stays for the segment check to name.
    static func resolveJurisdiction(_ values: inout FieldValues) {
        guard let given = values[.jurisdictionCode], ISO3166.subdivision(code: given) == nil,
              let country = values[.country].flatMap({ ISO3166.country(alpha3: $0) }),
              let subdivision = ISO3166.subdivision(given, in: country) else { return }
        values[.jurisdictionCode] = subdivision.code
    }

    private static func segmentIndex(_ segment: Segment) -> Int {
        Segment.allCases.firstIndex(of: segment)!
    }

    private static func sources(_ list: [String]) -> String {
        var seen: Set<String> = []
        return list.filter { seen.insert($0).inserted }.joined(separator: ";")
    }

    /// The namespace of request_id UUIDs (version 5, RFC 9562): fixed forever, since ids must not change.
    /// `6b2f4e1a-3c57-4d2e-9a41-0bac5f111e00`.
    static let namespace: [UInt8] = [0x6b, 0x2f, 0x4e, 0x1a, 0x3c, 0x57, 0x4d, 0x2e,
                                     0x9a, 0x41, 0x0b, 0xac, 0x5f, 0x11, 0x1e, 0x00]

    /// A UUID (version 5) of the participant and the payload without request_id: deterministic, so a retry,
    /// a resume or a re-run from a fresh database sends the same id with the same bytes.
    public static func requestID(participantCode: String, payload: [UInt8]) -> String {
        var hasher = Insecure.SHA1()
        hasher.update(data: namespace)
        hasher.update(data: Array(participantCode.utf8))
        hasher.update(data: [0x0A])
        hasher.update(data: payload)
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
