import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import ParticipantAPI
import Testing

extension EndToEnd {
    /// `--dry-run`: every request built and signed as it would be sent, written as JSONL, nothing changed.
    @Suite struct DryRunTests {
        let workspace = Workspace()
        let credentials = SandboxCredentials.generated()

        var clientCredentials: Credentials {
            Credentials(apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, passphrase: credentials.passphrase)
        }

        func dryRun(_ configure: (inout RunConfiguration) -> Void = { _ in }) throws -> (lines: [String], jobs: [JobRow], before: [String], after: [String]) {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(25, into: db)
            var configuration = RunConfiguration()
            configuration.baseURL = "http://127.0.0.1:9"
            configure(&configuration)
            let before = try Ledger.dump(db)
            var lines: [String] = []
            let written = try DryRun.write(database: db, configuration: configuration, credentials: clientCredentials) {
                lines.append($0)
            }
            #expect(written == lines.count)
            return (lines, try Ledger.jobs(db), before, try Ledger.dump(db))
        }

        @Test func everyLineVerifiesAgainstItsBodyWithThePassphraseRedacted() throws {
            let (lines, jobs, before, after) = try dryRun()
            #expect(lines.count == 25)
            #expect(after == before)
            let signer = try RequestSigner(base64Secret: credentials.apiSecret)
            for (line, job) in zip(lines, jobs) {
                #expect(!line.contains(credentials.passphrase))
                #expect(!line.contains(credentials.apiSecret))
                #expect(!line.contains("\n"))
                let json = try JSONParser.parse(Array(line.utf8))
                let path = Profile.patchPath(participantCode: job.participantCode)
                #expect(json["method"] == .string("PATCH"))
                #expect(json["url"] == .string("http://127.0.0.1:9" + path))
                let headers = try #require(json["headers"])
                #expect(headers["X-SCX-API-KEY"] == .string(credentials.apiKey))
                #expect(headers["X-SCX-PASSPHRASE"] == .string("<redacted>"))
                #expect(headers["X-REQUEST-ID"] == .string(job.requestID))
                guard case .string(let body)? = json["body"], case .string(let timestamp)? = headers["X-SCX-TIMESTAMP"],
                      case .string(let signature)? = headers["X-SCX-SIGNED"] else {
                    Issue.record("line without body, timestamp or signature: \(line)")
                    continue
                }
                // The exact stored bytes, signed as they are: anyone holding the secret can check the line.
                #expect(Array(body.utf8) == job.body)
                #expect(signer.isValid(signature: signature, timestamp: timestamp, method: "PATCH", path: path, body: Array(body.utf8)))
                #expect(!signer.isValid(signature: signature, timestamp: timestamp, method: "PATCH", path: path, body: Array((body + " ").utf8)))
                let seconds = try #require(Int64(timestamp))
                #expect(abs(seconds - EpochClock.milliseconds() / 1000) <= 5)
            }
        }

        @Test func limitWritesOnlyTheFirstJobsAndTheNDAXProfileUsesItsHeaders() throws {
            let (lines, jobs, before, after) = try dryRun {
                $0.limit = 5
                $0.profile = .ndax
            }
            #expect(lines.count == 5)
            #expect(after == before)
            let signer = try RequestSigner(base64Secret: credentials.apiSecret)
            for (line, job) in zip(lines, jobs) {
                let json = try JSONParser.parse(Array(line.utf8))
                let headers = try #require(json["headers"])
                #expect(headers["X-NDAX-PASSPHRASE"] == .string("<redacted>"))
                #expect(headers["X-SCX-API-KEY"] == nil)
                guard case .string(let timestamp)? = headers["X-NDAX-TIMESTAMP"], case .string(let signature)? = headers["X-NDAX-SIGNED"] else {
                    Issue.record("no NDAX timestamp or signature: \(line)")
                    continue
                }
                #expect(signer.isValid(signature: signature, timestamp: timestamp, method: "PATCH",
                                       path: Profile.patchPath(participantCode: job.participantCode), body: job.body))
            }
        }
    }
}
