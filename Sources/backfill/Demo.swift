import BackfillStore
import Foundation

/// Helpers for `backfill demo`: the bundled sample inputs and a scratch database.
public enum Demo {
    /// The ingestible files in a directory (by extension), sorted by name.
    public static func sampleFiles(in directory: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw BackfillError("samples_missing", "\(directory): no such directory (run from the repository root, or pass --samples DIR)")
        }
        let files = names.filter { InputFormat.fromExtension($0) != nil }.sorted().map { "\(directory)/\($0)" }
        if files.isEmpty { throw BackfillError("samples_missing", "\(directory): no .csv or .jsonl files") }
        return files
    }

    /// A fresh database path in a new temporary directory.
    public static func temporaryDatabasePath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("backfill.sqlite").path
    }
}
