import BackfillMigrations
import BackfillReport
import BackfillRun
import BackfillSamples
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import Testing

extension EndToEnd {
    /// What the binary carries and says about itself (issue 21). The release artifact itself (static, stripped,
    /// runtime hidden) is checked by scripts/check-release.sh, which .ci/run runs after scripts/release.sh.
    @Suite struct ReleaseTests {
        let workspace = Workspace()
        private let counter = Counter()
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        func backfill(_ arguments: [String], in directory: String? = nil) async throws -> OperatorSafetyTests.CommandResult {
            try await runBackfill(arguments, in: directory ?? workspace.path, name: "release-\(counter.next())")
        }

        @Test func theCarriedMigrationsAreEveryFileOfMigrationsSQLInOrderByteForByte() throws {
            let dir = Self.repository.appendingPathComponent("migrations/sql")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }.sorted()
            let carried = try Migrations.all()
            #expect(carried.map(\.name) == files.map { String($0.dropLast(4)) })
            for (step, file) in zip(carried, files) {
                #expect(Array(step.sql.utf8) == Array(try Data(contentsOf: dir.appendingPathComponent(file))), "\(file)")
            }
        }

        @Test func theCarriedSamplesAreTheFilesOfSamples() throws {
            let dir = Self.repository.appendingPathComponent("samples")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix(".swift") }.sorted()
            #expect(Samples.files.map(\.name).sorted() == files)
            for (name, bytes) in Samples.files {
                #expect(bytes == Array(try Data(contentsOf: dir.appendingPathComponent(name))), "\(name)")
            }
        }

        @Test func versionSaysWhatItKnowsAndEveryHelpFitsEightyColumns() async throws {
            let version = try await backfill(["--version"])
            #expect(version.status == 0)
            #expect(version.stdout.hasPrefix("backfill \(BuildInfo.version) (commit "))
            // A test build has no git information: it says so rather than guess.
            #expect(version.stdout.contains("commit unknown"))
            for command in ["", "ingest", "status", "explain", "run", "resume", "rate", "report", "retry", "purge", "unlock", "sandbox", "demo"] {
                let help = try await backfill(["help"] + (command.isEmpty ? [] : [command]))
                #expect(help.status == 0)
                let wide: [String] = help.stdout.components(separatedBy: "\n").filter { $0.count > 80 }
                #expect(wide.isEmpty, "backfill help \(command): \(wide.count) lines over 80 columns: \(wide.first ?? "")")
            }
        }

        @Test(arguments: ["bash", "zsh", "fish"])
        func shellCompletionIsGenerated(shell: String) async throws {
            let script = try await backfill(["--generate-completion-script", shell])
            #expect(script.status == 0)
            for command in ["ingest", "status", "report", "retry", "sandbox", "demo"] {
                #expect(script.stdout.contains(command), "\(shell) completion knows \(command)")
            }
        }

        @Test func demoWorksFromADirectoryWithNoCheckoutOnTheSamplesItCarries() async throws {
            let elsewhere = workspace.file("elsewhere")
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            let demo = try await backfill(["demo", "--db", workspace.file("elsewhere/demo.sqlite")], in: elsewhere)
            #expect(demo.status == 0, "\(demo.output)")
            #expect(demo.stdout.contains("update(s) applied"))
            // The samples were written beside the demo database, not into the directory it ran in.
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).filter { $0.hasSuffix(".csv") }.isEmpty)
        }

        @Test func everyRunRecordsTheBuildThatMadeItAndStatusNamesIt() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(3, into: db, contract: .ndax)
            try await withSandbox { sandbox in
                _ = try await runOffThePool(database: db, configuration: sandbox.runConfiguration(), credentials: sandbox.clientCredentials)
            }
            let read = { (body: (Database) throws -> Void) in try db.read(body) }
            var versions: [String] = []
            try read { versions = try String.fetchAll($0, sql: "SELECT version FROM run") }
            #expect(versions == [BuildInfo.recorded])
            var status: StatusSummary?
            try read { status = try StatusSummary.read($0) }
            #expect(status?.targets.map(\.versions) == [[BuildInfo.recorded]])
            var summary: ReportSummary?
            try read { summary = try ReportSummary.read($0) }
            #expect(summary?.runs.map(\.version) == [BuildInfo.recorded])
        }
    }
}
