/// The sample inputs the binary carries (`backfill demo`), embedded in the code by SwiftPM: the demo works from
/// any directory, on a host with no checkout.
public enum Samples {
    /// Each sample file's name and bytes, in name order: the inputs, then their README.
    public static let files: [(name: String, bytes: [UInt8])] = [
        ("changes.csv", PackageResources.changes_csv),
        ("changes.jsonl", PackageResources.changes_jsonl),
        ("README.md", PackageResources.README_md),
    ]
}
