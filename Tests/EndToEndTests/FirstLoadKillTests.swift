import Foundation
import GRDB
import Testing

extension EndToEnd {
    /// A first load into an empty database is written through a rollback journal, not the write-ahead log.
    /// Killed with SIGKILL part way, it leaves the journal: a read-only command says what to run and leaves the
    /// files as they are; the next ingest rolls the load back (nothing of it stays) and loads its own file.
    @Suite struct FirstLoadKillTests {
        let workspace = Workspace()

        @Test func aFirstLoadKilledPartWayIsRolledBackByTheNextIngest() async throws {
            let db = workspace.file("first.sqlite")
            let big = workspace.file("big.csv")
            try Data(Participants.csv(count: 150_000).utf8).write(to: URL(fileURLWithPath: big))
            let load = try BuiltBinary(["ingest", big, "--db", db], environment: [:], outputIn: workspace.path, name: "load")
            defer { load.killIfRunning() }
            // The journal exists from the load's first write to its commit: kill it then.
            let deadline = ContinuousClock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: db + "-journal") {
                #expect(load.isRunning, "the load ended before it could be killed: \(load.output)")
                guard load.isRunning, ContinuousClock.now < deadline else { return }
                try await Task.sleep(for: .milliseconds(5))
            }
            load.signal(SIGKILL)
            #expect(try await load.waitForExit().reason == .uncaughtSignal)
            #expect(FileManager.default.fileExists(atPath: db + "-journal"))
            let before = try Data(contentsOf: URL(fileURLWithPath: db))

            let status = try BuiltBinary(["status", "--db", db], environment: [:], outputIn: workspace.path, name: "status")
            #expect(try await status.waitForExit().status != 0)
            let said = try String(contentsOfFile: status.stderrPath, encoding: .utf8)
            #expect(said.contains("was interrupted") && said.contains("backfill ingest"), "\(said)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before, "a read-only command changed the file")

            let small = workspace.file("small.csv")
            try Data(Participants.csv(count: 3).utf8).write(to: URL(fileURLWithPath: small))
            let again = try BuiltBinary(["ingest", small, "--db", db], environment: [:], outputIn: workspace.path, name: "again")
            #expect(try await again.waitForExit().status == 0, "\(again.output)")
            #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
            let (rows, jobs, files, check, journal) = try Ledger.peek(db) { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM input_row")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM job")!,
                 try String.fetchAll(db, sql: "SELECT path FROM source_file"), try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                 try String.fetchOne(db, sql: "PRAGMA journal_mode"))
            }
            #expect(rows == 3 && jobs == 3 && files == [small], "rows \(rows), jobs \(jobs), files \(files)")
            #expect(check == "ok")
            #expect(journal == "wal")
        }
    }
}
