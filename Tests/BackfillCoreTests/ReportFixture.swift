@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI

/// A job database as a real backfill leaves it: `history.csv` ingested with the real `Ingester`, then a run
/// simulated through `RunStore` (claim + record), with the answers below.
///
/// | participant | input | run |
/// |---|---|---|
/// | OKAY01, OKAY02, OKAY03 | complete | 200 (OKAY02 first gets a 429) |
/// | FAIL01 | values with commas and quotes | 400 validation quoting the email |
/// | RETRY1 | complete | 503, then 503 again: failed (server) |
/// | NETW01 | complete | no answer twice: failed (network) |
/// | HOLD01 | address without city | held (segment) |
/// | BADEM1 | a name row, then a row with a malformed email | held (validation) |
/// | DUPE01, DUPE02 | the same email | held (duplicate_email) |
/// | line 13 (`12-AB`) | an address with a line break | rejected, no usable participant |
struct ReportFixture {
    static let header = "participant_code,platform_updated_at,first_name,last_name,address_one,address_two,city,state,zip,country,email,id_number_type,id_number"
    static let csv = header + "\n" + #"""
        OKAY01,2024-01-02T03:04:05Z,Olwen,Kettleby,1 Good Street,,Austin,TX,78701,US,olwen.kettleby@example.com,ssn,123450001
        OKAY02,2024-01-02T03:04:06Z,Osric,Kimberton,2 Good Street,Floor 3,Austin,TX,78701,US,osric.kimberton@example.com,ssn,123450002
        OKAY03,2024-01-02T03:04:07.250Z,Odile,Kershaw,3 Good Street,,Austin,TX,78702,US,odile.kershaw@example.com,ssn,123450003
        FAIL01,2024-02-01T00:00:00Z,Zoë,"O'Hara, Jr.","12 ""Quoted"", Street","Unit 5, Rear",Austin,TX,78701,US,zoe.ohara@example.com,us_passport,X98765432
        RETRY1,2024-02-02T00:00:00Z,Sampson,Serverton,4 Busy Road,,Dallas,TX,75201,US,sampson.serverton@example.com,ssn,223450001
        NETW01,2024-02-03T00:00:00Z,Nadia,Netherby,5 Quiet Lane,,Dallas,TX,75202,US,nadia.netherby@example.com,ssn,323450001
        HOLD01,2024-03-01T00:00:00Z,Halvard,Holloway,9 Nowhere Road,,,TX,78701,US,halvard.holloway@example.com,,
        BADEM1,2024-03-02T00:00:00Z,Beatrix,Badwell,,,,,,,,,
        BADEM1,2024-03-03T00:00:00Z,,,,,,,,,beatrix@@badwell,,
        DUPE01,2024-03-04T00:00:00Z,Dorothea,Dupontel,,,,,,,shared.dupe@example.com,,
        DUPE02,2024-03-05T00:00:00Z,Dirkson,Duplessis,,,,,,,shared.dupe@example.com,,
        12-AB,2024-04-01T00:00:00Z,Ursula,Unusabel,"77 Line One
        Line Two",,Paris,,75001,France,ursula.unusabel@example.com,passport,P5550001
        """# + "\n"

    /// Personal values of the participants that end up in the failures export (failed, held, unusable row).
    static let failingValues = [
        "Zoë", "O'Hara", "12 \"Quoted\", Street", "Unit 5, Rear", "zoe.ohara@example.com", "X98765432",
        "Sampson", "Serverton", "4 Busy Road", "sampson.serverton@example.com", "223450001",
        "Nadia", "Netherby", "5 Quiet Lane", "nadia.netherby@example.com", "323450001",
        "Halvard", "Holloway", "9 Nowhere Road", "halvard.holloway@example.com",
        "Beatrix", "Badwell", "beatrix@@badwell",
        "Dorothea", "Dupontel", "Dirkson", "Duplessis", "shared.dupe@example.com",
        "Ursula", "Unusabel", "77 Line One", "Line Two", "ursula.unusabel@example.com", "P5550001",
    ]
    /// Personal values of the participants whose jobs succeeded.
    static let succeededValues = [
        "Olwen", "Kettleby", "1 Good Street", "olwen.kettleby@example.com", "123450001",
        "Osric", "Kimberton", "2 Good Street", "Floor 3", "osric.kimberton@example.com", "123450002",
        "Odile", "Kershaw", "3 Good Street", "odile.kershaw@example.com", "123450003",
    ]

    /// The 400 message FAIL01 gets: it quotes the participant's email, as some APIs do.
    static let fail01Message = "email zoe.ohara@example.com is already used by another participant"
    /// When the simulated run starts (an hour before the tests' clock), epoch ms.
    static let runStart: Int64 = testNow - 3_600_000

    let scratch: ScratchDirectory
    let queue: DatabaseQueue
    let path: String
    let csvPath: String

    /// Ingests `history.csv` into a new database and, unless `run` is false, simulates the run.
    init(scratch: ScratchDirectory, name: String = "backfill.sqlite", run: Bool = true) throws {
        self.scratch = scratch
        csvPath = try scratch.write("history.csv", ReportFixture.csv)
        path = scratch.file(name)
        queue = try scratch.database(name)
        _ = try Ingester(database: queue, options: .testing()).ingest(path: csvPath)
        if run { try simulateRun() }
    }

    /// The target the simulated run sends to.
    static let target = Target(profile: .zerohash, baseURL: "http://127.0.0.1:9/")

    /// Sends every pending job through `RunStore` with scripted answers; each attempt takes `latency(n)` ms,
    /// n counting attempts from 0: 10, 20, ... 100, 10, 20, ...
    func simulateRun() throws {
        let store = try RunStore(database: queue, target: ReportFixture.target)
        var clock = ReportFixture.runStart
        let runID = try store.beginRun(now: clock, rate: "1000/10s", concurrency: 2).id
        var sent = 0
        while true {
            let jobs = try store.claim(limit: 4, now: clock)
            if jobs.isEmpty {
                guard let due = try store.nextDue() else { break }
                clock = max(clock, due)
                continue
            }
            var records: [AttemptRecord] = []
            for job in jobs {
                let latency = Int64(10 * (sent % 10 + 1))
                sent += 1
                let number = job.attempts + 1
                var r = AttemptRecord(jobID: job.id, number: number, requestID: job.requestID, startedAt: clock,
                                      endedAt: clock + latency, status: 200, outcome: "succeeded", errorClass: nil,
                                      message: nil, responseBody: nil, transition: .succeeded)
                let previous = try queue.read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM attempt WHERE job_id = ?", arguments: [job.id]) ?? 0
                }
                func answer(_ status: Int?, _ outcome: AttemptOutcome, _ errorClass: ErrorClass, _ message: String, _ transition: JobTransition) {
                    r.status = status
                    r.outcome = outcome
                    r.errorClass = errorClass
                    r.message = message
                    r.transition = transition
                }
                switch job.participantCode {
                case "OKAY02" where previous == 0:
                    answer(429, "rate_limited", "rate_limited", "Too Many Requests", .pending(notBefore: clock + 1000, countsAttempt: false))
                case "FAIL01":
                    answer(400, "failed", "validation", ReportFixture.fail01Message, .failed)
                    r.responseBody = Array(#"{"errors":["\#(ReportFixture.fail01Message)"]}"#.utf8)
                case "RETRY1":
                    answer(503, number < 2 ? "retry" : "failed", "server", "Service Unavailable",
                           number < 2 ? .pending(notBefore: clock + 2000, countsAttempt: true) : .failed)
                case "NETW01":
                    answer(nil, number < 2 ? "retry" : "failed", "network", "connection reset by peer",
                           number < 2 ? .pending(notBefore: clock + 2000, countsAttempt: true) : .failed)
                default:
                    r.responseBody = Array(#"{"message":{"participant_code":"\#(job.participantCode)","body":\#(String(decoding: job.body, as: UTF8.self))}}"#.utf8)
                }
                records.append(r)
                clock += 100
            }
            try store.record(records)
        }
        try store.endRun(runID, now: clock + 1000, exitCode: 2, stopReason: nil)
    }

    /// The failures export as text.
    func failures(_ format: FailureFormat = .csv, redact: Bool = false) throws -> String {
        let file = scratch.file("failures-\(UUID().uuidString).\(format.rawValue)")
        let sink = try ReportSink(path: file)
        _ = try queue.read { try FailureExport(format: format, redact: redact).write($0, to: sink) }
        try sink.close()
        return try String(contentsOfFile: file, encoding: .utf8)
    }

    /// Every record of a CSV text, read by ingest's own reader.
    func csvRecords(_ text: String) throws -> [[String]] {
        let file = try scratch.write("records-\(UUID().uuidString).csv", text)
        let reader = CSVReader(source: try ByteSource(path: file))
        var records: [[String]] = []
        while let record = try reader.next() { records.append(record.cells.map { $0 ?? "<invalid UTF-8>" }) }
        return records
    }

    /// Every output of every format, for redaction checks.
    func allOutputs(redact: Bool) throws -> [String: String] {
        let summary = try queue.read { try ReportSummary.read($0, top: 50, redact: redact) }
        return [
            "failures.csv": try failures(.csv, redact: redact),
            "failures.jsonl": try failures(.jsonl, redact: redact),
            "summary.txt": summary.text(),
            "summary.json": try summary.jsonText(),
            "report.html": try queue.read { try HTMLReport(redact: redact).render($0, title: "backfill.sqlite", now: testNow) },
        ]
    }
}
