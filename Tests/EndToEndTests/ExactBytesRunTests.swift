import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

extension EndToEnd {
    /// The built binary on exact bytes: a database the previous release made from an NFD export (its jobs hold
    /// decomposed bodies) comes out NFC on the next ingest of the same file, and `--rate unlimited` is refused for a
    /// host that merely looks local, before anything is sent.
    @Suite struct ExactBytesRunTests {
        let workspace = Workspace()
        private let counter = Counter()

        static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/schema-0008-nfd").path
        static let sandboxTarget = "http://127.0.0.1:18123"

        struct Result {
            var status: Int32
            var stdout: String
            var stderr: String
        }

        func backfill(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
            let process = try BuiltBinary(arguments, environment: environment, outputIn: workspace.path, name: "backfill-\(counter.next())")
            defer { process.killIfRunning() }
            let exit = try await process.waitForExit(timeout: .seconds(60))
            #expect(exit.reason == .exit)
            return Result(status: exit.status,
                          stdout: (try? String(contentsOfFile: process.stdoutPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? "")
        }

        struct Job: Equatable {
            var code: String
            var step: Int64
            var requestID: String
            var body: [UInt8]
        }

        func currentJobs(_ path: String) throws -> [Job] {
            try Ledger.peek(path) { db in
                try Row.fetchAll(db, sql: """
                    SELECT participant_code, step, request_id, body FROM job WHERE is_current = 1 ORDER BY participant_code, step
                    """).map { Job(code: $0[0], step: $0[1], requestID: $0[2], body: [UInt8]($0[3] as Data)) }
            }
        }

        static func isNFC(_ body: [UInt8]) -> Bool {
            Array(String(decoding: body, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8) == body
        }

        @Test(arguments: ["latest", "history"])
        func theNextIngestOfTheSameFileFoldsThePreviousReleasesNfdJobsAgainInNfc(mode: String) async throws {
            let db = workspace.file("\(mode).sqlite")
            try FileManager.default.copyItem(atPath: Self.fixtures + "/\(mode).sqlite", toPath: db)
            let before = try currentJobs(db)
            let decomposed = Set(before.filter { !Self.isNFC($0.body) }.map(\.code))
            #expect(decomposed == ["AAA001", "AAA004", "AAA005"])

            let ingest = try await backfill(["ingest", Self.fixtures + "/nfd.csv", "--db", db])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let unit = mode == "latest" ? "jobs" : "steps"
            let changed = mode == "latest" ? 3 : 4
            #expect(ingest.stdout.contains("folded again 4 participants whose rows an earlier release stored without their NFC values: \(changed) new \(unit) (NFC bodies, new request_ids), 1 unchanged"),
                    "\(ingest.stdout)")
            // The file itself was ingested before: nothing else changed.
            #expect(ingest.stdout.contains("same content as"), "\(ingest.stdout)")

            let after = try currentJobs(db)
            #expect(after.allSatisfy { Self.isNFC($0.body) })
            // Exactly what this release makes of the file in a fresh database, byte for byte.
            let fresh = workspace.file("fresh-\(mode).sqlite")
            let made = try await backfill(["ingest", "--mode", mode, "--contract", "ndax", Self.fixtures + "/nfd.csv", "--db", fresh])
            #expect(made.status == 0, "\(made.stderr)")
            #expect(after == (try currentJobs(fresh)))
            // New request_ids where the bytes changed; the others kept theirs.
            for job in after {
                let old = try #require(before.first { $0.code == job.code && $0.step == job.step })
                #expect((job.requestID != old.requestID) == decomposed.contains(job.code), "\(job.code)")
            }

            if mode == "latest" {
                // On the sandbox the old release sent every job to, the three new jobs are pending; the others stay
                // succeeded.
                let status = try await backfill(["status", "--json", "--base-url", Self.sandboxTarget, "--db", db])
                let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
                let jobs = try #require(json["jobs"] as? [String: Int])
                #expect(jobs["pending"] == 3 && jobs["succeeded"] == 2, "\(status.stdout)")
            }
            // Once is enough: the next ingest has nothing to fold again.
            let again = try await backfill(["ingest", Self.fixtures + "/nfd.csv", "--db", db])
            #expect(!again.stdout.contains("folded again"), "\(again.stdout)")
            #expect(try currentJobs(db) == after)
        }

        @Test func unlimitedRateForAHostThatOnlyLooksLocalIsRefusedBeforeAnything() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(2, into: db)
            try db.close()
            let before = FileManager.default.contents(atPath: workspace.databasePath)
            // No credentials in the environment either: the command line is what is wrong, and it is said first.
            let result = try await backfill(["run", "--rate", "unlimited", "--base-url", "http://127.example.com:9/",
                                             "--db", workspace.databasePath],
                                            environment: ["BACKFILL_API_KEY": "", "BACKFILL_API_SECRET": "", "BACKFILL_API_PASSPHRASE": ""])
            #expect(result.status == 1 || result.status == 64)
            #expect(result.stderr.contains("--rate unlimited is for a local sandbox only"), "\(result.stderr)")
            #expect(FileManager.default.contents(atPath: workspace.databasePath) == before)
            let runs = try Ledger.peek(workspace.databasePath) { try Int.fetchOne($0, sql: "SELECT count(*) FROM run") ?? 0 }
            #expect(runs == 0)
        }
    }
}
