import BackfillTestSupport
import Foundation
import ParticipantAPI
import Testing

/// Address histories that move between US states, some rows with no address at all. Deterministic (seeded).
enum MovesCorpus {
    static let header = "participant_code,platform_updated_at,first_name,last_name,address_one,city,state,zip,country\n"
    static let places: [(state: String, city: String, zip: String)] = [
        ("NY", "Albany", "12201"), ("CA", "Fresno", "93650"), ("TX", "Austin", "78701"), ("NJ", "Newark", "07102"),
    ]

    struct Row {
        var code: String
        var at: Int   // day
        var state: String?
    }

    static func rows(participants: Int, seed: UInt64 = 20_261_207) -> [Row] {
        var rng = SplitMix64(seed: seed)
        var out: [Row] = []
        for p in 0..<participants {
            let code = String(format: "MV%04d", p)
            for day in 0..<(1 + Int(rng.next() % 6)) {
                // Distinct instants; one row in four changes the name only.
                out.append(Row(code: code, at: day, state: rng.next() % 4 == 0 && day > 0 ? nil : places[Int(rng.next() % 4)].state))
            }
        }
        return out
    }

    static func csv(_ rows: [Row]) -> String {
        var lines: [String] = []
        for r in rows {
            let when = String(format: "2023-01-%02dT12:00:00Z", r.at + 1)
            if let state = r.state, let place = places.first(where: { $0.state == state }) {
                lines.append("\(r.code),\(when),Ann,Lee,\(r.at + 1) Secret Street,\(place.city),\(state),\(place.zip),United States")
            } else {
                lines.append("\(r.code),\(when),Ann\(r.at),Lee,,,,,")
            }
        }
        return header + lines.reversed().joined(separator: "\n") + "\n"
    }

    /// Counted here, independently of the tool: each change of state between consecutive rows that give one.
    static func moves(_ rows: [Row]) -> [(code: String, at: Int, from: String, to: String)] {
        var out: [(code: String, at: Int, from: String, to: String)] = []
        for (code, own) in Dictionary(grouping: rows, by: \.code) {
            var here: String?
            for r in own.sorted(by: { $0.at < $1.at }) {
                guard let state = r.state else { continue }
                if let from = here, from != state { out.append((code, r.at, from, state)) }
                here = state
            }
        }
        return out.sorted { ($0.code, $0.at) < ($1.code, $1.at) }
    }
}

extension EndToEnd {
    @Suite struct MovesReportTests {
        let workspace = Workspace()
        private let counter = Counter()

        func backfill(_ arguments: [String]) async throws -> OperatorSafetyTests.CommandResult {
            try await runBackfill(arguments, in: workspace.path, name: "moves-\(counter.next())")
        }

        static func cells(_ line: Substring) -> [String] { line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }

        @Test(arguments: [Contract.zerohash, .ndax])
        func theMovesReportListsEveryChangeOfJurisdictionCountedIndependently(contract: Contract) async throws {
            let rows = MovesCorpus.rows(participants: 300)
            let expected = MovesCorpus.moves(rows)
            #expect(expected.count > 100, "the corpus moves: \(expected.count)")
            let input = workspace.file("addresses.csv")
            try Data(MovesCorpus.csv(rows).utf8).write(to: URL(fileURLWithPath: input))
            let db = workspace.file("moves-\(contract).sqlite")
            let ingested = try await backfill(["ingest", "--contract", contract.rawValue, input, "--db", db])
            #expect(ingested.status == 0, "\(ingested.output)")

            let output = workspace.file("moves-\(contract).csv")
            let report = try await backfill(["report", "--moves", "--output", output, "--watch", "US-NY", "--watch", "us-ca", "--db", db])
            #expect(report.status == 0, "\(report.output)")
            #expect(report.stdout.contains("\(expected.count) moves"))
            let text = try String(contentsOfFile: output, encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.first == "participant_code,platform_updated_at,platform_updated_at_ms,from,to,direction_US-NY,direction_US-CA,state")
            let listed = lines.dropFirst().map(Self.cells)
            #expect(listed.count == expected.count)
            let place = { (state: String) in contract == .zerohash ? "US-\(state)" : "United States/\(state)" }
            for (row, move) in zip(listed, expected) {
                #expect(row[0] == move.code)
                #expect(row[1] == String(format: "2023-01-%02dT12:00:00.000Z", move.at + 1))
                #expect(row[3] == place(move.from) && row[4] == place(move.to), "\(row)")
                #expect(row[5] == (move.to == "NY" ? "into" : move.from == "NY" ? "out_of" : ""))
                #expect(row[6] == (move.to == "CA" ? "into" : move.from == "CA" ? "out_of" : ""))
                #expect(row[7] == "pending", "nothing was sent yet")
            }
            let intoNY = expected.filter { $0.to == "NY" }.count, outOfNY = expected.filter { $0.from == "NY" }.count
            let status = try await backfill(["status", "--db", db])
            let participants = Set(expected.map(\.code)).count
            #expect(status.stdout.contains("jurisdiction moves: \(expected.count) (\(participants) participants); US-NY: \(intoNY) into, \(outOfNY) out of"),
                    "\(status.stdout)")

            // Redacted: jurisdictions only, never a street, city or zip (nor are they there unredacted).
            let redacted = try await backfill(["report", "--moves", "--redact", "--db", db])
            #expect(redacted.status == 0)
            for secret in ["Secret Street", "Albany", "Fresno", "Austin", "Newark", "12201", "93650", "78701", "07102"] {
                #expect(!redacted.stdout.contains(secret) && !text.contains(secret), "\(secret)")
            }
            #expect(redacted.stdout.split(separator: "\n").count == expected.count + 1)

            // It is not a changes file: ingest refuses it and the database is left as it was.
            let before = try Data(contentsOf: URL(fileURLWithPath: db))
            let refused = try await backfill(["ingest", output, "--db", db])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("jurisdiction moves report") && refused.stderr.contains("nothing was ingested"), "\(refused.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        }
    }
}
