import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI

/// A fresh temporary directory for one test, with its job database; removed when the test's suite instance goes.
final class Workspace: @unchecked Sendable {
    let path: String

    init() {
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        var template = Array((base + "backfill-e2e-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { preconditionFailure("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// The job database's path.
    var databasePath: String { file("backfill.sqlite") }

    /// Opens the job database as the tool does (0600, WAL, migrated).
    func openDatabase() throws -> DatabaseQueue {
        try BackfillDatabase.open(path: databasePath)
    }

    /// Writes `count` generated participants (`P00001`, `P00002`, ...) with full, valid name, address and email
    /// segments as a CSV, ingests it under `contract` (the in-process sandbox's default is `ndax`), and returns
    /// the participant codes in order.
    @discardableResult
    func ingestParticipants(_ count: Int, into database: DatabaseQueue, contract: Contract = .ndax) throws -> [String] {
        let csv = file("participants.csv")
        try Data(Participants.csv(count: count).utf8).write(to: URL(fileURLWithPath: csv))
        let report = try Ingester(database: database, options: IngestOptions(contract: contract)).ingest(path: csv)
        precondition(report.jobsCreated == count, "ingest created \(report.jobsCreated) jobs, expected \(count)")
        return Participants.codes(count: count)
    }

    /// Every byte of the database's files (main, WAL, shared memory), for grepping.
    func databaseBytes() throws -> [UInt8] {
        var all: [UInt8] = []
        for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
            all += Array(try Data(contentsOf: URL(fileURLWithPath: databasePath + suffix)))
        }
        return all
    }
}

/// Generated participants: codes the sandbox accepts (6 upper-case letters or digits) and complete segments.
enum Participants {
    static let header = "participant_code,platform_updated_at,first_name,last_name,address_one,address_two,city,state,zip,country,email\n"
    static let firstNames = ["Ana", "Bo", "Chen", "Dara", "Eli", "Farah", "Gus", "Hana", "Ivo", "June", "Kofi", "Lena"]
    static let lastNames = ["Nguyen", "Okafor", "Patel", "Quinn", "Rossi", "Silva", "Tanaka", "Usman", "Vance", "Weber"]

    static func code(_ n: Int) -> String { "P" + String(format: "%05d", n) }

    static func codes(count: Int) -> [String] { (1...count).map(code) }

    static func csv(count: Int) -> String {
        var text = header
        for n in 1...count {
            let first = firstNames[n % firstNames.count]
            let last = lastNames[(n / firstNames.count) % lastNames.count]
            let zip = String(format: "%05d", 10_000 + n)
            text += "\(code(n)),2024-03-01T10:00:00Z,\(first),\(last),\(n) Main St,,Austin,TX,\(zip),USA,\(code(n).lowercased())@example.com\n"
        }
        return text
    }
}

/// Bytes contain a string's UTF-8.
extension Array where Element == UInt8 {
    func contains(text: String) -> Bool { contains(bytes: Array(text.utf8)) }

    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        var i = 0
        while i + needle.count <= count {
            if self[i] == needle[0], Array(self[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }
}
