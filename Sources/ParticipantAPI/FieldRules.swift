/// Single-value rules the API applies to a field, shared by ingest's row checks and the sandbox.
public enum FieldRules {
    /// The format a zip must match for a country that requires one, or nil where zip is free-form.
    public static func zipFormat(country: String) -> (format: String, matches: (String) -> Bool)? {
        switch country {
        case Country.unitedStates: ("12345 or 12345-6789", isUSZip)
        case Country.india: ("123456", isIndianPIN)
        default: nil
        }
    }

    /// `12345` or `12345-6789`.
    public static func isUSZip(_ zip: String) -> Bool {
        let b = Array(zip.utf8)
        func digits(_ r: Range<Int>) -> Bool { b[r].allSatisfy { $0 >= 48 && $0 <= 57 } }
        if b.count == 5 { return digits(0..<5) }
        if b.count == 10 { return digits(0..<5) && b[5] == UInt8(ascii: "-") && digits(6..<10) }
        return false
    }

    /// A 6-digit Indian PIN code.
    public static func isIndianPIN(_ zip: String) -> Bool {
        let b = Array(zip.utf8)
        return b.count == 6 && b.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// The format named when an email is malformed.
    public static let emailFormat = "name@example.com"

    /// A pragmatic address check: one `@`, a non-empty local part without spaces,
    /// a domain of dot-separated labels (letters, digits, hyphens) ending in a label of 2+ letters.
    public static func isEmail(_ email: String) -> Bool {
        var email = email
        return email.withUTF8 { isEmail(bytes: $0) }
    }

    private static func isEmail(bytes b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let at = b.firstIndex(of: UInt8(ascii: "@")), at > 0, at <= 64,
              b.lastIndex(of: UInt8(ascii: "@")) == at else { return false }
        let local = b[..<at]
        let domain = b[(at + 1)...]
        let localOK: (UInt8) -> Bool = { c in
            c > 32 && c < 127 && !"()<>[]:;,\\\"".utf8.contains(c) || c >= 128
        }
        guard local.allSatisfy(localOK), local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
              !domain.isEmpty, domain.count <= 253 else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                  label.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") || $0 >= 128 }) else { return false }
        }
        let tld = labels.last!
        return tld.count >= 2 && tld.allSatisfy { isAlpha($0) || $0 >= 128 }
    }

    /// The format named when an address line is a PO Box.
    public static let streetAddressFormat = "a street address (PO Box addresses are not accepted)"

    /// True for `PO Box 12`, `P.O. Box`, `p o box`, `POB 12`, `Post Office Box 7`, `Box 99` alone.
    public static func isPOBox(_ line: String) -> Bool {
        // Every form above contains "box" or "pob" (any case): most lines are ruled out without allocating.
        var candidate = false
        var prev2: UInt8 = 0, prev1: UInt8 = 0
        for c in line.utf8 {
            let l = c | 0x20
            if prev1 == UInt8(ascii: "o"),
               (prev2 == UInt8(ascii: "b") && l == UInt8(ascii: "x")) || (prev2 == UInt8(ascii: "p") && l == UInt8(ascii: "b")) {
                candidate = true
                break
            }
            prev2 = prev1
            prev1 = l
        }
        guard candidate else { return false }
        // Words of letters and digits; dots and other punctuation separate nothing ("P.O." is one word "po").
        var words: [String] = []
        var current = ""
        for scalar in line.lowercased().unicodeScalars {
            if scalar == "." { continue }
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current); current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        for (i, w) in words.enumerated() {
            let next = i + 1 < words.count ? words[i + 1] : nil
            let afterNext = i + 2 < words.count ? words[i + 2] : nil
            if w == "pobox" || w.hasPrefix("pobox") && w.dropFirst(5).allSatisfy(\.isNumber) { return true }
            if w == "po" && next == "box" { return true }
            if w == "p" && next == "o" && afterNext == "box" { return true }
            if w == "pob" && next.map({ $0.first?.isNumber == true }) == true { return true }
            if w == "post" && next == "office" && afterNext == "box" { return true }
            if i == 0 && w == "box" && next.map({ $0.first?.isNumber == true }) == true { return true }
        }
        return false
    }

    private static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 97 && (c | 0x20) <= 122 }
    private static func isAlnum(_ c: UInt8) -> Bool { isAlpha(c) || (c >= 48 && c <= 57) }
}

/// The published limits and formats of Zero Hash's contract (2026) that the seed did not have.
extension FieldRules {
    /// `address_one` at most 80 characters, 200 on the vendor-reliance track (`ingest --vendor-reliance`).
    public static func addressOneLimit(vendorReliance: Bool) -> Int { vendorReliance ? 200 : 80 }
    /// `address_two` at most 50 characters, 200 on the vendor-reliance track.
    public static func addressTwoLimit(vendorReliance: Bool) -> Int { vendorReliance ? 200 : 50 }

    /// The format named for a postal code outside the United States.
    public static let postalCodeFormat = "at least 4 characters"
    /// `postal_code`: at least 4 characters (Unicode scalars).
    public static func isPostalCode(_ code: String) -> Bool { code.unicodeScalars.count >= 4 }

    /// The format named for a date of birth.
    public static let dateFormat = "YYYY-MM-DD"
    /// `YYYY-MM-DD`, a real date of the Gregorian calendar (1900 or later).
    public static func isDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        func number(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; n = n * 10 + Int(b[i] - 48) }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), y >= 1900, (1...12).contains(m) else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d)
    }

    /// The genders the contract knows.
    public static let genders = ["male", "female", "other"]
    public static let genderFormat = "male, female or other"
    /// `male`, `female` or `other` from a cell (any case; `M` and `F` too); nil for anything else.
    public static func gender(_ text: String) -> String? {
        switch text.lowercased() {
        case "male", "m": "male"
        case "female", "f": "female"
        case "other": "other"
        default: nil
        }
    }

    public static let phoneFormat = "digits with the country code, such as 15557778888"
    /// A phone number as digits (`15557778888`) from a cell that may carry `+`, spaces, dots, dashes and
    /// parentheses; nil when what is left is not 7 to 15 digits.
    public static func phoneDigits(_ text: String) -> String? {
        var digits: [UInt8] = []
        for (i, b) in text.utf8.enumerated() {
            if b >= 48 && b <= 57 { digits.append(b); continue }
            if b == UInt8(ascii: "+") && i == 0 { continue }
            guard b == 0x20 || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") else { return nil }
        }
        return (7...15).contains(digits.count) ? String(decoding: digits, as: UTF8.self) : nil
    }

    /// The format named for `platform_updated_at` under Zero Hash's contract.
    public static let timestampFormat = "a 13-digit UNIX time in milliseconds"
    /// Thirteen digits: from 2001-09-09T01:46:40Z on.
    public static func isThirteenDigits(_ ms: Int64) -> Bool { (1_000_000_000_000...9_999_999_999_999).contains(ms) }
}
