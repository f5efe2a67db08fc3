/// Which published form of `PATCH /participants/customers/{participant_code}` a database is made for and a host
/// speaks. Both are kept exactly:
///
/// - `zerohash`: Zero Hash's reference today (OpenAPI 1.7.0, 2026; `../shared/api/zerohash-participants-2026.md`).
///   ISO 3166-1 alpha-3 `country`, ISO 3166-2 `jurisdiction_code` instead of `state`, `zip` for the United States
///   and `postal_code` elsewhere, `middle_name`, `former_name`, `date_of_birth`, `phone_number`, `gender`; no
///   `id_number` in any PATCH variant (an ID change needs a supporting document); the request id travels only in the
///   `X-REQUEST-ID` header.
/// - `ndax`: NDAX's page and Zero Hash's December 2022 release note (the seed): country names, `state`, the ID
///   segment, `request_id` first in the body.
public enum Contract: String, Sendable, CaseIterable, Codable, Hashable {
    case zerohash
    case ndax

    /// The contract in a few words, for the line that names it.
    public var summary: String {
        switch self {
        case .zerohash: "Zero Hash's published reference, 2026"
        case .ndax: "NDAX's page and Zero Hash's 2022 release note"
        }
    }

    /// What `backfill ingest` makes a new database for.
    public static let `default` = Contract.zerohash

    /// The input fields the contract reads, in the order its body carries them.
    public var fields: [Field] {
        switch self {
        case .ndax:
            [.firstName, .lastName, .addressOne, .addressTwo, .country, .state, .city, .zip, .email, .idNumberType, .idNumber]
        case .zerohash:
            [.firstName, .middleName, .lastName, .formerName, .addressOne, .addressTwo, .city, .country, .jurisdictionCode,
             .zip, .email, .dateOfBirth, .phoneNumber, .gender, .idNumberType, .idNumber]
        }
    }

    /// The fields a body may carry, in its order (`fields` less what is never sent).
    public var bodyOrder: [Field] {
        sendsIDChanges ? fields : fields.filter { $0.segment != .id }
    }

    /// The segments the contract reads.
    public var segments: [Segment] {
        Segment.allCases.filter { s in fields.contains { $0.segment == s } }
    }

    /// Whether an ID change is sent: under `zerohash` no PATCH variant has `id_number`, and `id_number_type` only
    /// goes with a document upload (`POST /participants/documents`), so ID changes are checked but not sent.
    public var sendsIDChanges: Bool { self == .ndax }

    /// Whether the body carries `request_id` (the seed's idempotency key). Zero Hash's published schema has none:
    /// the id goes in the `X-REQUEST-ID` header only.
    public var requestIDInBody: Bool { self == .ndax }

    /// Participant fields the contract's API knows but does not update through this endpoint.
    public var nonUpdatable: [String] {
        switch self {
        case .ndax: WireKey.nonUpdatable
        case .zerohash: WireKey.nonUpdatable.filter { Field(name: $0) == nil }
        }
    }

    /// The accepted `id_number_type` values. Under `zerohash` an ID change is not sent, only listed as needing a
    /// document, so its type is checked against the published twelve and the seed's `ssn` and `aadhar_card` that a
    /// platform's history legitimately holds (an SSN belongs in `tax_id` today): a type from the old list does not
    /// hold the participant's other changes.
    public var idTypes: [String] {
        switch self {
        case .ndax: IDType.supported
        case .zerohash: IDType.zerohash + IDType.supported.filter { !IDType.zerohash.contains($0) }
        }
    }

    /// The longest `--max-field-length` whose every field at that length still makes a body under the 64 KiB
    /// limit (4 UTF-8 bytes per code point at most).
    public var maxFieldLengthCeiling: Int {
        (64 * 1024 - 512) / (bodyOrder.count * 4)
    }

    /// The body key of a field: `zip` is `postal_code` under `zerohash` outside the United States.
    public func key(_ field: Field, country: String?) -> String {
        if self == .zerohash, field == .zip, country != ISO3166.unitedStates.alpha3 { return WireKey.postalCode }
        return field.name
    }
}
