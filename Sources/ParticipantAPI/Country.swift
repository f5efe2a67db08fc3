/// Country values as each contract's API expects them, resolved through the ISO data (`ISO3166`).
public enum Country {
    /// The seed's (`ndax`) names of the two countries its rules single out.
    public static let unitedStates = "United States"
    public static let india = "India"

    /// The seed's country value for a cell: the ISO short name of the country it names (`USA`, `u.s.` and `United
    /// States of America` are all `United States`); a cell that names no country comes back unchanged, as the seed's
    /// contract has always sent what it was given.
    public static func canonical(_ name: String) -> String {
        ISO3166.country(name)?.name ?? name
    }

    /// Zero Hash's country value for a cell: the ISO 3166-1 alpha-3 code of the country it names; nil when it
    /// names none (a rejected row under `zerohash`).
    public static func alpha3(_ name: String) -> String? {
        ISO3166.country(name)?.alpha3
    }
}

extension ISO3166 {
    /// The United States: its subdivisions are the seed's `state` codes, and Zero Hash requires a
    /// `jurisdiction_code` and a `zip` for it.
    public static let unitedStates = ISO3166.country(alpha3: "USA")!
}

/// US states, districts and territories by their ISO 3166-2 code within the country (`TX`), for the seed's
/// `state` field.
public enum USState {
    /// From the ISO data: the 50 states, the District of Columbia and the outlying areas.
    public static let codes: Set<String> = Set(ISO3166.subdivisions(of: ISO3166.unitedStates).map { String($0.localCode) })

    /// Whether `code` is one of `codes`, byte for byte: a canonically equal spelling such as `\u{212A}S` (KELVIN
    /// SIGN, S) is not `KS`.
    public static func contains(_ code: String) -> Bool {
        code.isASCII && codes.contains(code)
    }

    /// The format named in a segment error for a US state.
    public static let format = "two-letter US state code"
}
