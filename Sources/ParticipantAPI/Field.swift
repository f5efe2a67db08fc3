/// A participant field a backfill reads and may send to `PATCH /participants/customers/{participant_code}`.
/// Which fields a contract reads and sends, and in what order, is the contract's (`Contract.fields`,
/// `Contract.bodyOrder`); `order` is only the field's slot in per-row storage.
public enum Field: String, CaseIterable, Sendable, Hashable, Comparable {
    case firstName = "first_name"
    case lastName = "last_name"
    case addressOne = "address_one"
    case addressTwo = "address_two"
    case country
    case state
    case city
    case zip
    case email
    case idNumberType = "id_number_type"
    case idNumber = "id_number"
    // Zero Hash's published contract (2026) only.
    case middleName = "middle_name"
    case formerName = "former_name"
    case jurisdictionCode = "jurisdiction_code"
    case dateOfBirth = "date_of_birth"
    case phoneNumber = "phone_number"
    case gender

    /// The JSON key and canonical column name.
    public var name: String { rawValue }

    /// The segment this field belongs to: the group that must be sent whole.
    public var segment: Segment {
        switch self {
        case .firstName, .lastName, .middleName, .formerName: .name
        case .addressOne, .addressTwo, .country, .state, .city, .zip, .jurisdictionCode: .address
        case .email: .email
        case .idNumberType, .idNumber: .id
        case .dateOfBirth: .dateOfBirth
        case .phoneNumber: .phone
        case .gender: .gender
        }
    }

    /// The field's slot in per-row storage (stable across releases: stored rows depend on it). The first eleven
    /// are the seed's fields in the seed's order.
    public var order: Int {
        switch self {
        case .firstName: 0
        case .lastName: 1
        case .addressOne: 2
        case .addressTwo: 3
        case .country: 4
        case .state: 5
        case .city: 6
        case .zip: 7
        case .email: 8
        case .idNumberType: 9
        case .idNumber: 10
        case .middleName: 11
        case .formerName: 12
        case .jurisdictionCode: 13
        case .dateOfBirth: 14
        case .phoneNumber: 15
        case .gender: 16
        }
    }

    public static func < (lhs: Field, rhs: Field) -> Bool { lhs.order < rhs.order }

    /// Looks a field up by its canonical name.
    public init?(name: String) { self.init(rawValue: name) }
}

/// The wire names that are not updatable fields.
public enum WireKey {
    /// The request's timestamp: when the platform approved the change, in epoch milliseconds.
    public static let platformUpdatedAt = "platform_updated_at"
    /// The idempotency key.
    public static let requestID = "request_id"
    /// The participant, in the path (and in input files).
    public static let participantCode = "participant_code"
    /// Zero Hash's body key for a postal code outside the United States (`zip` inside).
    public static let postalCode = "postal_code"

    /// Participant fields the seed's API knows but does not let this endpoint update (`Contract.ndax`).
    /// A value in one of them is refused with "Cannot update the requested fields: ...".
    public static let nonUpdatable: [String] = [
        "date_of_birth", "tax_id", "citizenship", "signed_timestamp", "risk_rating", "kyc",
        "kyc_timestamp", "sanction_screening", "sanction_screening_timestamp", "phone_number",
        "metadata", "platform_code", "non_us_other_type", "id_issuing_authority",
    ]
}
