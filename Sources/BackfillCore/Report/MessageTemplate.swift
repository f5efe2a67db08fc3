import BackfillStore
import GRDB
import ParticipantAPI

/// A message with what differs from one participant to the next replaced by placeholders, so that the summary
/// counts a kind of message once: `Participant QX9Z01 is not a customer` ->
/// `Participant {participant_code} is not a customer`.
///
/// Replaced, word by word (words end at spaces, quotes, brackets and the punctuation that frames values):
/// - the participant's own code (any case): `{participant_code}`;
/// - a request_id (a UUID): `{request_id}`;
/// - anything shaped like an email (a word with `@`, except the API's own example address in "expected an email
///   like ..."): `{email}`;
/// - a number (digits, with an optional sign and decimal point: `42`, `-1.5`, `0.25`): `{n}`.
///   A word that only contains digits (`PLAT01`, `12345-6789`, `U+0001`) stays.
///
/// The value a row check quotes (`column 'zip': ..., got '1234'`) is replaced whole: `{email}` when it holds an
/// `@`, `{n}` when it is a number, `{value}` otherwise, so every participant with the same problem counts once.
enum MessageTemplate {
    static let participantCode = "{participant_code}"
    static let requestID = "{request_id}"
    static let email = "{email}"
    static let number = "{n}"
    static let value = "{value}"

    static func of(_ message: String, participantCode code: String?) -> String {
        guard !message.isEmpty else { return message }
        // Column names (`column 'Address Line 1': `) are kept as they are; the rest is read word by word.
        let text = ScalarText(quotedValues(message))
        var out = ""
        var rest = 0
        while let open = text.firstIndex(of: Redactor.columnOpen, from: rest),
              let close = text.firstIndex(of: Redactor.columnClose, from: open + Redactor.columnOpen.count) {
            let nameStart = open + Redactor.columnOpen.count
            out += words(text[rest..<nameStart], participantCode: code)
            out += text[nameStart..<(close + Redactor.columnClose.count)]
            rest = close + Redactor.columnClose.count
        }
        return out + words(text[rest..<text.count], participantCode: code)
    }

    private static let separators: Set<Character> = [" ", "\t", "\n", "\r", "'", "\"", ",", ";", "(", ")", "<", ">", "[", "]", "{", "}", "="]

    /// Every word of `message` replaced as described on the type.
    private static func words(_ message: String, participantCode code: String?) -> String {
        let own = code?.uppercased()
        var out = ""
        var word = ""
        let characters = Array(message)
        func flush() {
            defer { word = "" }
            guard !word.isEmpty else { return }
            // A word may end a sentence or a label: "AB12CD." or "AB12CD:".
            var core = Substring(word)
            var tail = ""
            while let last = core.last, last == "." || last == ":" || last == "!" || last == "?" {
                tail = String(last) + tail
                core = core.dropLast()
            }
            if core.contains("@") {
                out += (core == FieldRules.emailFormat ? String(core) : email) + tail
            } else if isUUID(core) {
                out += requestID + tail
            } else if let own, !core.isEmpty, core.uppercased() == own {
                out += participantCode + tail
            } else if isNumber(core) {
                out += number + tail
            } else {
                out += word
            }
        }
        var i = 0
        while i < characters.count {
            let ch = characters[i]
            if ch == "{", let close = characters[i...].firstIndex(of: "}"), close - i <= 20, close > i + 1,
               characters[(i + 1)..<close].allSatisfy({ $0.isLetter || $0 == "_" }) {
                // A placeholder already in the text (`{value}` from the quoted-value pass) stays as it is.
                flush()
                out += String(characters[i...close])
                i = close + 1
                continue
            }
            if separators.contains(ch) {
                flush()
                out.append(ch)
            } else {
                word.append(ch)
            }
            i += 1
        }
        flush()
        return out
    }

    /// `42`, `-7`, `+3`, `1.5`, `0.25`: digits with an optional sign and at most one decimal point.
    static func isNumber(_ text: Substring) -> Bool {
        var body = text
        if let first = body.first, first == "-" || first == "+" { body = body.dropFirst() }
        guard let first = body.first, first.isASCIIDigit, body.last?.isASCIIDigit == true else { return false }
        var seenPoint = false
        for ch in body {
            if ch == "." && !seenPoint { seenPoint = true } else if !ch.isASCIIDigit { return false }
        }
        return true
    }

    /// A row check's `got 'VALUE'` (the value ends at a quote followed by the end of the text, `; ` or ` | `, as
    /// `Redactor` reads it) with VALUE replaced by its placeholder.
    static func quotedValues(_ text: String) -> String {
        let t = ScalarText(text)
        guard t.firstIndex(of: Redactor.gotOpen, from: 0) != nil else { return text }
        var out = ""
        var rest = 0
        while let got = t.firstIndex(of: Redactor.gotOpen, from: rest) {
            let valueStart = got + Redactor.gotOpen.count
            out += t[rest..<valueStart]
            rest = valueStart
            guard let valueEnd = Redactor.endOfQuotedValue(t, from: valueStart) else { continue }
            let quoted = t[valueStart..<valueEnd]
            out += quoted.contains("@") ? email : isNumber(Substring(quoted.trimmingSpaces)) ? number : quoted.isEmpty ? "" : value
            rest = valueEnd
        }
        return out + t[rest..<t.count]
    }

    /// 8-4-4-4-12 hexadecimal digits.
    static func isUUID(_ text: Substring) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return false }
        for (i, b) in utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if b != UInt8(ascii: "-") { return false }
            } else if !(b >= 0x30 && b <= 0x39) && !((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) {
                return false
            }
        }
        return true
    }

    /// `backfill_message_template(message, participant_code)` for the summary's grouped query.
    static let sqlFunction = DatabaseFunction("backfill_message_template", argumentCount: 2, pure: true) { values in
        guard let message = String.fromDatabaseValue(values[0]) else { return nil }
        return MessageTemplate.of(message, participantCode: String.fromDatabaseValue(values[1]))
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

private extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
