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
    /// Databases the previous release made (schema 0006: eleven normalized columns per input row, in
    /// `Fixtures/schema-0006`, with what that release printed about them) open, upgrade to the compact row
    /// layout (`0007_compact_rows`) and report exactly as before; and a `--map`-mapped column goes through the
    /// failures report under its field's name and comes back through ingest.
    @Suite struct LegacyDatabaseTests {
        let workspace = Workspace()
        private let counter = Counter()

        static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/schema-0006").path

        /// The mappings the fixture's `mapped.csv` was ingested with.
        static let mappings = [
            "Given=first_name", "Surname=last_name", "Street=address_one", "Unit=address_two", "Town=city",
            "Region=state", "Nation=country", "Mail=email", "Doc Type=id_number_type", "Doc Number=id_number",
            "Code=participant_code", "When=platform_updated_at",
        ].flatMap { ["--map", $0] }

        struct Result {
            var status: Int32
            var stdout: String
            var stderr: String
        }

        func backfill(_ arguments: [String]) async throws -> Result {
            let process = try BuiltBinary(arguments, environment: [:], outputIn: workspace.path, name: "backfill-\(counter.next())")
            defer { process.killIfRunning() }
            let exit = try await process.waitForExit(timeout: .seconds(60))
            #expect(exit.reason == .exit)
            return Result(status: exit.status,
                          stdout: (try? String(contentsOfFile: process.stdoutPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? "")
        }

        func expected(_ name: String) throws -> String {
            try String(contentsOfFile: Self.fixtures + "/" + name, encoding: .utf8)
        }

        /// What the previous release printed, with the one addition this release makes on purpose: the contract
        /// the database is made for (`ndax`: what the old release's bodies are), a line under the first of the text
        /// reports and a `contract` member first in `status --json`.
        func expectedNow(_ name: String) throws -> String {
            let old = try expected(name)
            if name.hasSuffix(".json") {
                return "{\"contract\":\"ndax\"," + old.dropFirst()
            }
            var lines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.insert("contract: ndax (\(Contract.ndax.summary))", at: 1)
            return lines.joined(separator: "\n")
        }

        func migrations(_ path: String) throws -> [String] {
            let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
            defer { try? queue.close() }
            return try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        }

        /// What the previous release printed about the fixture `name`, next to what this one prints.
        func expectSameReports(_ name: String, db: String, explain code: String) async throws {
            let failures = workspace.file("\(name)-failures-\(counter.next()).csv")
            let exported = try await backfill(["report", "--failures", "--output", failures, "--db", db])
            #expect(exported.status == 0, "\(exported.stderr)")
            #expect(try String(contentsOfFile: failures, encoding: .utf8) == expected("\(name)-failures.csv"))
            let summary = try await backfill(["report", "--summary", "--db", db])
            #expect(summary.stdout == (try expectedNow("\(name)-summary.txt")))
            let status = try await backfill(["status", "--json", "--db", db])
            #expect(status.stdout == (try expectedNow("\(name)-status.json")))
            let explain = try await backfill(["explain", code, "--db", db])
            #expect(explain.stdout == (try expectedNow("\(name)-explain-\(code).txt")))
        }

        @Test(arguments: ["demo", "history"])
        func aDatabaseThePreviousReleaseMadeReportsAsItDidThenUpgradesInPlace(name: String) async throws {
            let db = workspace.file("\(name).sqlite")
            try FileManager.default.copyItem(atPath: Self.fixtures + "/\(name).sqlite", toPath: db)
            let before = try Data(contentsOf: URL(fileURLWithPath: db))
            #expect(try migrations(db).last == "0006_history")

            // Read-only commands upgrade a private copy: the file keeps its bytes.
            try await expectSameReports(name, db: db, explain: name == "demo" ? "MP0001" : "AB12CD")
            if name == "demo" {
                #expect(try await backfill(["explain", "AB12CD", "--db", db]).stdout == (try expectedNow("demo-explain-AB12CD.txt")))
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)

            // A writing command upgrades the file in place (here an ingest of a file it already holds: nothing
            // changes but the schema), and every report reads the same.
            let same = name == "demo"
                ? try await backfill(["ingest", Self.fixtures + "/mapped.csv", "--db", db] + Self.mappings)
                : try await backfill(["ingest", "--mode", "history", Self.fixtures + "/mapped.csv", "--db", db] + Self.mappings)
            #expect(same.status == 0, "\(same.stderr)")
            #expect(Array(try migrations(db).drop { $0 < "0007" }) == ["0007_compact_rows", "0008_send_counts", "0009_exact_bytes", "0010_typed_vocabulary",
                                                                    "0011_contract", "0012_echo_mismatch", "0013_across_participants", "0014_run_version", "0015_lockouts"])
            // The send counts status reads start as a count of the sends the old release recorded.
            let (counted, kept) = try Ledger.peek(db) { db in
                (try String.fetchAll(db, sql: "SELECT target_id || state || count(*) FROM job_send GROUP BY target_id, state ORDER BY 1"),
                 try String.fetchAll(db, sql: "SELECT target_id || state || n FROM send_count WHERE n != 0 ORDER BY 1"))
            }
            #expect(kept == counted)
            #expect(name == "history" || !counted.isEmpty)
            if name == "demo" {
                #expect(same.stdout.contains("nothing changed"), "\(same.stdout)")
                try await expectSameReports(name, db: db, explain: "MP0001")
                let columns = try Ledger.peek(db) { try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('input_row')") }
                #expect(!columns.contains("first_name") && columns.contains("norm"))

                // An upgraded row still folds with what it held: a newer row of MP0001 keeps its older fields.
                let newer = workspace.file("newer.csv")
                try Data("participant_code,platform_updated_at,city\nMP0001,2022-03-01T00:00:00Z,Dallas\n".utf8)
                    .write(to: URL(fileURLWithPath: newer))
                #expect(try await backfill(["ingest", newer, "--db", db]).status == 0)
                let body = try #require(try Ledger.peek(db) {
                    try Data.fetchOne($0, sql: "SELECT body FROM job WHERE participant_code = 'MP0001' AND is_current = 1")
                })
                let text = String(decoding: body, as: UTF8.self)
                #expect(Array(body).contains(text: #""first_name":"Mia","last_name":"Park-Lee","address_one":"1 Elm Rd""#), "\(text)")
                #expect(Array(body).contains(text: #""city":"Dallas""#), "\(text)")
            } else {
                // history.sqlite never saw mapped.csv: it adds its participants' steps to the upgraded file.
                #expect(same.stdout.contains("4 rows read"), "\(same.stdout)")
                let explain = try await backfill(["explain", "AB12CD", "--db", db])
                #expect(explain.stdout == (try expectedNow("history-explain-AB12CD.txt")))
            }
        }

        @Test func aMappedColumnGoesThroughTheFailuresReportUnderItsFieldsNameAndBackThroughIngest() async throws {
            let db = workspace.file("mapped.sqlite")
            let input = workspace.file("export.csv")
            try Data("""
                Code,When,Given,Surname,Street,Town,Region,Postcode,Nation,Mail
                MP0010,2022-01-01T00:00:00Z,Mia,Park,1 Elm Rd,Austin,TX,78701,US,mia@example.com
                MP0011,2022-01-02T00:00:00Z,Ann,  Roe ,3 Pine St,Denver,CO,80202,USA,not-an-email

                """.utf8).write(to: URL(fileURLWithPath: input))
            let ingest = try await backfill(["ingest", input, "--db", db, "--contract", "ndax", "--map", "Code=participant_code",
                                             "--map", "When=platform_updated_at", "--map", "Given=first_name",
                                             "--map", "Surname=last_name", "--map", "Street=address_one", "--map", "Town=city",
                                             "--map", "Region=state", "--map", "Nation=country", "--map", "Mail=email"])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(ingest.stdout.contains("1 rejected"), "\(ingest.stdout)")

            let failures = workspace.file("failures.csv")
            #expect(try await backfill(["report", "--failures", "--output", failures, "--db", db]).status == 0)
            let lines = try String(contentsOfFile: failures, encoding: .utf8).split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",").map(String.init)
            for field in ["participant_code", "platform_updated_at", "first_name", "last_name", "address_one", "city",
                          "state", "zip", "country", "email"] {
                #expect(header.contains(field), "\(header)")
            }
            for source in ["Code", "When", "Given", "Surname", "Street", "Town", "Region", "Postcode", "Nation", "Mail"] {
                #expect(!header.contains(source), "\(header)")
            }
            #expect(lines.count == 2, "\(lines)")
            let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func cell(_ name: String) -> String { cells[header.firstIndex(of: name)!] }
            // The rejected row's cells as read, each under the field its column was mapped to.
            #expect(cell("participant_code") == "MP0011")
            #expect(cell("email") == "not-an-email")
            #expect(cell("last_name") == "  Roe ")
            #expect(cell("country") == "USA")
            #expect(cell("zip") == "80202")

            // Fixed in the export and ingested as it is, without --map: the row replaces the rejected one.
            let fixed = workspace.file("fixed.csv")
            try Data((lines[0] + "\n" + lines[1].replacingOccurrences(of: "not-an-email", with: "ann.roe@example.com") + "\n").utf8)
                .write(to: URL(fileURLWithPath: fixed))
            let again = try await backfill(["ingest", fixed, "--db", db])
            #expect(again.status == 0, "\(again.stderr)")
            let explain = try await backfill(["explain", "MP0011", "--db", db])
            #expect(explain.stdout.contains("ready to send"), "\(explain.stdout)")
            #expect(explain.stdout.contains(#""first_name":"Ann","last_name":"Roe","address_one":"3 Pine St""#), "\(explain.stdout)")
            #expect(explain.stdout.contains(#""zip":"80202","email":"ann.roe@example.com""#), "\(explain.stdout)")
            let status = try await backfill(["status", "--json", "--db", db])
            #expect(status.stdout.contains(#""pending":2"#), "\(status.stdout)")
        }
    }
}
