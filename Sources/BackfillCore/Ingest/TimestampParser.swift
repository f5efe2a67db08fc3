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
