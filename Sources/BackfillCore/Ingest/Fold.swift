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

        public var isHeld: Bool { !holdReasons.isEmpty }
    }

    public let rules: SegmentRules

    public init(rules: SegmentRules) {
        self.rules = rules
    }

    /// Folds `rows`, which must already be in fold order.
    public func fold(participantCode: String, rows: [Row]) -> Result {
        var values = FieldValues()
        // Per segment (by index in Segment.allCases): the rows that touched it, rendered only for a hold.
        var touchedBy: [[Int]] = [[], [], [], []]
        var newest: Int64?
        var holds: [HoldReason] = []
        var acceptedRows: [Int] = []
        for (index, row) in rows.enumerated() {
            if let rejection = row.rejection {
                holds.append(HoldReason(source: row.source, message: rejection, kind: .rejectedRow))
                continue
            }
            acceptedRows.append(index)
            for field in Field.allCases {
                guard let v = row.values[field.order] else { continue }
                values[field] = v
                let s = Fold.segmentIndex(field.segment)
                if touchedBy[s].last != index { touchedBy[s].append(index) }
            }
            if row.values[Field.addressOne.order] != nil, row.values[Field.addressTwo.order] == nil {
                values[.addressTwo] = ""
            }
            if let t = row.platformUpdatedAt { newest = max(newest ?? t, t) }
        }
        let addressTouched = !touchedBy[Fold.segmentIndex(.address)].isEmpty
        if addressTouched, values[.addressTwo] == nil { values[.addressTwo] = "" }
        let anyTouched = touchedBy.contains { !$0.isEmpty }

        if !acceptedRows.isEmpty {
            if !anyTouched {
                holds.append(HoldReason(source: Fold.sources(acceptedRows.map { rows[$0].source }), message: APIMessage.noDataSegment, kind: .noDataSegment))
            } else {
                let errors = rules.validate(values)
                if !errors.isEmpty {
                    let failed = Set(errors.map(\.field.segment))
                    let sources = Segment.allCases.filter(failed.contains)
                        .flatMap { touchedBy[Fold.segmentIndex($0)].map { rows[$0].source } }
                    holds.append(HoldReason(source: Fold.sources(sources), message: APIMessage.segmentValidationFailed(errors), kind: .segment))
                }
            }
        }
        var result = Result(participantCode: participantCode, values: values, platformUpdatedAt: newest,
                            holdReasons: holds, body: nil, requestID: nil, rowCount: rows.count)
        if let newest, anyTouched {
            let payload = PatchBody(values: values, platformUpdatedAt: newest).bytes()
            let id = Fold.requestID(participantCode: participantCode, payload: payload)
            result.requestID = id
            result.body = PatchBody.inserting(requestID: id, into: payload)
        }
        return result
    }

    private static func segmentIndex(_ segment: Segment) -> Int {
        switch segment {
        case .name: 0
        case .address: 1
        case .id: 2
        case .email: 3
        }
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
