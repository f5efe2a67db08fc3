/// Which build this is: `backfill --version`, and what every run records in its row (`run.version`).
///
/// `scripts/release.sh` writes the commit (and whether the tree had changes) into this file for the release
/// build, and puts the file back afterwards. A build made any other way (`swift build`, `swift run`) says that it
/// does not know its commit rather than guess.
public enum BuildInfo {
    /// The release's version (semantic versioning).
    public static let version = "0.21.0"
    /// The git commit the binary was built from (`git rev-parse --short=12 HEAD`, `-dirty` when the tree had
    /// uncommitted changes); nil when the build had no git information.
    public static let commit: String? = nil

    /// `backfill 0.21.0 (commit 3f2a9c1b7d4e)` or `backfill 0.21.0 (commit unknown: ...)`.
    public static var description: String {
        if let commit { return "backfill \(version) (commit \(commit))" }
        return "backfill \(version) (commit unknown: built without git information, not by scripts/release.sh)"
    }

    /// What a run row records: `0.21.0+3f2a9c1b7d4e`, or `0.21.0+unknown`.
    public static var recorded: String { "\(version)+\(commit ?? "unknown")" }
}
