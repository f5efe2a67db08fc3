@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// Ingest under Zero Hash's published contract (2026): alpha-3 countries and ISO 3166-2 jurisdictions from the
/// ISO data, the published limits, the Standard variant's body (no `state`, no `id_number`, no body `request_id`),
/// ID changes listed instead of sent; and the seed's contract (`ndax`) beside it, unchanged.
struct ZerohashIngestTests {
    let scratch = ScratchDirectory()

    static let header = "participant_code,platform_updated_at,first_name,middle_name,last_name,address_one,address_two,city,state,zip,country,email,id_number_type,id_number,date_of_birth,phone_number,gender\n"

    func ingest(_ csv: String, contract: Contract, mode: IngestMode = .latest, name: String = "in.csv",
                vendorReliance: Bool = false, db dbName: String? = nil) throws -> (DatabaseQueue, IngestReport) {
        let db = try scratch.database(dbName ?? "\(contract)-\(mode).sqlite")
        var options = IngestOptions.testing()
        options.contract = contract
        options.mode = mode
        options.vendorReliance = vendorReliance
        let report = try Ingester(database: db, options: options).ingest(path: try scratch.write(name, csv))
        return (db, report)
    }

    struct Job: Equatable {
        var state: String
        var requestID: String?
        var body: [UInt8]?
        var holds: String?
    }

    func jobs(_ db: DatabaseQueue) throws -> [String: Job] {
        try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                SELECT participant_code, state, request_id, body, hold_reasons FROM job WHERE is_current = 1 AND step <= 1
                """).map { ($0[0] as String, Job(state: $0[1], requestID: $0[2], body: ($0[3] as Data?).map { Array($0) }, holds: $0[4])) })
        }
    }

    @Test func theStandardVariantsBodyBesideTheSeeds() throws {
        let row = "AAA001,2022-06-30T08:00:00Z,Alice,,Nguyen,12 Main St,Apt 4,Austin,tx,78701,USA,Alice@Example.com,,,,,\n"
        let (zh, _) = try ingest(Self.header + row, contract: .zerohash)
        let (nd, _) = try ingest(Self.header + row, contract: .ndax)
        let zerohash = try #require(try jobs(zh)["AAA001"])
        let ndax = try #require(try jobs(nd)["AAA001"])
        #expect(zerohash.body == Array(#"{"first_name":"Alice","last_name":"Nguyen","address_one":"12 Main St","address_two":"Apt 4","city":"Austin","country":"USA","jurisdiction_code":"US-TX","zip":"78701","email":"alice@example.com","platform_updated_at":1656576000000}"#.utf8),
                "\(zerohash.body.map { String(decoding: $0, as: UTF8.self) } ?? "-")")
        // The request id is not in the body, but it is deterministic: a UUID v5 of the participant and these bytes.
        #expect(zerohash.requestID == Fold.requestID(participantCode: "AAA001", payload: zerohash.body!))
        let id = try #require(ndax.requestID)
        #expect(ndax.body == Array(#"{"request_id":"\#(id)","first_name":"Alice","last_name":"Nguyen","address_one":"12 Main St","address_two":"Apt 4","country":"United States","state":"TX","city":"Austin","zip":"78701","email":"alice@example.com","platform_updated_at":1656576000000}"#.utf8))
    }

    @Test func outsideTheUnitedStatesThePostalCodeIsPostalCodeAndTheNewFieldsFollowTheirOrder() throws {
        let row = "ES0001,2023-09-09T09:09:09Z,María,José,López,Calle 5,,Madrid,Madrid,28013,Spain,maria@example.es,,,1990-02-28,+34 612 345 678,F\n"
        let (db, report) = try ingest(Self.header + row, contract: .zerohash)
        #expect(report.rowsRejected == 0, "\(report.rejectionsByCode)")
        let job = try #require(try jobs(db)["ES0001"])
        #expect(job.body == Array(#"{"first_name":"María","middle_name":"José","last_name":"López","address_one":"Calle 5","address_two":"","city":"Madrid","country":"ESP","jurisdiction_code":"ES-M","postal_code":"28013","email":"maria@example.es","date_of_birth":"1990-02-28","phone_number":"34612345678","gender":"female","platform_updated_at":1694250549000}"#.utf8),
                "\(job.body.map { String(decoding: $0, as: UTF8.self) } ?? "-")")
    }

    /// Every country of the ISO data, written every way exports write it, resolves to its alpha-3 code.
    @Test func countriesWrittenEveryWayResolveToAlpha3() throws {
        var rows = Self.header
        var expected: [String: String] = [:]
        var n = 0
        for country in ISO3166.countries {
            var spellings = [country.alpha2, country.alpha3, country.name, country.name.uppercased(), country.alpha2.lowercased(),
                             country.alpha3.lowercased()] + [country.officialName, country.commonName].compactMap { $0 }
            // Accents and dots are ignored: the name without its accents, and the alpha-2 code with dots.
            spellings.append(country.name.decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark }.reduce(into: "") { $0.unicodeScalars.append($1) })
            spellings.append(country.alpha2.map { "\($0)." }.joined())
            for spelling in spellings {
                n += 1
                let code = String(format: "C%05d", n)
                rows += "\(code),2023-01-01,,,,1 Road,,Town,,1234\(country.alpha3 == "USA" ? "5" : ""),\(CSVText.quote(spelling)),,,,,,\n"
                expected[code] = country.alpha3
            }
        }
        #expect(n >= ISO3166.countries.count * 8)
        let (db, report) = try ingest(rows, contract: .zerohash)
        #expect(report.rowsRejected == 0, "\(report.rejectionsByCode)")
        let countries = try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT participant_code, body FROM job WHERE is_current = 1").map { row -> (String, String?) in
                let body = try JSONParser.parse([UInt8](row[1] as Data))
                if case .string(let c)? = body["country"] { return (row[0], c) }
                return (row[0], nil)
            })
        }
        for (code, alpha3) in expected { #expect(countries[code] == alpha3, "\(code)") }
    }

    /// Every subdivision of the United States, India, Mexico, Canada, Germany and the United Kingdom, by its full
    /// code, its code within the country and its name, becomes its ISO 3166-2 code.
    @Test func subdivisionsByCodeOrNameBecomeTheirJurisdictionCode() throws {
        var rows = Self.header
        var expected: [String: String] = [:]
        var n = 0
        for alpha3 in ["USA", "IND", "MEX", "CAN", "DEU", "GBR"] {
            let country = try #require(ISO3166.country(alpha3: alpha3))
            for sub in ISO3166.subdivisions(of: country) {
                for given in [sub.code, String(sub.localCode), sub.name, sub.code.lowercased(), sub.name.uppercased()] {
                    n += 1
                    let code = String(format: "S%05d", n)
                    let zip = alpha3 == "USA" ? "10001" : "12345"
                    rows += "\(code),2023-01-01,,,,1 Road,,Town,\(CSVText.quote(given)),\(zip),\(alpha3),,,,,,\n"
                    expected[code] = sub.code
                }
            }
        }
        #expect(n > 700)
        let (db, report) = try ingest(rows, contract: .zerohash)
        #expect(report.rowsRejected == 0, "\(report.rejectionsByCode)")
        let codes = try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT participant_code, body FROM job WHERE is_current = 1").map { row -> (String, String?) in
                let body = try JSONParser.parse([UInt8](row[1] as Data))
                if case .string(let c)? = body["jurisdiction_code"] { return (row[0], c) }
                return (row[0], nil)
            })
        }
        for (code, jurisdiction) in expected { #expect(codes[code] == jurisdiction, "\(code)") }
    }

    /// Each published limit: the row just inside is accepted, the row just outside is rejected with file, line,
    /// column and the limit.
    @Test func everyLimit() throws {
        let a80 = String(repeating: "a", count: 80), a81 = String(repeating: "a", count: 81)
        let b50 = String(repeating: "b", count: 50), b51 = String(repeating: "b", count: 51)
        let rows = Self.header + [
            "L00001,2023-01-01,,,,\(a80),\(b50),Town,NY,10001,USA,,,,,,",                        // 2: ok
            "L00002,2023-01-01,,,,\(a81),,Town,NY,10001,USA,,,,,,",                               // 3: address_one 81
            "L00003,2023-01-01,,,,1 Road,\(b51),Town,NY,10001,USA,,,,,,",                         // 4: address_two 51
            "L00004,2023-01-01,,,,1 Road,,Town,NY,1000,USA,,,,,,",                                // 5: US zip
            "L00005,2023-01-01,,,,1 Road,,Town,,123,France,,,,,,",                                // 6: postal code < 4
            "L00006,1000000000000,Ann,,Lee,,,,,,,,,,,,",                                           // 7: 13 digits, ok
            "L00007,999999999999,Ann,,Lee,,,,,,,,,,,,",                                            // 8: 12 digits
            "L00008,2023-01-01,,,,,,,,,,,,,1990-02-30,,",                                          // 9: no such date
            "L00009,2023-01-01,,,,,,,,,,,,,,,unknown",                                             // 10: gender
            "L00010,2023-01-01,,,,,,,,,,,,,,call me,",                                            // 11: phone
            "L00011,2023-01-01,,,,1 Road,,Town,Bavaria,10001,USA,,,,,,",                          // 12: not a US state
            "L00012,2023-01-01,,,,1 Road,,Town,,12345,Narnia,,,,,,",                               // 13: not a country
            "L00013,2023-01-01,,,,,,,,,,,tax card,123,,,",                                        // 14: no such id type
            "L00014,2023-01-01,,,,,,,,,,,ssn,123,,,",                                             // 15: the seed's, checked
        ].joined(separator: "\n") + "\n"
        let (db, report) = try ingest(rows, contract: .zerohash)
        let messages = try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT line, reject_message FROM input_row WHERE status = 'rejected'")
                .map { ($0[0] as Int64, $0[1] as String) })
        }
        #expect(messages[2] == nil && messages[7] == nil, "\(messages)")
        #expect(messages[3] == "column 'address_one': expected at most 80 characters (200 with --vendor-reliance), got 81")
        #expect(messages[4] == "column 'address_two': expected at most 50 characters (200 with --vendor-reliance), got 51")
        #expect(messages[5] == "column 'zip': expected 12345 or 12345-6789 for USA, got '1000'")
        #expect(messages[6] == "column 'zip': expected a postal code of at least 4 characters for FRA, got '123'")
        #expect(messages[8] == "column 'platform_updated_at': expected a 13-digit UNIX time in milliseconds (2001-09-09 or later), got '999999999999'")
        #expect(messages[9] == "column 'date_of_birth': expected a date YYYY-MM-DD, got '1990-02-30'")
        #expect(messages[10] == "column 'gender': expected male, female or other (or M, F), got 'unknown'")
        #expect(messages[11] == "column 'phone_number': expected digits with the country code, such as 15557778888, got 'call me'")
        #expect(messages[12] == "column 'state': expected a subdivision of USA (an ISO 3166-2 code such as US-NY or NY, or its name), got 'Bavaria'")
        #expect(messages[13] == "column 'country': expected a country (an ISO 3166-1 name, alpha-2 or alpha-3 code), got 'Narnia'")
        // The published twelve and the seed's ssn and aadhar_card (an ID change is listed, not sent).
        #expect(messages[14] == "column 'id_number_type': expected \(IDType.format(allowed: Set(Contract.zerohash.idTypes))) (or --allow-id-type), got 'tax card'")
        #expect(messages[15] == nil && Contract.zerohash.idTypes.count == 14)
        #expect(report.rowsRejected == 11)
        // The vendor-reliance track takes 200 characters.
        let long = Self.header + "V00001,2023-01-01,,,,\(String(repeating: "a", count: 200)),\(String(repeating: "b", count: 200)),Town,NY,10001,USA,,,,,,\n"
        let (_, vr) = try ingest(long, contract: .zerohash, vendorReliance: true, db: "vr.sqlite")
        #expect(vr.rowsRejected == 0, "\(vr.rejectionsByCode)")
    }

    @Test func anIDChangeIsCheckedListedAndNotSent() throws {
        let rows = Self.header + [
            "ID0001,2023-01-01,,,,,,,,,,,us_passport,541234567,,,",                                   // only an ID change
            "ID0002,2023-01-01,Bo,,Chen,1 Road,,Austin,TX,78701,US,,,,,,",
            "ID0002,2023-02-01,,,,,,,,,,,us_passport,X1,,,",                                          // and an address
            "ID0003,2023-01-01,,,,,,,,,,,us_passport,,,,",                                            // an ID missing its number
        ].joined(separator: "\n") + "\n"
        let (db, report) = try ingest(rows, contract: .zerohash)
        let jobs = try jobs(db)
        #expect(jobs["ID0001"] == nil)
        // Participants whose only change is their ID get no job and are said so, not counted unchanged.
        #expect(report.idOnly == 2 && report.jobsUnchanged == 0 && report.jobsCreated == 1)
        let id2 = try #require(jobs["ID0002"])
        #expect(id2.state == "pending")
        // The address's own instant, not the later ID change's.
        #expect(id2.body == Array(#"{"first_name":"Bo","last_name":"Chen","address_one":"1 Road","address_two":"","city":"Austin","country":"USA","jurisdiction_code":"US-TX","zip":"78701","platform_updated_at":1672531200000}"#.utf8))
        // An incomplete ID change holds nothing (it is not sent): what it lacks is listed with it.
        #expect(jobs["ID0003"] == nil)
        let incomplete = try db.read { db in try DocumentNeedReads.of(db, participantCode: "ID0003") }
        #expect(incomplete?.problem?.contains("id_number required field") == true, "\(String(describing: incomplete))")
        let needs = try db.read { db in try DocumentNeedReads.of(db, participantCode: "ID0001") }
        #expect(needs?.idNumberType == "us_passport" && needs?.platformUpdatedAt == 1_672_531_200_000)
        #expect(try db.read { try DocumentNeedReads.count($0) } == 3)
        let status = try db.read { try StatusSummary.read($0) }
        #expect(status.contract == .zerohash && status.documentNeeds == 3)
        // The failures export lists them, by participant.
        let file = try FailuresFile.export(db, scratch: scratch)
        let listed = file.rows.filter { $0["backfill_state"] == "needs_document" }.map { $0["participant_code"]! }
        #expect(listed == ["ID0001", "ID0002", "ID0003"])
        #expect(!file.header.contains("state") && file.header.contains("jurisdiction_code") && !file.header.contains("request_id"))
    }

    @Test func historyModeUnderZerohashSendsNoIDStepAndNoBodyRequestID() throws {
        let rows = Self.header + [
            "HI0001,2022-01-01,Ann,,Lee,,,,,,,,,,,,",
            "HI0001,2022-02-01,,,,,,,,,,,us_passport,1,,,",
            "HI0001,2022-03-01,,,,1 Road,,Austin,TX,78701,US,,,,,,",
        ].joined(separator: "\n") + "\n"
        let (db, _) = try ingest(rows, contract: .zerohash, mode: .history)
        let steps = try db.read { db in
            try Row.fetchAll(db, sql: "SELECT step, body FROM job WHERE is_current = 1 ORDER BY step").map { (($0[0] as Int), [UInt8]($0[1] as Data)) }
        }
        #expect(steps.map(\.0) == [1, 2])
        #expect(steps[0].1 == Array(#"{"first_name":"Ann","last_name":"Lee","platform_updated_at":1640995200000}"#.utf8))
        #expect(steps[1].1 == Array(#"{"address_one":"1 Road","address_two":"","city":"Austin","country":"USA","jurisdiction_code":"US-TX","zip":"78701","platform_updated_at":1646092800000}"#.utf8))
        #expect(try db.read { try DocumentNeedReads.count($0) } == 1)
    }

    @Test func aDatabaseKeepsItsContract() throws {
        let (db, _) = try ingest(Self.header + "AAA001,2022-06-30,Ann,,Lee,,,,,,,,,,,,\n", contract: .zerohash, db: "keep.sqlite")
        var options = IngestOptions.testing()
        options.contract = .ndax
        #expect {
            _ = try Ingester(database: db, options: options).ingest(path: try scratch.write("more.csv", Self.header))
        } throws: { error in
            (error as? BackfillError)?.code == "contract_mismatch"
        }
        options.contract = nil
        let report = try Ingester(database: db, options: options).ingest(path: try scratch.write("more2.csv", Self.header + "BBB001,2022-06-30,Bo,,Lee,,,,,,,,,,,,\n"))
        #expect(report.contract == .zerohash)
    }

    @Test func theVendorRelianceTrackIsKeptByTheDatabase() throws {
        let long = Self.header + "V00001,2023-01-01,,,,\(String(repeating: "a", count: 150)),,Town,NY,10001,USA,,,,,,\n"
        let (db, first) = try ingest(long, contract: .zerohash, vendorReliance: true, db: "track.sqlite")
        #expect(first.rowsRejected == 0)
        // A later ingest without the flag stays on the track.
        var options = IngestOptions.testing()
        options.contract = nil
        let later = try Ingester(database: db, options: options).ingest(path: try scratch.write("later.csv",
            Self.header + "V00002,2023-01-01,,,,\(String(repeating: "b", count: 150)),,Town,NY,10001,USA,,,,,,\n"))
        #expect(later.rowsRejected == 0, "\(later.rejectionsByCode)")
    }

    @Test func underNdaxAZerohashColumnIsNamedAsOneNotMisspelled() throws {
        let csv = "participant_code,platform_updated_at,first_name,last_name,gender,Postal Code,Middle Name\nAB12CD,2023-01-01,Ann,Lee,female,12345,J\n"
        let (_, report) = try ingest(csv, contract: .ndax)
        #expect(report.notes.contains { $0.hasSuffix("unknown column 'gender' ignored. It is a field of the zerohash contract; this database is made for ndax.") },
                "\(report.notes)")
        #expect(!report.notes.contains { $0.contains("Did you mean 'gender'") })
    }

    @Test func aZipMessageNamesTheSourceColumn() throws {
        let csv = "participant_code,platform_updated_at,address_one,city,state,Postal Code,country\nAB12CD,2023-01-01,1 Road,Town,NY,1234,USA\n"
        let (db, _) = try ingest(csv, contract: .zerohash)
        let message = try db.read { try String.fetchOne($0, sql: "SELECT reject_message FROM input_row WHERE status = 'rejected'") }
        #expect(message == "column 'Postal Code': expected 12345 or 12345-6789 for USA, got '1234'")
    }
}
