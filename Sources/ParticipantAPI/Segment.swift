/// A group of fields that the API accepts only as a whole ("groups of data must be sent together").
public enum Segment: String, CaseIterable, Sendable, Hashable {
    case name
    case address
    case id
    case email
    // Zero Hash's published contract (2026): single-field groups.
    case dateOfBirth = "date_of_birth"
    case phone
    case gender

    /// The segment's fields, in storage order.
    public var fields: [Field] { Field.allCases.filter { $0.segment == self } }
}

/// One broken rule inside a segment, worded as the API words it.
public struct SegmentError: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The field is required and was not provided.
        case required
        /// The field was provided but does not match the format, described for a person.
        case format(String)
    }

    public let field: Field
    public let kind: Kind

    public init(field: Field, kind: Kind) {
        self.field = field
        self.kind = kind
    }

    /// `city required field` or `zip should match format 12345 or 12345-6789`.
    public var description: String {
        switch kind {
        case .required: "\(field.name) required field"
        case .format(let format): "\(field.name) should match format \(format)"
        }
    }
}
