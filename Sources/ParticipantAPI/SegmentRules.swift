/// The API's segment rules: which fields each segment needs and what shape they must have.
///
/// A segment is "touched" when any of its fields is present. Every touched segment must be complete:
/// - name: `first_name` and `last_name`;
/// - address: `address_one`, `city`, `country`; `address_two` optional; `state` for the United States;
///   `zip` for the United States (`12345` or `12345-6789`) and India (6-digit PIN), free-form elsewhere;
///   neither address line may be a PO Box;
/// - id: `id_number_type` (a supported type) and `id_number`;
/// - email: a well-formed `email`.
public struct SegmentRules: Sendable {
    /// The accepted `id_number_type` values. Default: `IDType.supported`.
    public var idTypes: Set<String>

    public init(extraIDTypes: [String] = []) {
        self.idTypes = Set(IDType.supported).union(extraIDTypes)
    }

    /// The segments touched by a set of present fields.
    public static func touchedSegments(_ fields: some Sequence<Field>) -> [Segment] {
        let set = Set(fields.map(\.segment))
        return Segment.allCases.filter(set.contains)
    }

    /// Checks every touched segment. `values` holds the provided fields; an empty string counts as not provided.
    /// Returns the broken rules in the API's field order; empty when the segments are valid.
    public func validate(_ values: [Field: String]) -> [SegmentError] {
        validate(FieldValues(values))
    }

    /// Checks every touched segment (see `validate(_:)` for dictionaries).
    public func validate(_ values: FieldValues) -> [SegmentError] {
        func value(_ f: Field) -> String? {
            guard let v = values[f], !v.isEmpty else { return nil }
            return v
        }
        var errors: [SegmentError] = []
        func require(_ f: Field) -> String? {
            if let v = value(f) { return v }
            errors.append(SegmentError(field: f, kind: .required))
            return nil
        }
        for segment in SegmentRules.touchedSegments(values.present) {
            switch segment {
            case .name:
                _ = require(.firstName)
                _ = require(.lastName)
            case .address:
                if let line = require(.addressOne), FieldRules.isPOBox(line) {
                    errors.append(SegmentError(field: .addressOne, kind: .format(FieldRules.streetAddressFormat)))
                }
                if let line = value(.addressTwo), FieldRules.isPOBox(line) {
                    errors.append(SegmentError(field: .addressTwo, kind: .format(FieldRules.streetAddressFormat)))
                }
                let country = require(.country)
                if country == Country.unitedStates {
                    if let state = require(.state), !USState.contains(state) {
                        errors.append(SegmentError(field: .state, kind: .format(USState.format)))
                    }
                }
                _ = require(.city)
                if let country, let rule = FieldRules.zipFormat(country: country) {
                    if let zip = require(.zip), !rule.matches(zip) {
                        errors.append(SegmentError(field: .zip, kind: .format(rule.format)))
                    }
                }
            case .id:
                if let type = require(.idNumberType), !idTypes.contains(type) {
                    errors.append(SegmentError(field: .idNumberType, kind: .format(IDType.format(allowed: idTypes))))
                }
                _ = require(.idNumber)
            case .email:
                if let email = require(.email), !FieldRules.isEmail(email) {
                    errors.append(SegmentError(field: .email, kind: .format(FieldRules.emailFormat)))
                }
            }
        }
        return errors.sorted { $0.field < $1.field }
    }
}
