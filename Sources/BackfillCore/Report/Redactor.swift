import BackfillStore
import Foundation
import ParticipantAPI

/// `--redact`: what a report may show of personal data.
///
/// - `email`, `id_number`, `address_one`, `address_two`: masked, keeping the last 4 characters but never more
///   than half of the value; values of 4 characters or fewer become `****`.
///   `alice.nguyen@example.com` -> `********************.com`.
/// - `first_name`, `last_name`: initials. `Mary Ann` -> `M. A.`
/// - Free text (messages, hold reasons): every known value of the participant is replaced by its masked form
///   wherever it appears (case-insensitively), a value quoted by a row check (`column 'E-mail': ... got '...'`)
///   is masked when its column maps to one of the fields above, and anything shaped like an email is masked.
public struct Redactor: Sendable {
    /// Where a row check's quoted value (`got 'VALUE'`) ends, reading from `start` (just after the opening
    /// quote): at the quote followed by the end of the text, `; ` (between problems) or ` | ` (between reasons).
    static func endOfQuotedValue(_ text: ScalarText, from start: Int) -> Int? {
        var i = start
        while let q = text.firstIndex(of: quote, from: i) {
            if q + 1 == text.count || text.hasPrefix(problemSeparator, at: q + 1) || text.hasPrefix(reasonSeparator, at: q + 1) {
                return q
            }
            i = q + 1
        }
        return nil
    }

    private static let quote = "'".scalarArray
    private static let problemSeparator = "; ".scalarArray
    private static let reasonSeparator = " | ".scalarArray
    static let columnOpen = "column '".scalarArray
    static let columnClose = "': ".scalarArray
    static let gotOpen = "got '".scalarArray

    /// Fields whose values are masked or reduced to initials; the others (city, state, zip, country,
    /// id_number_type) are shown.
    public static let maskedFields: Set<Field> = [.email, .idNumber, .addressOne, .addressTwo, .dateOfBirth, .phoneNumber]
    public static let initialledFields: Set<Field> = [.firstName, .lastName, .middleName, .formerName]

    public static func isSensitive(_ field: Field) -> Bool {
        maskedFields.contains(field) || initialledFields.contains(field)
    }

    /// The redacted form of a field's value; non-sensitive fields unchanged.
    public static func redact(_ field: Field, _ value: String) -> String {
        if maskedFields.contains(field) { return mask(value) }
        if initialledFields.contains(field) { return initials(value) }
        return value
    }

    /// `****` for 4 characters or fewer; otherwise asterisks and the last min(4, half) characters.
    public static func mask(_ value: String) -> String {
        let n = value.count
        if n == 0 { return "" }
        if n <= 4 { return "****" }
        let keep = min(4, n / 2)
        return String(repeating: "*", count: n - keep) + value.suffix(keep)
    }

    /// The first letter of each word, with a dot: `Nguyen` -> `N.`, `Mary Ann` -> `M. A.`
    public static func initials(_ name: String) -> String {
        name.split(whereSeparator: \.isWhitespace).compactMap { $0.first.map { "\(String($0).uppercased())." } }
            .joined(separator: " ")
    }

    /// `text` with every occurrence of `values` masked, row-check quotes of sensitive columns masked,
    /// and anything shaped like an email masked. Values are found in NFC, scalar by scalar, without case
    /// (`ScalarText.replacing`).
    public static func scrub(_ text: String, values: [(Field, String)]) -> String {
        var out = text
        // Longest first, so a value containing another is masked whole.
        let sorted = values.filter { isSensitive($0.0) && $0.1.unicodeScalars.count >= 2 }
            .sorted { $0.1.unicodeScalars.count > $1.1.unicodeScalars.count }
        for (field, value) in sorted {
            out = ScalarText.replacing(value, with: redact(field, value), in: out, wordsOnly: initialledFields.contains(field))
        }
        out = maskQuotedValues(out)
        return maskEmails(out)
    }

    /// `text` with `word` (case-insensitively) replaced where it stands as a word: a name is masked in
    /// "Ann Lee" but "Cannot" keeps its letters.
    static func replacingWords(_ word: String, with replacement: String, in text: String) -> String {
        ScalarText.replacing(word, with: replacement, in: text, wordsOnly: true)
    }

    /// Row-check messages read `column 'NAME': ... got 'VALUE'` (problems joined by `; `): masks VALUE when
    /// NAME maps to a sensitive field. Read scalar by scalar (`ScalarText`).
    static func maskQuotedValues(_ text: String) -> String {
        let t = ScalarText(text)
        guard t.firstIndex(of: columnOpen, from: 0) != nil else { return text }
        // Zero Hash's contract reads the most fields: a column of either contract resolves to its field.
        let resolver = try! ColumnResolver(contract: .zerohash)
        var out = ""
        var rest = 0
        while let open = t.firstIndex(of: columnOpen, from: rest) {
            let nameStart = open + columnOpen.count
            out += t[rest..<nameStart]
            rest = nameStart
            guard let close = t.firstIndex(of: columnClose, from: rest) else { break }
            let column = t[rest..<close]
            out += t[rest..<(close + columnClose.count)]
            rest = close + columnClose.count
            let nextColumn = t.firstIndex(of: columnOpen, from: rest) ?? t.count
            guard let got = t.firstIndex(of: gotOpen, from: rest, to: nextColumn) else { continue }
            let valueStart = got + gotOpen.count
            guard let valueEnd = Redactor.endOfQuotedValue(t, from: valueStart) else { continue }
            out += t[rest..<valueStart]
            let value = t[valueStart..<valueEnd]
            if case .field(let field) = resolver.resolve(column), isSensitive(field) {
                out += redact(field, value.trimmingCharacters(in: .whitespaces))
            } else {
                out += value
            }
            rest = valueEnd
        }
        return out + t[rest..<t.count]
    }

    /// Masks every run of characters containing `@` between spaces, quotes and punctuation that frame values.
    static func maskEmails(_ text: String) -> String {
        guard text.contains("@") else { return text }
        let separators: Set<Character> = [" ", "\t", "\n", "\r", "'", "\"", ",", ";", "(", ")", "<", ">", "[", "]", "{", "}"]
        var out = ""
        var word = ""
        func flush() {
            // The example in the API's own wording ("expected an email like name@example.com") is no one's.
            out += word.contains("@") && word != FieldRules.emailFormat ? mask(word) : word
            word = ""
        }
        for ch in text {
            if separators.contains(ch) { flush(); out.append(ch) } else { word.append(ch) }
        }
        flush()
        return out
    }
}
