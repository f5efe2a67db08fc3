import BackfillStore
import Foundation
import ParticipantAPI

/// Reads the API's message out of a response body, whichever shape it came in:
/// `{"errors": ["..."]}`, `{"error": true, "message": "..."}`, `{"error": "..."}`, or `{"message": "..."}`.
///
/// Answers from in front of the API are read too: Cloudflare answers a blocked IP with 403 and an HTML page
/// (or `error code: 1020` as text), and a failing origin with an HTML 5xx page. Such a page is kept as a short
/// excerpt (its title, and its error code), not whole.
public enum APIErrorMessage {
    /// The longest excerpt kept of an HTML page, in bytes.
    public static let excerptLimit = 200

    /// The message, or the body's text (trimmed, at most 500 bytes) when it is not one of the shapes; an HTML
    /// page's excerpt.
    public static func extract(from body: [UInt8]) -> String? {
        guard !body.isEmpty else { return nil }
        if let value = try? JSONParser.parse(body) {
            if case .array(let items)? = value["errors"] {
                let texts = items.compactMap { item -> String? in
                    if case .string(let s) = item { return s }
                    return item.jsonText
                }
                if !texts.isEmpty { return texts.joined(separator: "; ") }
            }
            if case .string(let s)? = value["message"] { return s }
            if case .string(let s)? = value["error"] { return s }
        }
        if isHTML(body) { return excerpt(ofHTML: body) }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Whether the body is the API's JSON: an object with `errors`, `message` or `error`. An empty body, an HTML
    /// page, plain text or other JSON is not: it came from something in front of the API.
    public static func isAPIAnswer(_ body: [UInt8]) -> Bool {
        guard let value = try? JSONParser.parse(body) else { return false }
        return value["errors"] != nil || value["message"] != nil || value["error"] != nil
    }

    /// What the ledger keeps of a body: an HTML page becomes its excerpt; anything else is kept as it came.
    public static func kept(_ body: [UInt8]) -> [UInt8] {
        guard isHTML(body) else { return body }
        return Array((excerpt(ofHTML: body) ?? "").utf8)
    }

    // MARK: - HTML

    /// A body that starts (after white space) with `<`: a page, not the API's JSON or text.
    static func isHTML(_ body: [UInt8]) -> Bool {
        body.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) } == UInt8(ascii: "<")
    }

    /// The page's title (else its first visible text), with the page's error code when the title lacks it,
    /// white space collapsed, at most `excerptLimit` bytes: `Access denied | api.cert.zerohash.com used
    /// Cloudflare to restrict access (error code 1020)`.
    static func excerpt(ofHTML body: [UInt8]) -> String? {
        let page = String(decoding: body, as: UTF8.self)
        let title = element("title", in: page).map(visibleText) ?? ""
        var text = title.isEmpty ? visibleText(page) : title
        if let code = errorCode(in: page), !text.contains(code) {
            text += text.isEmpty ? "error code \(code)" : " (error code \(code))"
        }
        var capped = ""
        for character in text {
            if capped.utf8.count + character.utf8.count > excerptLimit { break }
            capped.append(character)
        }
        return capped.isEmpty ? nil : capped
    }

    /// The inner text of the first `<name ...>...</name>`, case-insensitive.
    private static func element(_ name: String, in page: String) -> String? {
        guard let open = page.range(of: "<\(name)", options: .caseInsensitive),
              let openEnd = page[open.upperBound...].firstIndex(of: ">"),
              let close = page.range(of: "</\(name)", options: .caseInsensitive, range: openEnd..<page.endIndex)
        else { return nil }
        return String(page[page.index(after: openEnd)..<close.lowerBound])
    }

    /// Cloudflare's code as its pages print it: `error code: 1020`, `Error code 502`, `cf-error-code">1020`.
    private static func errorCode(in page: String) -> String? {
        for marker in ["error code:", "error code", "cf-error-code\">"] {
            var rest = page[...]
            while let found = rest.range(of: marker, options: .caseInsensitive) {
                let digits = rest[found.upperBound...].drop { $0 == " " }.prefix { $0.isASCII && $0.isNumber }
                if digits.count >= 3 && digits.count <= 4 { return String(digits) }
                rest = rest[found.upperBound...]
            }
        }
        return nil
    }

    /// The text a browser would show: no tags, scripts, styles or comments; common entities decoded;
    /// white space collapsed.
    private static func visibleText(_ html: String) -> String {
        var text = html
        for (start, end) in [("<!--", "-->"), ("<script", "</script>"), ("<style", "</style>")] {
            while let open = text.range(of: start, options: .caseInsensitive) {
                let close = text.range(of: end, options: .caseInsensitive, range: open.upperBound..<text.endIndex)
                text.removeSubrange(open.lowerBound..<(close?.upperBound ?? text.endIndex))
            }
        }
        var out = ""
        var inTag = false
        for character in text {
            switch character {
            case "<": inTag = true; out.append(" ")
            case ">" where inTag: inTag = false
            default: if !inTag { out.append(character) }
            }
        }
        for (entity, character) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"),
                                    ("&#x27;", "'"), ("&middot;", "·"), ("&bull;", "•"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: character)
        }
        return out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
