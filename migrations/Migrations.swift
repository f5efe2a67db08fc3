import Foundation

/// The schema, as the ordered list of `migrations/sql/NNNN_name.sql` files, embedded in the code by SwiftPM
/// (`.embedInCode`): the binary carries them, so nothing is looked up beside it or at its build path.
///
/// A new migration file needs its line in `all` (SwiftPM names each embedded file after it, less the leading
/// digit of `NNNN`); `MigrationsTests` checks that the list is every file of `migrations/sql`, in order, byte
/// for byte.
public enum Migrations {
    /// One schema step: its name (the file name without `.sql`) and its SQL.
    public struct Step: Sendable {
        public let name: String
        public let sql: String

        init(name: String, bytes: [UInt8]) {
            self.name = name
            self.sql = String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Every migration, in file-name order.
    public static func all() throws -> [Step] { steps }

    private static let steps: [Step] = [
        Step(name: "0001_init", bytes: PackageResources._001_init_sql),
        Step(name: "0002_run_lock", bytes: PackageResources._002_run_lock_sql),
        Step(name: "0003_ledger", bytes: PackageResources._003_ledger_sql),
        Step(name: "0004_targets", bytes: PackageResources._004_targets_sql),
        Step(name: "0005_corrections", bytes: PackageResources._005_corrections_sql),
        Step(name: "0006_history", bytes: PackageResources._006_history_sql),
        Step(name: "0007_compact_rows", bytes: PackageResources._007_compact_rows_sql),
        Step(name: "0008_send_counts", bytes: PackageResources._008_send_counts_sql),
        Step(name: "0009_exact_bytes", bytes: PackageResources._009_exact_bytes_sql),
        Step(name: "0010_typed_vocabulary", bytes: PackageResources._010_typed_vocabulary_sql),
        Step(name: "0011_contract", bytes: PackageResources._011_contract_sql),
        Step(name: "0012_echo_mismatch", bytes: PackageResources._012_echo_mismatch_sql),
        Step(name: "0013_across_participants", bytes: PackageResources._013_across_participants_sql),
        Step(name: "0014_run_version", bytes: PackageResources._014_run_version_sql),
        Step(name: "0015_lockouts", bytes: PackageResources._015_lockouts_sql),
    ]
}
