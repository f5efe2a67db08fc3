@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI

/// A fresh temporary directory for one test: input files and real SQLite databases live here.
/// Held as a suite property, so every test gets its own, removed when the test's suite instance goes away.
final class ScratchDirectory {
    let path: String

    init() {
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        var template = Array((base + "backfill-core-tests-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { preconditionFailure("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The full path of `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` as UTF-8 and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes (for BOMs and invalid UTF-8) and returns the file's path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// A new job database in this directory, opened as the tool opens it (0600, WAL, migrated).
    func database(_ name: String = "backfill.sqlite") throws -> DatabaseQueue {
        try BackfillDatabase.open(path: file(name))
    }

    /// Compresses `name` with the system gzip, keeping the original; returns the `.gz` path.
    func gzip(_ name: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-k", "-n", "-f", file(name)]
        try process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "gzip failed for \(name)")
        return file(name) + ".gz"
    }
}

/// The fixed clock of the tests: 2025-01-01T00:00:00Z in epoch milliseconds.
let testNow: Int64 = 1_735_689_600_000

extension IngestOptions {
    /// Default options on the tests' fixed clock, for an `ndax` database: the seed's bodies these tests pin.
    static func testing(mappings: [String] = [], strictColumns: Bool = false, extraIDTypes: [String] = []) -> IngestOptions {
        IngestOptions(mappings: mappings, strictColumns: strictColumns, extraIDTypes: extraIDTypes, now: { testNow },
                      contract: .ndax)
    }
}

/// The normalizer `Ingester` builds for these options, on the tests' fixed clock.
func testNormalizer(strictColumns: Bool = false, extraIDTypes: [String] = []) -> RowNormalizer {
    RowNormalizer(idTypes: SegmentRules(extraIDTypes: extraIDTypes).idTypes, strictColumns: strictColumns, now: testNow)
}
