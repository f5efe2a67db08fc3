import GRDB

/// The format of an input file.
public enum InputFormat: String, Sendable, CaseIterable {
    case csv
    case jsonl

    /// From the file name: `.csv`, `.jsonl`, `.ndjson`, each optionally followed by `.gz`.
    public static func fromExtension(_ path: String) -> InputFormat? {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }
}

/// How an input is named in messages and `file:line` sources: `-` (standard input) reads `<stdin>`.
public func inputDisplayName(_ path: String) -> String {
    path == "-" ? "<stdin>" : path
}
