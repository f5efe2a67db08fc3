import BackfillStore
import Foundation
import ParticipantAPI

/// The normalization rules, one function per kind of value. Pure; ASCII values take a fast path.
///
/// Every value is trimmed and NFC-normalized (an empty result means "not provided"); inner whitespace runs
/// are collapsed in names, address lines and city; participant_code and state are upper-cased, email
/// lower-cased; country aliases become one canonical name; id_number_type becomes lower snake_case.
public enum ValueNormalizer {
    /// Trimmed, NFC, optionally with inner whitespace runs collapsed to one space; nil when empty.
    public static func clean(_ value: String, collapse: Bool = false) -> String? {
        var ascii = true
        for b in value.utf8 where b >= 0x80 { ascii = false; break }
        if ascii { return cleanASCII(value, collapse: collapse) }
        return cleanUnicode(value.precomposedStringWithCanonicalMapping, collapse: collapse)
    }

    /// Trims and collapses by Unicode scalar, not by `Character`: a space followed by a combining mark, a ZWJ
    /// or a variation selector is one grapheme cluster, and splitting on whitespace Characters would drop the
    /// mark with the space. Only White_Space scalars are removed or collapsed; every other scalar is kept.
    private static func cleanUnicode(_ nfc: String, collapse: Bool) -> String? {
        let scalars = nfc.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return nil }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        let inner = scalars[first...last]
        guard collapse else { return String(inner) }
        var out = String.UnicodeScalarView()
        var previousSpace = false
        for scalar in inner {
            if scalar.properties.isWhitespace {
                if !previousSpace { out.append(" ") }
                previousSpace = true
            } else {
                out.append(scalar)
                previousSpace = false
            }
        }
        return String(out)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    private static func cleanASCII(_ value: String, collapse: Bool) -> String? {
        let u = value.utf8
        guard let first = u.firstIndex(where: { !isSpace($0) }) else { return nil }
        let last = u.lastIndex(where: { !isSpace($0) })!
        let inner = u[first...last]
        if collapse {
            var needsRebuild = false
            var previousSpace = false
            for b in inner {
                let space = isSpace(b)
                if space && (previousSpace || b != 0x20) { needsRebuild = true; break }
                previousSpace = space
            }
            if needsRebuild {
                var out: [UInt8] = []
                out.reserveCapacity(inner.count)
                previousSpace = false
                for b in inner {
                    if isSpace(b) {
                        if !previousSpace { out.append(0x20) }
                        previousSpace = true
                    } else {
                        out.append(b)
                        previousSpace = false
                    }
                }
                return String(decoding: out, as: UTF8.self)
            }
        }
        if first == u.startIndex && last == u.index(before: u.endIndex) { return value }
        return String(value[first...last])
    }

    /// Whether a field's inner whitespace runs collapse: names, address lines and city.
    static func collapses(_ field: Field) -> Bool {
        switch field {
        case .firstName, .lastName, .addressOne, .addressTwo, .city, .middleName, .formerName: true
        default: false
        }
    }

    /// A field's normalized value, or nil when not provided. Always NFC: a case mapping of NFC text need not be
    /// NFC (`T\u{308}` lower-cases to `t\u{308}`, whose NFC is `ẗ`), so a mapped value is composed again.
    ///
    /// Under `ndax` a country becomes its ISO short name (`USA` -> `United States`), or stays as written when it
    /// names no country; under `zerohash` it is resolved (to alpha-3) by the row checks, which reject what names none.
    public static func normalize(_ field: Field, _ value: String, contract: Contract = .ndax) -> String? {
        guard let v = clean(value, collapse: collapses(field)) else { return nil }
        switch field {
        case .email: return v.lowercased().nfc
        case .state: return v.uppercased().nfc
        case .country: return contract == .ndax ? Country.canonical(v).nfc : v
        case .idNumberType: return snakeCase(v).nfc
        default: return v
        }
    }

    /// Trimmed (Unicode white space, like every value), with ASCII letters upper-cased (`ParticipantCode.normalize`);
    /// nil when empty.
    public static func participantCode(_ value: String) -> String? {
        clean(value).flatMap(ParticipantCode.normalize)
    }

    /// Whether a normalized participant code has the API's shape: 6 letters or digits.
    public static func isParticipantCode(_ code: String) -> Bool {
        ParticipantCode.isWellFormed(code)
    }

    /// `US Passport` -> `us_passport`, `Non-US passport` -> `non_us_passport`.
    public static func snakeCase(_ value: String) -> String {
        var out = ""
        var pendingUnderscore = false
        for ch in value.lowercased() {
            if ch.isLetter || ch.isNumber {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.append(ch)
            } else {
                pendingUnderscore = true
            }
        }
        return out
    }
}
