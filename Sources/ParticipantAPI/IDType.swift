/// The ID document types the endpoint accepts for `id_number_type`.
public enum IDType {
    /// The supported list: Zero Hash's documented types plus `passport` and `aadhar_card` from the NDAX text.
    public static let supported: [String] = [
        "ssn", "us_drivers_license", "us_passport", "us_passport_card", "us_permanent_resident_card",
        "us_border_crossing_card", "us_alien_card", "us_id_card", "non_us_passport", "non_us_other",
        "passport", "aadhar_card",
    ]

    /// Zero Hash's published list (2026): what `id_number_type` may be, in the variant that carries it.
    public static let zerohash: [String] = [
        "us_drivers_license", "us_passport", "us_passport_card", "us_permanent_resident_card", "us_border_crossing_card",
        "us_alien_card", "us_id_card", "non_us_passport", "non_us_other", "passport", "eu_drivers_license", "national_id",
    ]

    /// The format named in a segment error.
    public static func format(allowed: Set<String>) -> String {
        "one of " + allowed.sorted().joined(separator: ", ")
    }
}
