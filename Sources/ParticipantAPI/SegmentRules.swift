/// The API's segment rules: which fields each segment needs and what shape they must have, for one contract.
///
/// A segment is "touched" when any of its fields is present. Every touched segment must be complete.
///
/// `ndax` (the seed):
/// - name: `first_name` and `last_name`;
/// - address: `address_one`, `city`, `country`; `address_two` optional; `state` for the United States;
///   `zip` for the United States (`12345` or `12345-6789`) and India (6-digit PIN), free-form elsewhere;
///   neither address line may be a PO Box;
/// - id: `id_number_type` (a supported type) and `id_number`;
/// - email: a well-formed `email`.
///
/// `zerohash` (2026):
/// - name: `first_name` and `last_name` (`middle_name`, `former_name` optional);
/// - address: `address_one` (at most 80 characters, 200 on the vendor-reliance track), `address_two` (50, 200),
///   `city`, `country` (ISO alpha-3); for `USA` a `jurisdiction_code` of the United States and a `zip` (`12345` or
///   `12345-6789`); elsewhere a `jurisdiction_code`, when given, of that country and a postal code, when given, of
///   at least 4 characters; no PO Box;
/// - id (checked, never sent): `id_number_type` (Zero Hash's list) and `id_number`;
/// - email, `date_of_birth` (`YYYY-MM-DD`), `phone_number` (digits), `gender` (`male`, `female`, `other`): each well
///   formed.
public struct SegmentRules: Sendable {
    public var contract: Contract
    /// The accepted `id_number_type` values: the contract's list plus `--allow-id-type`.
    public var idTypes: Set<String>
    /// Zero Hash's vendor-reliance track: longer address lines.
    public var vendorReliance: Bool

    public init(contract: Contract = .ndax, extraIDTypes: [String] = [], vendorReliance: Bool = false) {
        self.contract = contract
        self.idTypes = Set(contract.idTypes).union(extraIDTypes)
        self.vendorReliance = vendorReliance
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
        func format(_ f: Field, _ text: String) { errors.append(SegmentError(field: f, kind: .format(text))) }
        for segment in SegmentRules.touchedSegments(values.present) where contract.segments.contains(segment) {
            switch segment {
            case .name:
                _ = require(.firstName)
                _ = require(.lastName)
            case .address:
                if let line = require(.addressOne), FieldRules.isPOBox(line) { format(.addressOne, FieldRules.streetAddressFormat) }
                if let line = value(.addressTwo), FieldRules.isPOBox(line) { format(.addressTwo, FieldRules.streetAddressFormat) }
                switch contract {
                case .ndax: ndaxAddress(value, require, format)
                case .zerohash: zerohashAddress(value, require, format)
                }
            case .id:
                if let type = require(.idNumberType), !idTypes.contains(type) {
                    format(.idNumberType, IDType.format(allowed: idTypes))
                }
                _ = require(.idNumber)
            case .email:
                if let email = require(.email), !FieldRules.isEmail(email) { format(.email, FieldRules.emailFormat) }
            case .dateOfBirth:
                if let date = require(.dateOfBirth), !FieldRules.isDate(date) { format(.dateOfBirth, FieldRules.dateFormat) }
            case .phone:
                if let phone = require(.phoneNumber), FieldRules.phoneDigits(phone) != phone { format(.phoneNumber, FieldRules.phoneFormat) }
            case .gender:
                if let gender = require(.gender), !FieldRules.genders.contains(gender) { format(.gender, FieldRules.genderFormat) }
            }
        }
        return errors.sorted { $0.field < $1.field }
    }

    private func ndaxAddress(_ value: (Field) -> String?, _ require: (Field) -> String?, _ format: (Field, String) -> Void) {
        let country = require(.country)
        if country == Country.unitedStates, let state = require(.state), !USState.contains(state) {
            format(.state, USState.format)
        }
        _ = require(.city)
        if let country, let rule = FieldRules.zipFormat(country: country), let zip = require(.zip), !rule.matches(zip) {
            format(.zip, rule.format)
        }
    }

    private func zerohashAddress(_ value: (Field) -> String?, _ require: (Field) -> String?, _ format: (Field, String) -> Void) {
        if let line = value(.addressOne), line.unicodeScalars.count > FieldRules.addressOneLimit(vendorReliance: vendorReliance) {
            format(.addressOne, "at most \(FieldRules.addressOneLimit(vendorReliance: vendorReliance)) characters")
        }
        if let line = value(.addressTwo), line.unicodeScalars.count > FieldRules.addressTwoLimit(vendorReliance: vendorReliance) {
            format(.addressTwo, "at most \(FieldRules.addressTwoLimit(vendorReliance: vendorReliance)) characters")
        }
        _ = require(.city)
        let alpha3 = require(.country)
        let country = alpha3.flatMap { ISO3166.country(alpha3: $0) }
        if alpha3 != nil, country == nil { format(.country, "an ISO 3166-1 alpha-3 code") }
        let isUS = country == ISO3166.unitedStates
        let code = isUS ? require(.jurisdictionCode) : value(.jurisdictionCode)
        if let code, let country {
            if ISO3166.subdivision(code: code).map({ $0.countryAlpha2 == country.alpha2 }) != true {
                format(.jurisdictionCode, "an ISO 3166-2 code of \(country.alpha3)")
            }
        }
        if isUS {
            if let zip = require(.zip), !FieldRules.isUSZip(zip) { format(.zip, "12345 or 12345-6789") }
        } else if let postal = value(.zip), !FieldRules.isPostalCode(postal) {
            format(.zip, FieldRules.postalCodeFormat)
        }
    }
}
