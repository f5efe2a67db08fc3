import BackfillStore
import Foundation
import ParticipantAPI

/// The API key, secret and passphrase. `description` never shows the secret or the passphrase.
public struct Credentials: Sendable, CustomStringConvertible {
    public var apiKey: String
    public var apiSecret: String
    public var passphrase: String

    public static let keyVariable = "BACKFILL_API_KEY"
    public static let secretVariable = "BACKFILL_API_SECRET"
    public static let passphraseVariable = "BACKFILL_API_PASSPHRASE"

    public init(apiKey: String, apiSecret: String, passphrase: String) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.passphrase = passphrase
    }

    public var description: String { "Credentials(apiKey: \(apiKey), apiSecret: <redacted>, passphrase: <redacted>)" }

    /// From `--credentials FILE` when given, else from the environment. Checks the secret is Base64
    /// before anything is sent, so a bad secret is a clear error rather than a wall of 401s.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credentials {
        var values: [String: String]
        var origin: String
        if let file {
            values = try readFile(file)
            origin = file
        } else {
            values = environment
            origin = "the environment"
        }
        func value(_ name: String) throws -> String {
            guard let v = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else {
                throw BackfillError("credentials_missing", "\(name) is not set in \(origin)")
            }
            return v
        }
        let credentials = Credentials(apiKey: try value(keyVariable), apiSecret: try value(secretVariable),
                                      passphrase: try value(passphraseVariable))
        do {
            _ = try RequestSigner(base64Secret: credentials.apiSecret)
        } catch {
            throw BackfillError("credentials_invalid", "\(secretVariable) from \(origin): \(error.description)")
        }
        return credentials
    }

    /// Lines `NAME=value` (blank lines and `#` comments skipped). Refused if group or others can read it.
    public static func readFile(_ path: String) throws -> [String: String] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw BackfillError("credentials_unreadable", "\(path): cannot read the credentials file: \(String(cString: strerror(errno)))")
        }
        if st.st_mode & 0o077 != 0 {
            throw BackfillError("credentials_exposed",
                                "\(path): the credentials file can be read by group or others (mode \(String(st.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BackfillError("credentials_unreadable", "\(path): cannot read the credentials file as UTF-8 text")
        }
        var values: [String: String] = [:]
        // Lines end at LF, CRLF or CR: "\r\n" is one `Character`, which a split on "\n" would not see.
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw BackfillError("credentials_malformed", "\(path):\(n + 1): expected NAME=value")
            }
            var name = String(trimmed[..<eq]).trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("export ") { name = String(name.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            var value = String(trimmed[trimmed.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            values[name] = value
        }
        return values
    }
}
