import GRDB
import ParticipantAPI

/// A message with what differs from one participant to the next replaced by placeholders, so that the summary
/// counts a kind of message once: `Participant QX9Z01 is not a customer` ->
/// `Participant {participant_code} is not a customer`.
///
/// Replaced: the participant's own code (any case), a request_id (a UUID), and anything shaped like an email
/// (a word with `@`, except the API's own example address in "expected an email like ...").
enum MessageTemplate {
    static let participantCode = "{participant_code}"
    static let requestID = "{request_id}"
    static let email = "{email}"

    static func of(_ message: String, participantCode code: String?) -> String {
        guard !message.isEmpty else { return message }
        let separators: Set<Character> = [" ", "\t", "\n", "\r", "'", "\"", ",", ";", "(", ")", "<", ">", "[", "]", "{", "}", "="]
        let own = code?.uppercased()
        var out = ""
        var word = ""
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
            } else {
                out += word
            }
        }
        for ch in message {
            if separators.contains(ch) { flush(); out.append(ch) } else { word.append(ch) }
        }
        flush()
        return out
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
