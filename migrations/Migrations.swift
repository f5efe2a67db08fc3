import Foundation

/// The schema, as the ordered list of `migrations/sql/NNNN_name.sql` files bundled with the package.
public enum Migrations {
    /// One schema step: its name (the file name without `.sql`) and its SQL.
    public struct Step: Sendable {
        public let name: String
        public let sql: String
    }

    /// Every migration, in file-name order.
    public static func all() throws -> [Step] {
        guard let dir = Bundle.module.url(forResource: "sql", withExtension: nil) else {
            preconditionFailure("migrations/sql is not bundled")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        return try files.map { file in
            Step(name: String(file.dropLast(4)),
                 sql: try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8))
        }
    }
}
