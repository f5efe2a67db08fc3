import BackfillIngest
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

/// Every sample participant under both contracts: the exact bytes of its zerohash body beside its ndax body (the
/// seed's, unchanged by the contracts), its state under each, and the ID changes zerohash lists instead of sending.
/// The request ids were computed independently with Python's `uuid.uuid5` (namespace and name as `Fold.requestID`).
struct SampleBodiesTests {
    let scratch = ScratchDirectory()

    struct Sample: Sendable, CustomTestStringConvertible {
        var code: String
        var ndaxState: JobState
        var ndaxBody: String?
        var zerohashState: JobState
        var zerohashBody: String?
        var zerohashRequestID: String?
        init(_ code: String, ndax ndaxState: JobState, _ ndaxBody: String?, zerohash zerohashState: JobState,
             _ zerohashBody: String?, zerohashRequestID: String?) {
            self.code = code
            self.ndaxState = ndaxState
            self.ndaxBody = ndaxBody
            self.zerohashState = zerohashState
            self.zerohashBody = zerohashBody
            self.zerohashRequestID = zerohashRequestID
        }
        var testDescription: String { code }
    }

    static let samples: [Sample] = [
        Sample("AB12CD",
               ndax: .pending, #"{"request_id":"5ff07519-4ea0-570c-9cd1-967ccb8469b0","first_name":"Alice","last_name":"Nguyen","address_one":"500 Congress Ave","address_two":"","country":"United States","state":"TX","city":"Austin","zip":"78701-1234","email":"alice.nguyen@example.com","id_number_type":"us_passport","id_number":"541234567","platform_updated_at":1656590400000}"#,
               zerohash: .pending, #"{"first_name":"Alice","last_name":"Nguyen","address_one":"500 Congress Ave","address_two":"","city":"Austin","country":"USA","jurisdiction_code":"US-TX","zip":"78701-1234","email":"alice.nguyen@example.com","platform_updated_at":1656590400000}"#,
               zerohashRequestID: "7cc36a14-7d86-5b12-940f-ff61a776df67"),
        Sample("BADROW",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("DOB001",
               ndax: .held, nil,
               zerohash: .pending, #"{"first_name":"Dora","last_name":"Obi","date_of_birth":"1990-01-01","platform_updated_at":1677801600000}"#,
               zerohashRequestID: "a0943658-db78-5712-8ff2-42b99ff2fdec"),
        Sample("DUPE01",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("DUPE02",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("FUT001",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("HOLD01",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("IN0042",
               ndax: .pending, #"{"request_id":"ffabd663-df48-56ca-8ed7-edf314523429","first_name":"Priya","last_name":"Sharma","address_one":"221 MG Road","address_two":"","country":"India","city":"Bengaluru","zip":"560001","email":"priya@example.in","id_number_type":"passport","id_number":"Z1234567","platform_updated_at":1674691200000}"#,
               zerohash: .pending, #"{"first_name":"Priya","last_name":"Sharma","address_one":"221 MG Road","address_two":"","city":"Bengaluru","country":"IND","postal_code":"560001","email":"priya@example.in","platform_updated_at":1674691200000}"#,
               zerohashRequestID: "ad281886-b9cb-575e-8806-eab7a466e6c3"),
        Sample("JS0001",
               ndax: .pending, #"{"request_id":"86916bd6-7f93-53a7-b007-44cd0e1bafee","first_name":"John","last_name":"Smith","address_one":"77 Lake Shore Dr","address_two":"","country":"United States","state":"IL","city":"Chicago","zip":"60611","email":"john.smith@example.com","id_number_type":"us_drivers_license","id_number":"S530-4600-1234","platform_updated_at":1700000000000}"#,
               zerohash: .pending, #"{"first_name":"John","last_name":"Smith","address_one":"77 Lake Shore Dr","address_two":"","city":"Chicago","country":"USA","jurisdiction_code":"US-IL","zip":"60611","email":"john.smith@example.com","platform_updated_at":1651727105000}"#,
               zerohashRequestID: "0a0c9cbb-b5b6-5687-926a-eb520bfe7b8e"),
        Sample("ML0001",
               ndax: .pending, #"{"request_id":"73f95d51-a37f-5f6e-aa23-caa46fc84ef5","first_name":"Maria","last_name":"López","address_one":"Calle 5, Piso 2 Puerta B","address_two":"","country":"Spain","city":"Madrid","zip":"28013","email":"maria@example.es","id_number_type":"non_us_passport","id_number":"ESP12345","platform_updated_at":1694250549000}"#,
               zerohash: .pending, #"{"first_name":"Maria","last_name":"López","address_one":"Calle 5, Piso 2 Puerta B","address_two":"","city":"Madrid","country":"ESP","postal_code":"28013","email":"maria@example.es","platform_updated_at":1694250549000}"#,
               zerohashRequestID: "cc646ef2-a1b8-5eb1-a8ec-dd577604f057"),
        Sample("MUM001",
               ndax: .pending, #"{"request_id":"bab71ba1-55f5-5c6e-9a30-2ecb6221e678","first_name":"Gaurav","last_name":"Mehta","address_one":"Near CST","address_two":"Fort Area","country":"India","state":"MH","city":"Mumbai","zip":"400001","email":"gaurav.mehta@example.in","id_number_type":"aadhar_card","id_number":"1731417314","platform_updated_at":1668916800000}"#,
               zerohash: .pending, #"{"first_name":"Gaurav","last_name":"Mehta","address_one":"Near CST","address_two":"Fort Area","city":"Mumbai","country":"IND","jurisdiction_code":"IN-MH","postal_code":"400001","email":"gaurav.mehta@example.in","platform_updated_at":1668916800000}"#,
               zerohashRequestID: "39abbff1-c993-5db5-bec7-63dd1faee660"),
        Sample("NYC777",
               ndax: .pending, #"{"request_id":"d126d485-d558-5bdf-a333-2112167cf43d","first_name":"Dana","last_name":"O'Brien-Lee","address_one":"1 Infinite Loop","address_two":"","country":"United States","state":"CA","city":"Cupertino","zip":"95014","email":"dana@example.com","id_number_type":"ssn","id_number":"123-45-6789","platform_updated_at":1704905100000}"#,
               zerohash: .pending, #"{"first_name":"Dana","last_name":"O'Brien-Lee","address_one":"1 Infinite Loop","address_two":"","city":"Cupertino","country":"USA","jurisdiction_code":"US-CA","zip":"95014","email":"dana@example.com","platform_updated_at":1704905100000}"#,
               zerohashRequestID: "958b0c68-aacf-53f9-abaa-ee2aa62c143a"),
        Sample("PB0X01",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("QX9Z01",
               ndax: .pending, #"{"request_id":"88842a6a-9b72-5ddc-b581-b319b8c16aa2","first_name":"Bruno","last_name":"Silva","email":"bruno.silva@example.org","id_number_type":"non_us_passport","id_number":"FX998877","platform_updated_at":1675252800250}"#,
               zerohash: .pending, #"{"first_name":"Bruno","last_name":"Silva","email":"bruno.silva@example.org","platform_updated_at":1596232800000}"#,
               zerohashRequestID: "39a17c88-f949-5690-bb14-fe53259e6df5"),
        Sample("RAG001",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("TSONLY",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
        Sample("ZIP001",
               ndax: .held, nil,
               zerohash: .held, nil,
               zerohashRequestID: nil),
    ]

    /// The ID changes zerohash lists as needing a supporting document, with their type.
    static let documentNeeds: [String: String] = [
        "AB12CD": "us_passport", "HOLD01": "us_drivers_license", "IN0042": "passport", "JS0001": "us_drivers_license",
        "ML0001": "non_us_passport", "MUM001": "aadhar_card", "NYC777": "ssn", "QX9Z01": "non_us_passport",
    ]

    func ingestSamples(_ contract: Contract) throws -> DatabaseQueue {
        let db = try scratch.database("\(contract).sqlite")
        var options = IngestOptions.testing()
        options.contract = contract
        let ingester = try Ingester(database: db, options: options)
        for file in [SamplesTests.csv, SamplesTests.jsonl] { _ = try ingester.ingest(path: file) }
        return db
    }

    func currentJobs(_ db: DatabaseQueue) throws -> [String: (state: JobState, body: [UInt8]?, requestID: String?)] {
        try db.read { db in
            var jobs: [String: (state: JobState, body: [UInt8]?, requestID: String?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT participant_code, state, body, request_id FROM job WHERE is_current = 1") {
                jobs[row[0]] = (row[1], (row[2] as Data?).map { Array($0) }, row[3])
            }
            return jobs
        }
    }

    @Test func everySampleParticipantsZerohashBodyBesideItsNdaxBody() throws {
        let ndax = try currentJobs(try ingestSamples(.ndax))
        let zerohash = try currentJobs(try ingestSamples(.zerohash))
        #expect(Set(ndax.keys) == Set(Self.samples.map(\.code)))
        #expect(Set(zerohash.keys) == Set(Self.samples.map(\.code)))
        for sample in Self.samples {
            #expect(ndax[sample.code]?.state == sample.ndaxState, "\(sample.code)")
            #expect(zerohash[sample.code]?.state == sample.zerohashState, "\(sample.code)")
            if let body = sample.ndaxBody { #expect(ndax[sample.code]?.body == Array(body.utf8), "\(sample.code)") }
            if let body = sample.zerohashBody {
                #expect(zerohash[sample.code]?.body == Array(body.utf8), "\(sample.code)")
                #expect(zerohash[sample.code]?.requestID == sample.zerohashRequestID, "\(sample.code)")
            }
        }
    }

    @Test func underZerohashTheSamplesIDChangesAreListedNotSent() throws {
        let db = try ingestSamples(.zerohash)
        let needs = try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT participant_code, id_number_type FROM document_need")
                .map { ($0[0] as String, $0[1] as String) })
        }
        #expect(needs == Self.documentNeeds)
        for (_, job) in try currentJobs(db) {
            let body = String(decoding: job.body ?? [], as: UTF8.self)
            for key in ["\"id_number\"", "\"id_number_type\"", "\"state\"", "\"request_id\""] {
                #expect(!body.contains(key), "\(body)")
            }
        }
    }
}
