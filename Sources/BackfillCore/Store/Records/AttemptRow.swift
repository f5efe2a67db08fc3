import Foundation
import GRDB

/// A row of `attempt`, the ledger: one request and what came of it. (`AttemptRecord` is what a run writes.)
package struct AttemptRow: Codable, Sendable, FetchableRecord, TableRecord {
    package static let databaseTableName = "attempt"

    package enum Columns {
        package static let jobID = Column(CodingKeys.jobID)
        package static let runID = Column(CodingKeys.runID)
        package static let targetID = Column(CodingKeys.targetID)
        package static let outcome = Column(CodingKeys.outcome)
        package static let endedAt = Column(CodingKeys.endedAt)
    }

    package var id: Int64
    package var jobID: Int64
    package var number: Int
    package var requestID: String
    package var startedAt: Int64
    package var endedAt: Int64
    package var latencyMs: Int64
    package var httpStatus: Int?
    package var outcome: AttemptOutcome
    package var errorClass: ErrorClass?
    package var message: String?
    package var targetID: Int64?
    package var runID: Int64?

    enum CodingKeys: String, CodingKey {
        case id, number, outcome, message
        case jobID = "job_id"
        case requestID = "request_id"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case latencyMs = "latency_ms"
        case httpStatus = "http_status"
        case errorClass = "error_class"
        case targetID = "target_id"
        case runID = "run_id"
    }
}

extension DerivableRequest<AttemptRow> {
    /// One run's attempts.
    package func of(run id: Int64) -> Self { filter(AttemptRow.Columns.runID == id) }

    /// Attempts that got an answer or a failure of their own (not those found in flight after a crash).
    package func answered() -> Self { filter(AttemptRow.Columns.outcome != AttemptOutcome.interrupted) }
}
