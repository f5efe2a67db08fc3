import BackfillStore
import ParticipantAPI

/// The row checks of Zero Hash's contract (2026), on top of the seed's: country and subdivision through the ISO data,
/// the published limits and formats. Each failure is a rejected row naming the column, the limit and the value.
extension RowNormalizer {
    /// The value a `zerohash` field takes, or the problem that rejects the row.
    func zerohashValue(_ field: Field, _ value: String, column: String, original: String) -> Result<String, RowProblem> {
        switch field {
        case .country:
            guard let alpha3 = Country.alpha3(value) else {
                return .failure(RowProblem(code: "invalid_country", column: column,
                                           message: "column '\(column)': expected a country (an ISO 3166-1 name, alpha-2 or alpha-3 code), got '\(original)'"))
            }
            return .success(alpha3)
        case .addressOne, .addressTwo:
            let limit = field == .addressOne
                ? FieldRules.addressOneLimit(vendorReliance: rules.vendorReliance)
                : FieldRules.addressTwoLimit(vendorReliance: rules.vendorReliance)
            let length = value.unicodeScalars.count
            guard length <= limit else {
                let track = rules.vendorReliance ? "" : " (200 with --vendor-reliance)"
                return .failure(RowProblem(code: "address_too_long", column: column,
                                           message: "column '\(column)': expected at most \(limit) characters\(track), got \(length)"))
            }
            return .success(value)
        case .dateOfBirth:
            guard FieldRules.isDate(value) else {
                return .failure(RowProblem(code: "invalid_date_of_birth", column: column,
                                           message: "column '\(column)': expected a date \(FieldRules.dateFormat), got '\(original)'"))
            }
            return .success(value)
        case .gender:
            guard let gender = FieldRules.gender(value) else {
                return .failure(RowProblem(code: "invalid_gender", column: column,
                                           message: "column '\(column)': expected \(FieldRules.genderFormat) (or M, F), got '\(original)'"))
            }
            return .success(gender)
        case .phoneNumber:
            guard let digits = FieldRules.phoneDigits(value) else {
                return .failure(RowProblem(code: "invalid_phone_number", column: column,
                                           message: "column '\(column)': expected \(FieldRules.phoneFormat), got '\(original)'"))
            }
            return .success(digits)
        default:
            return .success(value)
        }
    }

    /// The checks that need the row's country: its subdivision (a state or `jurisdiction_code` cell resolves to the
    /// ISO 3166-2 code of a subdivision of that country) and its postal code. A row without a country keeps a full
    /// ISO 3166-2 code as it is, and anything else for the fold to resolve with the participant's country.
    /// - Parameter zipColumn: the source column the zip or postal code came from, for the message.
    func zerohashRowChecks(_ row: inout InputRow, jurisdictionCell: (column: String, value: String)?, zipColumn: String = "zip") {
        let country = row[.country].flatMap { ISO3166.country(alpha3: $0) }
        if let cell = jurisdictionCell, let given = row[.jurisdictionCode] {
            if let country {
                if let subdivision = ISO3166.subdivision(given, in: country) {
                    row[.jurisdictionCode] = subdivision.code
                } else {
                    row[.jurisdictionCode] = nil
                    row.problems.append(RowProblem(code: "invalid_jurisdiction", column: cell.column,
                                                   message: "column '\(cell.column)': expected a subdivision of \(country.alpha3) (an ISO 3166-2 code such as \(Self.example(country)), or its name), got '\(cell.value)'"))
                }
            } else if let subdivision = ISO3166.subdivision(code: given.uppercased()) {
                row[.jurisdictionCode] = subdivision.code
            }
        }
        if let zip = row[.zip], let country {
            if country == ISO3166.unitedStates, !FieldRules.isUSZip(zip) {
                row.problems.append(RowProblem(code: "invalid_zip", column: zipColumn,
                                               message: "column '\(zipColumn)': expected 12345 or 12345-6789 for USA, got '\(zip)'"))
            } else if country != ISO3166.unitedStates, !FieldRules.isPostalCode(zip) {
                row.problems.append(RowProblem(code: "invalid_postal_code", column: zipColumn,
                                               message: "column '\(zipColumn)': expected a postal code of \(FieldRules.postalCodeFormat) for \(country.alpha3), got '\(zip)'"))
            }
        }
    }

    /// A subdivision code of `country` to show in a message (`US-NY` for the United States).
    static func example(_ country: ISO3166.Country) -> String {
        if country == ISO3166.unitedStates { return "US-NY or NY" }
        guard let first = ISO3166.subdivisions(of: country).first else { return "\(country.alpha2)-XX" }
        return "\(first.code) or \(first.localCode)"
    }
}

/// A row problem travels as the failure of a `Result`.
extension RowProblem: Error {}
