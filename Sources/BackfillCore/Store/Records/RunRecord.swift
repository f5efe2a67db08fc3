import Foundation
import GRDB

/// A row of `run`: one `backfill run`, against one target.
package struct RunRecord: Codable, Sendable, FetchableRecord, TableRecord {
    package static let databaseTableName = "run"

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let targetID = Column(CodingKeys.targetID)
        package static let endedAt = Column(CodingKeys.endedAt)
    }

    package var id: Int64
    package var startedAt: Int64
    package var endedAt: Int64?
    package var baseURL: String
    package var rate: String
    package var concurrency: Int
    package var exitCode: Int?
    package var targetID: Int64?
    package var profile: String?
    package var stopCode: RunStop.Code?
    package var stopMessage: String?
    /// The build that made the run (`BuildInfo.recorded`); nil for a run made before 0014.
    package var version: String?
    /// Lockouts of the IP the run caused, and their seconds (0 before 0015).
    package var lockouts: Int
    package var lockoutSeconds: Double

    enum CodingKeys: String, CodingKey {
        case id, rate, concurrency, profile, version, lockouts
        case lockoutSeconds = "lockout_seconds"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case baseURL = "base_url"
        case exitCode = "exit_code"
        case targetID = "target_id"
        case stopCode = "stop_code"
        case stopMessage = "stop_message"
    }

    /// Why the run stopped, when it did not drain.
    package var stop: RunStop? { stopCode.map { RunStop($0, stopMessage) } }
}

extension DerivableRequest<RunRecord> {
    /// The runs on one target, oldest first.
    package func on(target id: Int64) -> Self { filter(RunRecord.Columns.targetID == id).order(RunRecord.Columns.id) }

    /// Runs that never recorded an end (still going, or died).
    package func unended() -> Self { filter(RunRecord.Columns.endedAt == nil) }
}
