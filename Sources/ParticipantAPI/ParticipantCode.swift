/// The API's participant codes: 6 upper-case ASCII letters or digits (`^[A-Z0-9]{6}$`).
public enum ParticipantCode {
    /// A code as given on a command line or in a cell: trimmed (ASCII white space), with ASCII letters upper-cased;
    /// nil when empty. Only ASCII is mapped: `uppercased()` would turn `ſ` into `S` or `ﬀ` into `FF`, and accept
    /// as a code what the API would not.
    public static func normalize(_ value: String) -> String? {
        let bytes = value.utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return nil }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        return String(decoding: bytes[first...last].map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// Whether a normalized code has the API's shape, byte by byte.
    public static func isWellFormed(_ code: String) -> Bool {
        let u = code.utf8
        return u.count == 6 && u.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
    }
}
