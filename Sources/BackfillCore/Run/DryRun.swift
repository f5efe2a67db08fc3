import BackfillStore
import Foundation
import GRDB
import ParticipantAPI

/// `backfill run --dry-run`: builds and signs every sendable request and writes it as one JSON line
/// (method, URL, headers, body), touching no state. The passphrase is redacted; the key and signature stay,
/// so anyone holding the secret can check a line.
public enum DryRun {
    /// Returns how many requests were written.
    public static func write(database: DatabaseQueue, configuration: RunConfiguration, credentials: Credentials,
                             to sink: (String) -> Void) throws -> Int {
        let signer = try RequestSigner(base64Secret: credentials.apiSecret)
        let profile = configuration.profile
        let base = configuration.resolvedBaseURL
        var count = 0
        try database.read { db in
            // A documented host of another contract would refuse every body: say so, as a run would.
            let bodies = try ContractSetting.stored(db)
            if let spoken = configuration.target.documentedContract {
                try Runner.refuse(spoken, origin: "its documented contract", bodies: bodies, configuration)
            }
            let scope = try TargetScope.resolve(db, target: configuration.target)
            try scope.forEachUnsent(db) { job in
                if let limit = configuration.limit, count >= limit { return false }
                let (code, requestID, body, step) = (job.participantCode, job.requestID, job.body, job.step)
                let path = Profile.patchPath(participantCode: code)
                let timestamp = String(EpochClock.milliseconds() / 1000)
                let signature = signer.signature(timestamp: timestamp, method: "PATCH", path: path, body: body)
                let line: JSONValue = .object([
                    ("method", .string("PATCH")),
                    ("url", .string(base + path)),
                    ("headers", .object([
                        ("Content-Type", .string("application/json")),
                        (profile.apiKeyHeader, .string(credentials.apiKey)),
                        (profile.passphraseHeader, .string("<redacted>")),
                        (profile.timestampHeader, .string(timestamp)),
                        (profile.signatureHeader, .string(signature)),
                        (Profile.requestIDHeader, .string(requestID)),
                    ])),
                    ("body", .string(String(decoding: body, as: UTF8.self))),
                ] + (step > 0 ? [(key: "step", value: JSONValue.number(String(step)))] : []))
                sink(line.jsonText)
                count += 1
                return true
            }
        }
        return count
    }
}
