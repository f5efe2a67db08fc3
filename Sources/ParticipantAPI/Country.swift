/// Country names as the API expects them, and the aliases platforms export instead.
public enum Country {
    public static let unitedStates = "United States"
    public static let india = "India"

    /// Alias (upper-cased, dots removed) -> canonical name. Table-driven: add a row, not a branch.
    static let aliases: [String: String] = {
        let table: [(canonical: String, aliases: [String])] = [
            (unitedStates, ["US", "USA", "U.S.", "U.S.A.", "UNITED STATES", "UNITED STATES OF AMERICA", "AMERICA"]),
            (india, ["IN", "IND", "INDIA", "BHARAT", "REPUBLIC OF INDIA"]),
            ("Canada", ["CA", "CAN", "CANADA"]),
            ("United Kingdom", ["GB", "GBR", "UK", "U.K.", "UNITED KINGDOM", "GREAT BRITAIN"]),
            ("Mexico", ["MX", "MEX", "MEXICO"]),
            ("Germany", ["DE", "DEU", "GERMANY"]),
            ("France", ["FR", "FRA", "FRANCE"]),
            ("Brazil", ["BR", "BRA", "BRAZIL", "BRASIL"]),
            ("Australia", ["AU", "AUS", "AUSTRALIA"]),
            ("Singapore", ["SG", "SGP", "SINGAPORE"]),
        ]
        var map: [String: String] = [:]
        for row in table {
            for alias in row.aliases { map[key(alias)] = row.canonical }
        }
        return map
    }()

    private static func key(_ s: String) -> String {
        String(s.uppercased().filter { $0 != "." })
    }

    /// The canonical name for a known alias (`USA` -> `United States`); unknown names come back unchanged.
    public static func canonical(_ name: String) -> String {
        aliases[key(name)] ?? name
    }
}

/// US states, districts and territories by USPS code, for the address segment of a US address.
public enum USState {
    public static let codes: Set<String> = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
        "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
        "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
        "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
    ]

    /// Whether `code` is one of `codes`, byte for byte: a canonically equal spelling such as `\u{212A}S` (KELVIN
    /// SIGN, S) is not `KS`.
    public static func contains(_ code: String) -> Bool {
        code.isASCII && codes.contains(code)
    }

    /// The format named in a segment error for a US state.
    public static let format = "two-letter US state code"
}
