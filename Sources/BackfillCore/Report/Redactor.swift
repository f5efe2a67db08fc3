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
    static func endOfQuotedValue(_ rest: Substring, from start: String.Index) -> String.Index? {
        var end = start
        while let q = rest[end...].firstIndex(of: "'") {
            let after = rest.index(after: q)
            if after == rest.endIndex || rest[after...].hasPrefix("; ") || rest[after...].hasPrefix(" | ") { return q }
            end = after
        }
        return nil
    }

    /// Fields whose values are masked or reduced to initials; the others (city, state, zip, country,
    /// id_number_type) are shown.
    public static let maskedFields: Set<Field> = [.email, .idNumber, .addressOne, .addressTwo]
    public static let initialledFields: Set<Field> = [.firstName, .lastName]

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
    /// and anything shaped like an email masked.
    public static func scrub(_ text: String, values: [(Field, String)]) -> String {
        var out = text
        // Longest first, so a value containing another is masked whole.
        let sorted = values.filter { isSensitive($0.0) && $0.1.count >= 2 }.sorted { $0.1.count > $1.1.count }
        for (field, value) in sorted where out.range(of: value, options: .caseInsensitive) != nil {
            out = initialledFields.contains(field)
                ? replacingWords(value, with: redact(field, value), in: out)
                : out.replacingOccurrences(of: value, with: redact(field, value), options: .caseInsensitive)
        }
        out = maskQuotedValues(out)
        return maskEmails(out)
    }

    /// `text` with `word` (case-insensitively) replaced where it stands as a word: a name is masked in
    /// "Ann Lee" but "Cannot" keeps its letters.
    static func replacingWords(_ word: String, with replacement: String, in text: String) -> String {
        guard !word.isEmpty else { return text }
        func isWordCharacter(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber } ?? false }
        var out = ""
        var position = text.startIndex
        while let found = text.range(of: word, options: .caseInsensitive, range: position..<text.endIndex) {
            let before = found.lowerBound > text.startIndex ? text[text.index(before: found.lowerBound)] : nil
            let after = found.upperBound < text.endIndex ? text[found.upperBound] : nil
            out += text[position..<found.lowerBound]
            out += isWordCharacter(before) || isWordCharacter(after) ? String(text[found]) : replacement
            position = found.upperBound
        }
        return out + text[position...]
    }

    /// Row-check messages read `column 'NAME': ... got 'VALUE'` (problems joined by `; `): masks VALUE when
    /// NAME maps to a sensitive field.
    static func maskQuotedValues(_ text: String) -> String {
        guard text.contains("column '") else { return text }
        let resolver = try! ColumnResolver()
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "column '") {
            out += rest[..<open.upperBound]
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "': ") else { break }
            let column = String(rest[..<close.lowerBound])
            out += rest[..<close.upperBound]
            rest = rest[close.upperBound...]
            let nextColumn = rest.range(of: "column '")?.lowerBound ?? rest.endIndex
            guard let got = rest[..<nextColumn].range(of: "got '") else { continue }
            guard let valueEnd = Redactor.endOfQuotedValue(rest, from: got.upperBound) else { continue }
            out += rest[..<got.upperBound]
            let value = String(rest[got.upperBound..<valueEnd])
            if case .field(let field) = resolver.resolve(column), isSensitive(field) {
                out += redact(field, value.trimmingCharacters(in: .whitespaces))
            } else {
                out += value
            }
            rest = rest[valueEnd...]
        }
        return out + rest
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
