import BackfillStore
import ParticipantAPI

/// Reads `platform_updated_at` as epoch milliseconds from what platforms export:
/// - an integer of 100,000,000,000 or more: epoch milliseconds;
/// - a smaller number (fractions allowed): epoch seconds;
/// - ISO-8601: `2023-04-05`, `2023-04-05T06:07:08`, `2023-04-05 06:07:08.123Z`, `...+05:30`, `...-0400`
///   (date-only = midnight UTC; no offset = UTC; fractional seconds kept to the millisecond, truncated).
public enum TimestampParser {
    /// The boundary between seconds and milliseconds.
    public static let millisecondsThreshold: Int64 = 100_000_000_000

    /// Epoch milliseconds, or nil when the text is none of the accepted forms.
    public static func epochMilliseconds(_ text: some StringProtocol) -> Int64? {
        let b = Array(text.utf8)
        guard !b.isEmpty else { return nil }
        if b.count >= 10, b[4] == UInt8(ascii: "-") { return iso8601(b) }
        return number(b)
    }

    /// A JSON number written as the plain decimal the text rules read, exactly (no floating point): the
    /// exponent applied and trailing fraction zeros dropped, so `1.6e12` and `1600000000000.0` read as the
    /// whole milliseconds `1600000000000`, `1.70000000025e9` as the seconds `1700000000.25`, and
    /// `1600000000000.5` stays a fraction of a millisecond (refused). Nil when it is not a non-negative number
    /// or is far beyond any timestamp.
    ///
    /// JSON only: a CSV cell reading `1.6E+12` is more likely a spreadsheet's rounding than an exact value.
    public static func plainDecimal(jsonNumber text: String) -> String? {
        plainDecimal(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func plainDecimal(_ b: [UInt8]) -> [UInt8]? {
        var i = 0
        var digits: [UInt8] = []
        while i < b.count, digit(b[i]) != nil { digits.append(b[i]); i += 1 }
        guard !digits.isEmpty else { return nil }
        var point = digits.count
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, digit(b[i]) != nil { digits.append(b[i]); i += 1 }
            guard i > start else { return nil }
        }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var sign = 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
            }
            var exponent = 0
            let start = i
            while i < b.count, let d = digit(b[i]) {
                // Anything past a few dozen places is no timestamp; stop before the digits get absurd.
                guard exponent < 100 else { return nil }
                exponent = exponent * 10 + d
                i += 1
            }
            guard i > start else { return nil }
            point += sign * exponent
        }
        guard i == b.count else { return nil }
        let leadingZeros = digits.prefix(while: { $0 == UInt8(ascii: "0") }).count
        digits.removeFirst(min(leadingZeros, max(point - 1, 0)))
        point -= min(leadingZeros, max(point - 1, 0))
        guard point > 0, point <= 20 else { return nil }
        if digits.count < point { digits += Array(repeating: UInt8(ascii: "0"), count: point - digits.count) }
        var whole = Array(digits[..<point])
        var fraction = Array(digits[point...])
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        if !fraction.isEmpty { whole += [UInt8(ascii: ".")] + fraction }
        return whole
    }

    private static func number(_ b: [UInt8]) -> Int64? {
        var i = 0
        var whole: Int64 = 0
        var digits = 0
        while i < b.count, let d = digit(b[i]) {
            guard digits < 16 else { return nil }
            whole = whole * 10 + Int64(d)
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        if i == b.count {
            return whole >= millisecondsThreshold ? whole : whole * 1000
        }
        // A fraction: seconds with a decimal part (milliseconds with a fraction are not a thing exports do).
        guard b[i] == UInt8(ascii: "."), whole < millisecondsThreshold else { return nil }
        i += 1
        var ms: Int64 = 0
        var scale: Int64 = 100
        var fractionDigits = 0
        while i < b.count, let d = digit(b[i]) {
            ms += Int64(d) * scale
            scale /= 10
            fractionDigits += 1
            i += 1
        }
        guard fractionDigits > 0, i == b.count else { return nil }
        return whole * 1000 + ms
    }

    private static func iso8601(_ b: [UInt8]) -> Int64? {
        var i = 0
        func fixed(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var v = 0
            for _ in 0..<count {
                guard let d = digit(b[i]) else { return nil }
                v = v * 10 + d
                i += 1
            }
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = fixed(4), expect("-"), let month = fixed(2), expect("-"), let day = fixed(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var seconds = Int64(ISOTime.daysSinceEpoch(year: year, month: month, day: day)) * 86_400
        var ms: Int64 = 0
        if i == b.count { return seconds * 1000 }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = fixed(2), hour < 24, expect(":"), let minute = fixed(2), minute < 60 else { return nil }
        var second = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            i += 1
            guard let s = fixed(2), s < 61 else { return nil }
            second = min(s, 59)
            if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                i += 1
                var scale: Int64 = 100
                var count = 0
                while i < b.count, let d = digit(b[i]) {
                    ms += Int64(d) * scale
                    scale /= 10
                    count += 1
                    i += 1
                }
                guard count > 0 else { return nil }
            }
        }
        seconds += Int64(hour * 3600 + minute * 60 + second)
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign: Int64 = b[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = fixed(2), oh <= 23 else { return nil }
                var om = 0
                if i < b.count {
                    _ = expect(":")
                    guard let m = fixed(2), m < 60 else { return nil }
                    om = m
                }
                seconds -= sign * Int64(oh * 3600 + om * 60)
            }
        }
        guard i == b.count else { return nil }
        return seconds * 1000 + ms
    }

    private static func digit(_ c: UInt8) -> Int? {
        c >= 48 && c <= 57 ? Int(c - 48) : nil
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
