/// An updatable participant field of `PATCH /participants/customers/{participant_code}`, in the API's order.
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

    /// The JSON key and canonical column name.
    public var name: String { rawValue }

    /// The segment this field belongs to: the group that must be sent whole.
    public var segment: Segment {
        switch self {
        case .firstName, .lastName: .name
        case .addressOne, .addressTwo, .country, .state, .city, .zip: .address
        case .email: .email
        case .idNumberType, .idNumber: .id
        }
    }

    /// Position in the API's order (stable across releases: body bytes depend on it).
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

    /// Participant fields the API knows but does not let this endpoint update.
    /// A value in one of them is refused with "Cannot update the requested fields: ...".
    public static let nonUpdatable: [String] = [
        "date_of_birth", "tax_id", "citizenship", "signed_timestamp", "risk_rating", "kyc",
        "kyc_timestamp", "sanction_screening", "sanction_screening_timestamp", "phone_number",
        "metadata", "platform_code", "non_us_other_type", "id_issuing_authority",
    ]
}
