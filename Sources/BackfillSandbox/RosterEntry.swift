import Foundation
import ParticipantAPI

/// One participant the sandbox knows before any update: its code, whether the platform may update it,
/// and its current record.
///
/// A roster file is JSONL, one participant per line:
/// ```
/// {"participant_code": "ABC123", "customer": true, "first_name": "Ana", "last_name": "Lima", "email": "ana@example.com"}
/// {"participant_code": "XYZ456", "customer": false}
/// ```
/// Updatable fields must be strings; any other key (`date_of_birth`, `risk_rating`...) is kept as is and shown in responses.
/// Which keys are updatable fields is the contract's: under `zerohash` (read with `contract: .zerohash`) they are
/// the Standard variant's (`jurisdiction_code`, an alpha-3 `country`, `zip` or `postal_code`, `date_of_birth`...),
/// and `state` or `id_number` are other members.
public struct RosterEntry: Sendable {
    /// The participant's code, used as is.
    public var participantCode: String
    /// False for a participant this endpoint may not update ("is not a customer").
    public var isCustomer: Bool
    /// The participant's current updatable fields.
    public var fields: [Field: String]
    /// Other members of the record, in file order, shown in responses but never updated.
    public var otherMembers: [(key: String, value: JSONValue)]
    /// The record's `platform_updated_at` as JSON number text, if the file gives one.
    public var platformUpdatedAt: String?

    public init(
        participantCode: String,
        isCustomer: Bool = true,
        fields: [Field: String] = [:],
        otherMembers: [(key: String, value: JSONValue)] = [],
        platformUpdatedAt: String? = nil
    ) {
        self.participantCode = participantCode
        self.isCustomer = isCustomer
        self.fields = fields
        self.otherMembers = otherMembers
        self.platformUpdatedAt = platformUpdatedAt
    }

    /// Reads a JSONL roster whose fields are `contract`'s. Blank lines are skipped; errors name the file and line.
    public static func loadRoster(path: String, contract: Contract = .ndax) throws(RosterError) -> [RosterEntry] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RosterError(path: path, line: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parseRoster(Array(data), path: path, contract: contract)
    }

    /// Parses JSONL roster text whose fields are `contract`'s; `path` only names the source in errors.
    public static func parseRoster(_ bytes: [UInt8], path: String, contract: Contract = .ndax) throws(RosterError) -> [RosterEntry] {
        var entries: [RosterEntry] = []
        var seen: Set<String> = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            func fail(_ message: String) -> RosterError { RosterError(path: path, line: lineNumber, message: message) }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            let value: JSONValue
            do {
                value = try JSONParser.parse(line)
            } catch {
                throw fail("not valid JSON: \(error.description)")
            }
            let entry = try entry(from: value, contract: contract, fail: fail)
            guard seen.insert(entry.participantCode).inserted else {
                throw fail("participant \(entry.participantCode) is listed twice")
            }
            entries.append(entry)
        }
        return entries
    }

    /// The roster keys that are updatable fields under `contract`: its body keys (`postal_code` is `.zip` too).
    static func fieldKeys(_ contract: Contract) -> [String: Field] {
        switch contract {
        case .ndax: ndaxFieldKeys
        case .zerohash: PatchSubmission.zerohashKeys
        }
    }

    private static let ndaxFieldKeys = Dictionary(uniqueKeysWithValues: Contract.ndax.fields.map { ($0.name, $0) })

    private static func entry(
        from value: JSONValue, contract: Contract, fail: (String) -> RosterError
    ) throws(RosterError) -> RosterEntry {
        let fieldKeys = fieldKeys(contract)
        guard case .object(let members) = value else { throw fail("expected a JSON object, got \(value.kindDescription)") }
        var entry = RosterEntry(participantCode: "")
        var code: String?
        for (key, member) in members {
            switch key {
            case WireKey.participantCode:
                guard case .string(let s) = member, !s.isEmpty else {
                    throw fail("'participant_code' must be a non-empty string, got \(member.kindDescription)")
                }
                code = s
            case "customer":
                guard case .bool(let b) = member else { throw fail("'customer' must be true or false, got \(member.kindDescription)") }
                entry.isCustomer = b
            case WireKey.platformUpdatedAt:
                guard case .number(let n) = member else {
                    throw fail("'platform_updated_at' must be a number, got \(member.kindDescription)")
                }
                entry.platformUpdatedAt = n
            default:
                if let field = fieldKeys[key] {
                    guard case .string(let s) = member else { throw fail("'\(key)' must be a string, got \(member.kindDescription)") }
                    entry.fields[field] = s
                } else if key != "platform_code" {
                    entry.otherMembers.append((key, member))
                }
            }
        }
        guard let code else { throw fail("'participant_code' is missing") }
        entry.participantCode = code
        return entry
    }
}

/// A roster file that cannot be used: `roster.jsonl:3: 'customer' must be true or false, got a string`.
public struct RosterError: Error, Sendable, CustomStringConvertible {
    /// Stable code for the kind of error.
    public let code = "invalid_roster"
    public let path: String
    /// 1-based line number, nil when the whole file is at fault.
    public let line: Int?
    public let message: String

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
