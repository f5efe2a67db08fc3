import BackfillSamples
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

    /// Writes the samples the binary carries into `samples/` beside `database` (a fresh demo database's path), or
    /// into a new temporary directory; returns the directory.
    public static func writeCarriedSamples(nextTo database: String?) throws -> String {
        let base = database.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("backfill-samples-\(UUID().uuidString)")
        let dir = base.appendingPathComponent("samples")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, bytes) in Samples.files {
            // Personal-looking data: 0600, like every file the tool writes that may hold some.
            let path = dir.appendingPathComponent(name).path
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                throw BackfillError("samples_write", "\(path): could not write the carried sample")
            }
        }
        return dir.path
    }

    /// A fresh database path in a new temporary directory.
    public static func temporaryDatabasePath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("backfill.sqlite").path
    }
}
