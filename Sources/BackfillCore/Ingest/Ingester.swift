import BackfillStore
import Crypto
import Foundation
import GRDB
import ParticipantAPI

/// Ingests input files into the job database, one transaction per file: every row is stored with its fate,
/// then every participant the file touches is folded again (with its earlier rows) into its current job.
/// A file-level error rolls the file back: the database is left exactly as it was.
///
/// ```swift
/// let ingester = try Ingester(database: try BackfillDatabase.open(path: "backfill.sqlite"), options: IngestOptions())
/// let report = try ingester.ingest(path: "samples/changes.csv")
/// ```
public final class Ingester {
    private let database: DatabaseQueue
    private let options: IngestOptions

    public init(database: DatabaseQueue, options: IngestOptions) throws {
        try options.validate()
        self.database = database
        self.options = options
    }

    /// The segment rules of the database's contract, with `--allow-id-type` and `--vendor-reliance`.
    private func rules(_ contract: Contract, vendorReliance: Bool) -> SegmentRules {
        SegmentRules(contract: contract, extraIDTypes: options.extraIDTypes.map(ValueNormalizer.snakeCase),
                     vendorReliance: vendorReliance)
    }

    /// Ingests one file (`-` for standard input).
    public func ingest(path: String) throws -> IngestReport {
        let source = try ByteSource(path: path)
        let format = try format(of: path, source: source)
        let now = options.now()
        var report = IngestReport(path: path, format: format)
        let hashing = HashingSource(source)

        do {
            try database.writeWithoutTransaction { db in
                try RunLock.refuseIfHeld(db, action: "ingest")
                try refoldPending(db, now: now, report: &report)
                try BulkLoad.tuned(db) { try BulkLoad.firstLoadDirect(db) {
                try db.inTransaction(.immediate) {
                    let contract = try ContractSetting.resolve(db, requested: options.contract, displayPath: database.path)
                    report.contract = contract
                    try options.validateFieldLength(for: contract)
                    let segmentRules = rules(contract, vendorReliance: try VendorRelianceSetting.resolve(db, requested: options.vendorReliance))
                    let resolver = try ColumnResolver(mappings: options.mappings, contract: contract)
                    let normalizer = RowNormalizer(rules: segmentRules, strictColumns: options.strictColumns, now: now,
                                                   maxFieldLength: options.maxFieldLength)
                    let rows: any RowSource = switch format {
                    case .csv: try CSVRowSource(source: hashing.source, resolver: resolver, normalizer: normalizer)
                    case .jsonl: JSONLRowSource(source: hashing.source, resolver: resolver, normalizer: normalizer)
                    }
                    let store = try JobStore(db)
                    let mode = try IngestMode.resolve(db, requested: options.mode, displayPath: database.path)
                    report.mode = mode
                    // A load at least as big as what is stored goes faster without the fold index: the fold then
                    // reads through SQLite's sorter, and the index is rebuilt once, in order, at the end.
                    let existing = try store.rowCount()
                    var droppedIndex = existing == 0 || source.estimatedRows.map { $0 >= existing } == true
                        ? try store.dropFoldIndex() : nil
                    let fileID = try store.insertFile(path: path, format: format, now: now)
                    var phaseStart = ContinuousClock.now
                    func phase(_ name: String) {
                        let t = ContinuousClock.now
                        report.phaseSeconds.append((name, (t - phaseStart).seconds))
                        phaseStart = t
                    }
                    var firstRowID: Int64?
                    var lastRowID: Int64?
                    var corrections: [CorrectionPass.Entry] = []
                    let pipeline = RowPipeline(source: rows, finish: { try hashing.drain() })
                    do {
                        while let batch = try pipeline.next() {
                            for row in batch {
                                let id = try store.insertRow(row, fileID: fileID)
                                if firstRowID == nil { firstRowID = id }
                                lastRowID = id
                                if let mark = row.correction, mark.row != nil || Correction.correctsByTimestamp(mark) {
                                    corrections.append(CorrectionPass.Entry(rowID: id, mark: mark))
                                }
                                report.rowsRead += 1
                                if row.isAccepted {
                                    report.rowsAccepted += 1
                                } else {
                                    report.rowsRejected += 1
                                    let first = row.problems[0]
                                    report.countRejection(code: first.code, example: "\(source.name):\(row.line): \(first.message)")
                                }
                            }
                        }
                    } catch {
                        pipeline.cancel()
                        throw error
                    }
                    pipeline.join()
                    phase("read, normalize, store rows")
                    report.notes += rows.notes
                    let digest = hashing.hexDigest()
                    if let earlier = try store.fileWithDigest(digest) {
                        report.unchanged = true
                        if let first = firstRowID, let last = lastRowID {
                            report.participants = try store.participantCount(rowRange: first...last)
                        }
                        report.notes.append("\(source.name): same content as '\(earlier)', ingested before: nothing changed")
                        return .rollback
                    }
                    let columns = SourceColumns(format: format, header: rows.header, resolved: rows.columnTargets)
                    try store.finishFile(fileID, digest: digest, header: rows.header, columns: columns,
                                         rows: (report.rowsRead, report.rowsAccepted, report.rowsRejected),
                                         rowRange: firstRowID.map { $0...lastRowID! })
                    if rows.isCorrection { report.corrections = CorrectionCounts() }
                    if let first = firstRowID, let last = lastRowID {
                        if rows.isCorrection, !corrections.isEmpty {
                            // Corrections look earlier rows up through the fold index.
                            if existing > 0, let sql = droppedIndex {
                                try store.rebuildIndex(sql)
                                droppedIndex = nil
                            }
                            let pass = CorrectionPass(store: store, fileID: fileID, fileName: source.name, columns: columns)
                            let (counts, notes) = try pass.run(corrections, firstRowID: first, earlierRows: existing > 0)
                            report.corrections = counts
                            report.notes += notes
                            phase("corrections")
                        }
                        let counts = try FoldPass(fold: Fold(rules: segmentRules), mode: mode).run(store, .rows(first...last), now: now)
                        report.participants = counts.participants
                        report.jobsCreated = counts.created
                        report.jobsUnchanged = counts.unchanged
                        report.jobsSuperseded = counts.superseded
                        report.idOnly = counts.idOnly
                        phase("fold and store jobs")
                        try store.applyEmailUniqueness(mode: mode, now: now)
                        phase("email uniqueness")
                    }
                    if let droppedIndex {
                        try store.rebuildIndex(droppedIndex)
                        phase("rebuild fold index")
                    }
                    if let first = firstRowID, let last = lastRowID {
                        report.held = try store.heldCount(rowRange: first...last)
                    }
                    return .commit
                }
                } }
            }
        } catch let error as DatabaseError {
            throw BackfillError("database_write", "\(source.name): database error: \(error.message ?? "\(error.resultCode)")")
        }
        if report.unchanged {
            report.jobsUnchanged = report.participants
        }
        return report
    }

    /// Folds again, in a transaction of its own, the participants `0009_exact_bytes` found stored by the release
    /// that compared values with Swift's canonical `==` (an NFD name was sent decomposed). Those whose body is now
    /// different get a new job with a new request_id; a note says how many.
    private func refoldPending(_ db: Database, now: Int64, report: inout IngestReport) throws {
        let store = try JobStore(db)
        guard try store.pendingRefoldCount() > 0 else { return }
        try db.inTransaction(.immediate) {
            let mode = try IngestMode.resolve(db, requested: nil, displayPath: database.path)
            let contract = try ContractSetting.stored(db)
            let counts = try FoldPass(fold: Fold(rules: rules(contract, vendorReliance: try VendorRelianceSetting.stored(db))), mode: mode).run(store, .pending, now: now)
            try store.applyEmailUniqueness(mode: mode, now: now)
            try store.clearPendingRefold()
            let jobs = mode == .history ? "steps" : "jobs"
            report.notes.append("folded again \(counts.participants) participants whose rows an earlier release stored "
                + "without their NFC values: \(counts.created) new \(jobs) (NFC bodies, new request_ids), \(counts.unchanged) unchanged")
            return .commit
        }
    }

    private func format(of path: String, source: ByteSource) throws -> InputFormat {
        if let format = options.format { return format }
        if let format = InputFormat.fromExtension(path) { return format }
        if path == "-" {
            let head = try source.peek()
            let first = head.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
            return first == UInt8(ascii: "{") ? .jsonl : .csv
        }
        throw BackfillError("unknown_format",
                            "\(path): cannot tell the format from the extension (expected .csv, .jsonl, .ndjson, optionally .gz); use --format csv|jsonl")
    }
}

/// Wraps a byte source so that everything read through it is hashed (SHA-256).
private final class HashingSource {
    let source: ByteSource
    private var hasher = SHA256()

    init(_ inner: ByteSource) {
        source = inner
        inner.observer = { [unowned self] chunk in self.hasher.update(data: chunk) }
    }

    /// Reads (and hashes) whatever the row source left unread.
    func drain() throws {
        while try source.next() != nil {}
    }

    func hexDigest() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
