import BackfillStore
/// Carries out the corrections of one ingested failures report inside its transaction, after its rows are
/// stored and before its participants are folded again: finds the stored row each correction row names,
/// takes `Correction.verdict` and sets the rows' fates (`resolved`, `ignored`).
struct CorrectionPass {
    /// One row of the file that may correct a rejected row.
    struct Entry {
        var rowID: Int64
        var mark: CorrectionMark
    }

    let store: JobStore
    /// The file being ingested: its id, its name in messages, and its columns.
    let fileID: Int64
    let fileName: String
    let columns: SourceColumns

    /// Applies every entry, named rows first, then the rows matched by timestamp. `firstRowID` is the file's
    /// first stored row: the rows it may correct were stored before it; `earlierRows` is false when there are
    /// none (a fresh database: every named row is unknown, and no row is matched by timestamp).
    func run(_ entries: [Entry], firstRowID: Int64, earlierRows: Bool) throws -> (counts: CorrectionCounts, notes: [String]) {
        var filesByName: [String: [Int64]] = [:]
        for file in try store.fileNames() where file.id != fileID { filesByName[file.name, default: []].append(file.id) }
        var columnsByFile: [Int64: SourceColumns] = [:]
        var claimed: Set<Int64> = []
        var counts = CorrectionCounts()
        var notes = NoteTally()

        func cells(_ row: JobStore.StoredRow) throws -> [String: String]? {
            guard let raw = row.raw else { return nil }
            if columnsByFile[row.fileID] == nil { columnsByFile[row.fileID] = try store.sourceColumns(fileID: row.fileID) }
            return columnsByFile[row.fileID]?.cellTexts(raw)
        }

        func apply(_ row: JobStore.StoredRow, replacing named: [JobStore.StoredRow], reference: String) throws {
            claimed.formUnion(named.map(\.id))
            let candidate = Correction.Candidate(accepted: row.status == .accepted, participantCode: row.participantCode,
                                                 cells: row.raw.map(columns.cellTexts) ?? [:])
            let verdict = Correction.verdict(candidate, named: try named.map {
                Correction.Named(status: $0.status, participantCode: $0.participantCode, rejectCode: $0.rejectCode,
                                 cells: try cells($0))
            })
            let open = named.filter { $0.status == .rejected }.map(\.id)
            let here = "\(fileName):\(row.line)"
            switch verdict {
            case .applied:
                try store.setStatus(.resolved, rowIDs: open)
                counts.applied += 1
            case .replaced:
                try store.setStatus(.resolved, rowIDs: open)
                counts.stillRejected += 1
            case .unchanged:
                try store.setStatus(.ignored, rowIDs: [row.id])
                counts.stillRejected += 1
            case .lostParticipant(let owner):
                try store.setStatus(.ignored, rowIDs: [row.id])
                counts.stillRejected += 1
                notes.add("corrections without a usable participant_code (ignored; the rows they name still hold their participants)",
                          "\(here) -> \(reference) of \(owner)")
            case .otherParticipant(let owner):
                counts.unmatched += 1
                notes.add("corrections naming another participant's row (read as new rows; the row they name still holds its participant)",
                          "\(here) -> \(reference) of \(owner)")
            case .alreadyReplaced:
                try store.setStatus(.ignored, rowIDs: [row.id])
                counts.alreadyReplaced += 1
                notes.add("corrections naming a row an earlier correction already replaced (ignored; export the failures again to correct it further)",
                          "\(here) -> \(reference)")
            }
        }

        var byTimestamp: [Entry] = []
        for entry in entries {
            guard let text = entry.mark.row else {
                if Correction.correctsByTimestamp(entry.mark) { byTimestamp.append(entry) }
                continue
            }
            guard let row = try store.storedRow(id: entry.rowID) else { continue }
            switch Correction.reference(text) {
            case .several:
                continue
            case .unreadable:
                counts.unmatched += 1
                notes.add("backfill_row cells that are not one file:line (read as new rows)", "\(fileName):\(row.line): '\(text)'")
            case .row(let file, let line):
                let stored = try store.correctableRows(fileIDs: filesByName[file] ?? [], line: line)
                guard let named = Correction.pick(stored, status: \.status, participantCode: \.participantCode,
                                                  for: row.participantCode) else {
                    counts.unmatched += 1
                    notes.add("corrections naming no rejected row of this database (read as new rows)",
                              "\(fileName):\(row.line) -> \(text)")
                    continue
                }
                try apply(row, replacing: [named], reference: text)
            }
        }
        for entry in byTimestamp where earlierRows {
            guard let row = try store.storedRow(id: entry.rowID), let code = row.participantCode,
                  let at = row.platformUpdatedAt else { continue }
            let named = try store.rejectedRows(participantCode: code, platformUpdatedAt: at, before: firstRowID)
                .filter { !claimed.contains($0.id) }
            guard !named.isEmpty else { continue }
            try apply(row, replacing: named, reference: "\(code) at its platform_updated_at")
        }
        return (counts, notes.lines(file: fileName))
    }
}

/// Notes about corrections, one line per kind with its count and the first examples.
private struct NoteTally {
    private var kinds: [(what: String, count: Int, examples: [String])] = []

    mutating func add(_ what: String, _ example: String) {
        if let i = kinds.firstIndex(where: { $0.what == what }) {
            kinds[i].count += 1
            if kinds[i].examples.count < 3 { kinds[i].examples.append(example) }
        } else {
            kinds.append((what, 1, [example]))
        }
    }

    func lines(file: String) -> [String] {
        kinds.map { kind in
            let more = kind.count > kind.examples.count ? ", ..." : ""
            return "\(file): \(kind.what): \(kind.count) (\(kind.examples.joined(separator: ", "))\(more))"
        }
    }
}
