import Foundation
import ParticipantAPI

/// Reads the API's message out of a response body, whichever shape it came in:
/// `{"errors": ["..."]}`, `{"error": true, "message": "..."}`, `{"error": "..."}`, or `{"message": "..."}`.
public enum APIErrorMessage {
    /// The message, or the body's text (trimmed, at most 500 bytes) when it is not one of the shapes.
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
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
