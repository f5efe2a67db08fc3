import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import GRDB
import ParticipantAPI
import Testing

extension EndToEnd {
    /// The whole fix-and-re-ingest loop against the sandbox: ingest, export the failures, fix only the bad cells
    /// in a copy, ingest the copy, run. Every fixed participant is pending with its fixed value, and the run
    /// updates it in the sandbox with exactly that value; participants held for other reasons stay held.
    @Suite struct CorrectionRunTests {
        let workspace = Workspace()

        /// A generated export: every participant has a complete first row (2024-03-01); by `n % 6` a newer row
        /// (2024-04-01) brings a change with one bad cell, or the first row lacks its city.
        enum Corpus {
            enum Kind: CaseIterable { case clean, badEmail, poBox, futureDate, nonUpdatable, missingCity }

            static let header = "participant_code,platform_updated_at,first_name,last_name,address_one,address_two,city,state,zip,country,email,date_of_birth\n"

            static func kind(_ n: Int) -> Kind { Kind.allCases[n % Kind.allCases.count] }
            static func code(_ n: Int) -> String { "C" + String(format: "%05d", n) }

            static func csv(count: Int) -> String {
                var text = header
                for n in 1...count {
                    let c = code(n), zip = String(format: "%05d", 70_000 + n)
                    let city = kind(n) == .missingCity ? "" : "Austin"
                    text += "\(c),2024-03-01T10:00:00Z,Ana,Base\(n),\(n) Main St,,\(city),TX,\(zip),USA,\(c.lowercased())@example.com,\n"
                    switch kind(n) {
                    case .badEmail: text += "\(c),2024-04-01T10:00:00Z,,,,,,,,,new.\(c.lowercased()).example.com,\n"
                    case .poBox: text += "\(c),2024-04-01T10:00:00Z,,,PO Box \(n),,Austin,TX,\(zip),USA,,\n"
                    case .futureDate: text += "\(c),2099-04-01T10:00:00Z,,Later\(n),,,,,,,,\n"
                    case .nonUpdatable: text += "\(c),2024-04-01T10:00:00Z,Renamed,,,,,,,,,1990-01-01\n"
                    case .clean, .missingCity: break
                    }
                }
                return text
            }

            /// The fix a person makes to a rejected row of participant `n` (nil: not one of the rows to fix), and
            /// what the participant's record must then say.
            static func fix(_ n: Int, _ values: inout [String: JSONValue]) -> (field: Field, value: String)? {
                let c = code(n).lowercased()
                switch kind(n) {
                case .badEmail:
                    values["email"] = .string("new.\(c)@example.com")
                    return (.email, "new.\(c)@example.com")
                case .poBox:
                    values["address_one"] = .string("\(n) Oak Ave")
                    return (.addressOne, "\(n) Oak Ave")
                case .futureDate:
                    values["platform_updated_at"] = .string("2024-04-01T10:00:00Z")
                    return (.lastName, "Later\(n)")
                case .nonUpdatable:
                    values["date_of_birth"] = nil
                    return (.firstName, "Renamed")
                case .clean, .missingCity:
                    return nil
                }
            }
        }

        /// Writes the failures export, then a copy in which only the rejected rows' bad cells are changed;
        /// returns the copy's path and what each fixed participant must end up with.
        func exportAndFix(_ db: DatabaseQueue, fix: (String, inout [String: JSONValue]) -> (field: Field, value: String)?)
            throws -> (path: String, fixed: [String: (field: Field, value: String)]) {
            let exported = workspace.file("failures.csv")
            let sink = try ReportSink(path: exported)
            _ = try db.read { try FailureExport().write($0, to: sink) }
            try sink.close()

            var fixed: [String: (field: Field, value: String)] = [:]
            var text = ""
            try db.read { db in
                let extra = try FailureExport.extraColumns(db)
                text = CSVLine.header(FailureRow.columns(extra: extra, redacted: false))
                try FailureExport.forEachRow(db) { row in
                    var row = row
                    if row.state == "rejected", let code = row.participantCode, let change = fix(code, &row.values) {
                        fixed[code] = change
                    }
                    text += row.csvLine(extra: extra) + "\n"
                }
            }
            // The copy is the export with the fixed rows' lines changed, nothing else.
            let original = try String(contentsOfFile: exported, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let copy = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(original.count == copy.count)
            #expect(zip(original, copy).filter { $0 != $1 }.count == fixed.count)
            let path = workspace.file("failures-fixed.csv")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return (path, fixed)
        }

        func ingest(_ path: String, into db: DatabaseQueue) throws -> IngestReport {
            try Ingester(database: db, options: IngestOptions(contract: .ndax)).ingest(path: path)
        }

        /// What ingest decided for each participant: its current job's state (`pending` or `held`) and body.
        func currentJobs(_ db: DatabaseQueue) throws -> [(code: String, state: String, body: [UInt8]?)] {
            try db.read { db in
                try Row.fetchAll(db, sql: "SELECT participant_code, state, body FROM job WHERE is_current = 1 ORDER BY participant_code")
                    .map { ($0["participant_code"], $0["state"], ($0["body"] as Data?).map { Array($0) }) }
            }
        }

        @Test func fixedParticipantsOfAGeneratedCorpusAreSentWithTheirFixedValues() async throws {
            let count = 120
            let db = try workspace.openDatabase()
            let source = workspace.file("corpus.csv")
            try Data(Corpus.csv(count: count).utf8).write(to: URL(fileURLWithPath: source))
            _ = try ingest(source, into: db)
            let codes = (1...count).map(Corpus.code)
            let toFix = (1...count).filter { ![.clean, .missingCity].contains(Corpus.kind($0)) }.map(Corpus.code)
            let segment = (1...count).filter { Corpus.kind($0) == .missingCity }.map(Corpus.code)

            let (path, fixed) = try exportAndFix(db) { code, values in
                Corpus.fix(Int(code.dropFirst())!, &values)
            }
            #expect(fixed.keys.sorted() == toFix)
            let report = try ingest(path, into: db)
            #expect(report.corrections == CorrectionCounts(applied: toFix.count, stillRejected: 0))

            let jobs = try currentJobs(db)
            let pending = Set(jobs.filter { $0.state == "pending" }.map(\.code))
            #expect(pending == Set(codes).subtracting(segment))
            for (code, change) in fixed {
                let body = try #require(jobs.first { $0.code == code }?.body)
                #expect(body.contains(text: "\"\(change.field.name)\":\"\(change.value)\""),
                        "\(code): \(String(decoding: body, as: UTF8.self))")
            }

            try await withSandbox { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                // Drained, with the participants held for their segment left: exit 2.
                #expect(summary.ending == .drained)
                #expect(summary.exitCode == 2)
                #expect(summary.succeeded == pending.count)
                #expect(summary.failed == 0)
                let state = sandbox.snapshot()
                for (code, change) in fixed {
                    let record = try #require(state.participant(code), "\(code)")
                    #expect(record.updatesApplied == 1)
                    #expect(record[change.field] == change.value, "\(code)")
                }
                for code in segment { #expect(state.participant(code)?.updatesApplied ?? 0 == 0, "\(code)") }
            }
            #expect(try currentJobs(db).filter { $0.state == "held" }.map(\.code) == segment)
        }

        @Test func theFixedSampleParticipantsAreSent() async throws {
            let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("samples")
            let db = try workspace.openDatabase()
            for file in ["changes.csv", "changes.jsonl"] { _ = try ingest(samples.appendingPathComponent(file).path, into: db) }
            let fixes: [String: (String, JSONValue?, Field, String)] = [
                "BADROW": ("email", .string("ravi@example.com"), .firstName, "Ravi"),
                "PB0X01": ("address_one", .string("1200 Broadway"), .addressOne, "1200 Broadway"),
                "FUT001": ("platform_updated_at", .string("2022-01-01"), .firstName, "Future"),
                "DOB001": ("date_of_birth", nil, .lastName, "Obi"),
            ]
            let (path, fixed) = try exportAndFix(db) { code, values in
                guard let (column, value, field, expected) = fixes[code] else { return nil }
                values[column] = value
                return (field, expected)
            }
            #expect(fixed.keys.sorted() == fixes.keys.sorted())
            #expect(try ingest(path, into: db).corrections?.applied == 4)
            let pending = try currentJobs(db).filter { $0.state == "pending" }.map(\.code)
            #expect(Set(pending).isSuperset(of: fixes.keys))

            try await withSandbox { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.succeeded == pending.count)
                #expect(summary.failed == 0)
                let state = sandbox.snapshot()
                for (code, change) in fixed { #expect(state.participant(code)?[change.field] == change.value, "\(code)") }
                // BADROW's fixed row is older than its other email row: the newer email is what the API got.
                #expect(state.participant("BADROW")?[.email] == "ravi.patel@example.com")
            }
        }

        @Test func theSummaryCountsOneLinePerKindOfNotACustomerAnswer() async throws {
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(10, into: db)
            try await withSandbox({ configuration in
                // Three are on the roster as not customers; the last two are not on it at all.
                configuration.roster = codes.prefix(8).enumerated().map { RosterEntry(participantCode: $1, isCustomer: $0 >= 3) }
            }) { sandbox in
                let summary = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(),
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.succeeded == 5)
                #expect(summary.failed == 5)
            }
            let s = try await db.read { try ReportSummary.read($0) }
            #expect(s.topMessages.map { "\($0.count) \($0.errorClass) \($0.message)" } == [
                "3 not_customer Participant {participant_code} is not a customer",
                "2 not_customer Participant {participant_code} is not a customer of PLAT01",
            ])
        }
    }
}

/// A CSV header line as the failures export writes it (its column names need no quoting).
private enum CSVLine {
    static func header(_ columns: [String]) -> String { columns.joined(separator: ",") + "\n" }
}
