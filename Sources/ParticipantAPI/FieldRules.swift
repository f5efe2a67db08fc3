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
