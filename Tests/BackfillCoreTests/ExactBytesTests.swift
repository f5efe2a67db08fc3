@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// The same participant gets the same bytes and the same request_id whether its export spelled the text in NFC
/// or NFD. Every comparison here is of bytes: Swift's `String ==` calls NFC and NFD equal, which is how an NFD
/// name once went out decomposed with no test noticing.
struct ExactBytesTests {
    let scratch = ScratchDirectory()

    /// One corpus, written once; the NFC and NFD files are that text in each form.
    static let corpus: [[String]] = {
        let first = ["José", "Zoë", "Ñoño", "Björk", "김민준", "Nguyễn Văn", "Åsa", "Chloé", "a \u{301}b", "Łukasz"]
        let last = ["Lee", "Müller", "Ångström", "이서연", "Đặng", "Pérez", "O'Brien", "Ça\u{327}va", "Øre", "Ürün"]
        let cities = ["São Paulo", "Zürich", "Montréal", "Köln", "서울", "Hà Nội", "Málaga", "Reykjavík", "Île-de-Ré", "Québec"]
        let streets = ["Café Straße 5", "Rue de l'Église 3", "Ōdōri 7", "Calle Año 12", "한강대로 405", "Fjällvägen 9",
                       "Piazza Libertà 1", "Škoda 4", "Straße des 17. Juni 2", "Avenida João 8"]
        var rows: [[String]] = []
        for i in 0..<60 {
            let code = String(format: "NF%04d", i)
            let f = first[i % first.count], l = last[(i / 3) % last.count]
            let email = "\(f.lowercased().filter { $0.isLetter })\(i)@Exämple.COM"
            // Onboarding with everything, then a move, then a name change: three instants (history mode's steps).
            rows.append([code, "2021-03-0\(1 + i % 9)T10:00:00Z", f, l, streets[i % streets.count], i % 2 == 0 ? "Apt \(i)" : "",
                         cities[i % cities.count], "TX", "78701", "US", email])
            rows.append([code, "2022-06-1\(i % 9)T08:00:00Z", "", "", streets[(i + 3) % streets.count], "",
                         cities[(i + 5) % cities.count], "NY", "10001", "United States", ""])
            rows.append([code, "2023-01-0\(1 + i % 9)T00:00:00Z", " \(first[(i + 1) % first.count]) ", l, "", "", "", "", "", "", ""])
        }
        return rows
    }()

    static let columns = ["participant_code", "platform_updated_at", "first_name", "last_name", "address_one", "address_two",
                          "city", "state", "zip", "country", "email"]

    static var csv: String {
        ([columns.joined(separator: ",")] + corpus.map { $0.map(CSVText.quote).joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }

    static var jsonl: String {
        corpus.map { row in
            var out: [UInt8] = []
            JSONWriter.write(.object(zip(columns, row).map { ($0, JSONValue.string($1)) }), into: &out)
            return String(decoding: out, as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    struct Job: Equatable {
        var code: String
        var step: Int64
        var requestID: String
        var body: [UInt8]
    }

    static func currentJobs(_ db: DatabaseQueue) throws -> [Job] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT participant_code, step, request_id, body FROM job WHERE is_current = 1 AND body IS NOT NULL
                ORDER BY participant_code, step
                """).map { Job(code: $0[0], step: $0[1], requestID: $0[2], body: [UInt8]($0[3] as Data)) }
        }
    }

    func ingest(_ name: String, _ text: String, mode: IngestMode, db dbName: String) throws -> [Job] {
        let db = try scratch.database(dbName)
        var options = IngestOptions.testing()
        options.mode = mode
        let path = try scratch.write(name, text)
        // The file really is in the form it is named after.
        if name.contains("nfd") {
            #expect(!Array(text.utf8).elementsEqual(text.nfc.utf8))
        } else {
            #expect(Array(text.utf8).elementsEqual(text.nfc.utf8))
        }
        let report = try Ingester(database: db, options: options).ingest(path: path)
        #expect(report.rowsRejected == 0, "\(report.rejectionsByCode)")
        return try Self.currentJobs(db)
    }

    @Test(arguments: [IngestMode.latest, IngestMode.history])
    func nfcAndNfdExportsGiveByteIdenticalNfcBodiesAndRequestIDs(mode: IngestMode) throws {
        let csv = Self.csv, jsonl = Self.jsonl
        let variants: [(String, String)] = [
            ("nfc.csv", csv.precomposedStringWithCanonicalMapping),
            ("nfd.csv", csv.decomposedStringWithCanonicalMapping),
            ("nfc.jsonl", jsonl.precomposedStringWithCanonicalMapping),
            ("nfd.jsonl", jsonl.decomposedStringWithCanonicalMapping),
        ]
        let results = try variants.map { name, text in
            (name, try ingest(name, text, mode: mode, db: "\(mode)-\(name).sqlite"))
        }
        let reference = results[0].1
        #expect(reference.count == (mode == .latest ? 60 : 180))
        for job in reference {
            // NFC, byte for byte.
            let text = String(decoding: job.body, as: UTF8.self)
            #expect(Array(text.precomposedStringWithCanonicalMapping.utf8) == job.body, "\(job.code) step \(job.step) is not NFC")
            // No combining acute (CC 81) after a letter that has a precomposed form.
            #expect(!job.body.containsUTF8(of: "e\u{301}"))
        }
        for (name, jobs) in results.dropFirst() {
            #expect(jobs.map(\.code) == reference.map(\.code), "\(name)")
            for (job, expected) in zip(jobs, reference) {
                #expect(job.requestID == expected.requestID, "\(name): \(job.code) step \(job.step)")
                #expect(job.body == expected.body, "\(name): \(job.code) step \(job.step)")
            }
        }
        // Spot checks of the composed bytes: é is C3 A9, and the Hangul syllable 김 is EA B9 80, not its jamo.
        let bodies = reference.map(\.body)
        #expect(bodies.contains { $0.containsUTF8(of: "Jos\u{E9}") })  // é as C3 A9
        #expect(bodies.contains { $0.containsUTF8(of: "Zo\u{EB}") })  // ë as C3 AB
        #expect(bodies.contains { $0.containsUTF8(of: "\u{AE40}") })  // 김 as EA B9 80, not its jamo
        // A combining mark after a space stays (there is nothing to compose it with).
        #expect(bodies.contains { $0.containsUTF8(of: "\"first_name\":\"a \u{301}b\"") })
    }

    @Test(arguments: [IngestMode.latest, IngestMode.history])
    func theNfdExportOfWhatANfcExportSentChangesNothing(mode: IngestMode) throws {
        // What decides "unchanged": the NFD file is another file (another digest), its rows fold to the same bytes.
        let db = try scratch.database()
        var options = IngestOptions.testing()
        options.mode = mode
        let first = try Ingester(database: db, options: options)
            .ingest(path: try scratch.write("nfc.csv", Self.csv.precomposedStringWithCanonicalMapping))
        #expect(first.jobsCreated > 0)
        let before = try Self.currentJobs(db)
        let again = try Ingester(database: db, options: options)
            .ingest(path: try scratch.write("nfd.csv", Self.csv.decomposedStringWithCanonicalMapping))
        #expect(!again.unchanged)
        #expect(again.jobsCreated == 0 && again.jobsSuperseded == 0)
        #expect(try Self.currentJobs(db) == before)
    }

    @Test func aValueThatOnlyComposesIsStoredAndReadBackInNfc() throws {
        let cells: [String?] = ["Jose\u{301}"] + Array(repeating: nil, count: Field.allCases.count - 1)
        let values: [String?] = ["José"] + Array(repeating: nil, count: Field.allCases.count - 1)
        // Swift calls them equal; the stored form must not.
        #expect(cells[0] == values[0])
        let norm = try #require(StoredValues.encode(values, over: cells))
        let decoded = StoredValues.decode(norm) { cells }
        #expect(decoded[0].map { Array($0.utf8) } == Array("José".utf8))
        #expect(Array("José".utf8) == [0x4A, 0x6F, 0x73, 0xC3, 0xA9])
        // A cell with no entry (a row an earlier release stored) reads back as its NFC.
        #expect(StoredValues.decode(nil) { cells }[0].map { Array($0.utf8) } == [0x4A, 0x6F, 0x73, 0xC3, 0xA9])
        // The same bytes store nothing.
        #expect(StoredValues.encode(values, over: values) == nil)
    }

    @Test func caseMappedValuesAreComposedAgain() throws {
        // Lower-casing `T̈` gives `ẗ`, whose NFC is the single scalar ẗ (U+1E97).
        #expect(ValueNormalizer.normalize(.email, "T\u{308}@example.com").map { Array($0.utf8) } == Array("\u{1E97}@example.com".utf8))
        // KELVIN SIGN is K in NFC: a state spelled with it is sent as `KS`.
        #expect(ValueNormalizer.normalize(.state, "\u{212A}s").map { Array($0.utf8) } == Array("KS".utf8))
        // Only ASCII letters are upper-cased in a participant code: `ſ` is not `S`.
        #expect(ValueNormalizer.participantCode("ab12cd") == "AB12CD")
        let long = try #require(ValueNormalizer.participantCode("ab12c\u{17F}"))
        #expect(!ValueNormalizer.isParticipantCode(long))
    }

    @Test func aStateCodeIsCheckedByItsBytes() {
        #expect(USState.contains("KS"))
        #expect(!USState.contains("\u{212A}S"))
    }

    @Test func csvQuotesAreDoubledByteByByte() {
        // `"` followed by a combining mark is one Character; its quote is doubled all the same.
        let cell = "a\"\u{301}b,c"
        let quoted = CSVText.quote(cell)
        #expect(Array(quoted.utf8) == Array("\"a\"\"\u{301}b,c\"".utf8))
        #expect(CSVText.parseRecord(quoted).map { Array($0.utf8) } == [Array(cell.utf8)])
    }

    @Test func aShellWordWithAQuoteBeforeAMarkIsQuoted() {
        let word = "a'\u{301}; touch x; '"
        let quoted = ReportAdvice.shellQuoted(word)
        #expect(Array(quoted.utf8) == Array("'a'\\''\u{301}; touch x; '\\'''".utf8))
    }

    @Test func redactionFindsAValueThatStartsWithAMarkOrIsSpelledNfd() {
        // The rejected value starts with a combining mark: `got '` and the mark are one Character.
        let message = "column 'address_one': PO Box addresses are not accepted, got '\u{301}PO Box 12'"
        let scrubbed = Redactor.scrub(message, values: [])
        #expect(!scrubbed.unicodeScalars.elementsEqual("PO Box 12".unicodeScalars))
        #expect(!scrubbed.contains("Box 12"), "\(scrubbed)")
        // A known NFC name found in NFD text, and the other way round.
        #expect(!Redactor.scrub("held: Jose\u{301} Lee", values: [(.firstName, "José")]).contains("Jos"))
        #expect(!Redactor.scrub("held: José Lee", values: [(.firstName, "Jose\u{301}")]).contains("Jos"))
        // A name inside a longer word keeps its letters.
        #expect(Redactor.scrub("Cannot update", values: [(.firstName, "Ann")]) == "Cannot update")
    }

    @Test func aCorrectionSavedBackInAnotherNormalFormIsLeftAsItWas() {
        // Chosen on purpose: an editor re-saving the export in NFC has not changed a cell.
        #expect(Correction.sameCells(["first_name": "Zoe\u{308}", "email": "x"], ["first_name": "Zoë", "email": "x"]))
        #expect(!Correction.sameCells(["first_name": "Zoe", "email": "x"], ["first_name": "Zoë", "email": "x"]))
        #expect(!Correction.sameCells(["first_name": "Zoë"], ["first_name": "Zoë", "email": "x"]))
    }
}
