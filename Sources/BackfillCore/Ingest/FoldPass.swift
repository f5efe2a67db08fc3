import BackfillStore
import Foundation
import GRDB
import ParticipantAPI

/// Folds the selected participants again into their current jobs (latest mode) or steps (history mode), with
/// all of their stored rows: the store reads the rows in fold order on the database thread and writes what comes
/// back (`FoldReader`); decoding the rows, folding and making the bodies and request_ids runs on two more
/// threads (`OrderedStage`), a batch of participants at a time, handed back in order.
struct FoldPass {
    struct Counts {
        var participants = 0
        var created = 0
        var unchanged = 0
        var superseded = 0
        /// Under `zerohash`: participants whose only change is their ID (listed, no job).
        var idOnly = 0
    }

    /// Participants per batch handed to the fold's threads.
    static let batch = 256

    /// What the fold's threads made of a participant: latest mode's fold, or history mode's steps (with the
    /// decoded rows, for the corrective fold the history writer may ask for).
    private struct Folded: Sendable {
        var code: String
        var rows: [Fold.Row]
        var latest: Fold.Result?
        var steps: HistorySteps.Result?
        /// Latest mode: the addresses the participant gave up (history mode's steps carry their emails).
        var releases: [EmailRelease] = []
        var moves: [JurisdictionMove] = []
    }

    let fold: Fold
    let mode: IngestMode

    func run(_ store: JobStore, _ selection: JobStore.FoldSelection, now: Int64) throws -> Counts {
        var reader = try store.foldReader(selection, now: now)
        let files = reader.files
        let (fold, mode) = (self.fold, self.mode)
        let history = HistorySteps(rules: fold.rules)
        let stage = OrderedStage<[JobStore.StoredParticipant], [Folded]>(workers: 2) { batch in
            batch.map { p in
                let rows = p.rows.map { r -> Fold.Row in
                    let file = files[r.fileID]
                    let values = file?.values(raw: r.raw, norm: r.norm) ?? StoredFile.noValues
                    return Fold.Row(file: file?.name ?? "file \(r.fileID)", line: r.line, platformUpdatedAt: r.platformUpdatedAt,
                                    values: values, rejection: r.rejection)
                }
                let moves = ParticipantTimeline.moves(rows, contract: fold.rules.contract)
                return mode == .history
                    ? Folded(code: p.code, rows: rows, latest: nil, steps: history.build(participantCode: p.code, rows: rows), moves: moves)
                    : Folded(code: p.code, rows: [], latest: fold.fold(participantCode: p.code, rows: rows), steps: nil,
                             releases: ParticipantTimeline.releases(rows), moves: moves)
            }
        }
        var finished = false
        defer { if !finished { stage.cancel() } }
        var counts = Counts()
        let (jobs, steps, documents, timeline) = (reader.jobs, reader.steps, reader.documents, reader.timeline)
        let listsIDChanges = !fold.rules.contract.sendsIDChanges
        func write(_ batch: [Folded]) throws {
            for p in batch {
                counts.participants += 1
                try timeline.write(participantCode: p.code, releases: p.releases, moves: p.moves)
                if let history = p.steps {
                    let written = try steps.write(history.draft) { fold.fold(participantCode: p.code, rows: p.rows).draft }
                    counts.created += written.created
                    counts.unchanged += written.unchanged
                    counts.superseded += written.superseded
                    if listsIDChanges { try documents.write(history.idChange?.need(p.code), participantCode: p.code) }
                    if history.idChange != nil && history.steps.isEmpty && history.holdReasons.isEmpty { counts.idOnly += 1 }
                } else if let latest = p.latest {
                    let idOnly = latest.idChange != nil && latest.body == nil && !latest.isHeld
                    switch try jobs.write(latest.draft) {
                    case .created: counts.created += 1
                    case .unchanged: if !idOnly { counts.unchanged += 1 }
                    case .replaced: counts.created += 1; counts.superseded += 1
                    case .removed: counts.superseded += 1
                    }
                    if listsIDChanges { try documents.write(latest.idChange?.need(p.code), participantCode: p.code) }
                    if idOnly { counts.idOnly += 1 }
                }
            }
        }
        var batch: [JobStore.StoredParticipant] = []
        batch.reserveCapacity(Self.batch)
        while let participant = try reader.next() {
            batch.append(participant)
            if batch.count == Self.batch {
                try stage.submit(batch, write: write)
                batch = []
                batch.reserveCapacity(Self.batch)
            }
        }
        if !batch.isEmpty { try stage.submit(batch, write: write) }
        try stage.finish(write: write)
        finished = true
        try reader.finish()
        return counts
    }
}

extension Fold.IDChange {
    /// What the store lists of it.
    func need(_ participantCode: String) -> DocumentNeed {
        DocumentNeed(participantCode: participantCode, idNumberType: idNumberType, platformUpdatedAt: platformUpdatedAt, sources: sources,
                     problem: problem)
    }
}

extension Fold.Result {
    /// What the store keeps of the fold.
    var draft: JobDraft {
        JobDraft(participantCode: participantCode, holdReasons: holdReasons, requestID: requestID, body: body,
                 platformUpdatedAt: platformUpdatedAt, email: values[.email], rowCount: rowCount)
    }
}

extension HistorySteps.Result {
    /// What the store keeps of the steps.
    var draft: StepsDraft {
        StepsDraft(participantCode: participantCode,
                   steps: steps.map { StepsDraft.Step(number: $0.number, platformUpdatedAt: $0.platformUpdatedAt, requestID: $0.requestID,
                                                      body: $0.body, sources: $0.sources, email: $0.email) },
                   holdReasons: holdReasons)
    }
}

extension JobStore {
    /// Stores an input row as ingest made it.
    func insertRow(_ row: InputRow, fileID: Int64) throws -> Int64 {
        try insertRow(fileID: fileID, line: row.line, raw: row.raw, participantCode: row.participantCode,
                      platformUpdatedAt: row.platformUpdatedAt, norm: row.norm,
                      rejection: row.problems.first.map { ($0.code, $0.column, row.problems.map(\.message).joined(separator: "; ")) })
    }
}
