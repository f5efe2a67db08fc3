import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation
import ParticipantAPI

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read CSV/JSONL history files, normalize and validate them, and fold each participant into one PATCH job.",
        usage: """
            backfill ingest [--db <path>] <file> ... [--format <format>]
                     [--map <mapping> ...] [--strict-columns]
                     [--allow-id-type <type> ...]
                     [--max-field-length <n>] [--mode <mode>] [--contract <contract>]
                     [--vendor-reliance] [--fail-on-reject] [--timings]
            """,
        discussion: """
            Each file is one transaction: a file that cannot be read leaves the database as it was.
            Examples:
              backfill ingest samples/changes.csv samples/changes.jsonl
              zcat export.csv.gz | backfill ingest - --format csv --map "Postcode=zip" --db run1.sqlite
              backfill ingest --mode history --db history.sqlite samples/changes.csv
              backfill ingest --contract ndax --db ndax.sqlite samples/changes.csv
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("Input files (.csv, .jsonl, .ndjson, optionally .gz), or - for standard input.", valueName: "file"))
    var files: [String]

    @Option(help: "Read every input as this format instead of going by the extension (csv or jsonl).")
    var format: Given<InputFormat>?

    @Option(name: .customLong("map"), help: ArgumentHelp("Map a source column to a field: \"Source Column=field\" (repeatable).", valueName: "mapping"))
    var mappings: [String] = []

    @Flag(help: "Reject rows that fill a column backfill does not know, instead of ignoring the column.")
    var strictColumns = false

    @Option(name: .customLong("allow-id-type"), help: ArgumentHelp("Accept another id_number_type (repeatable).", valueName: "type"))
    var allowIDTypes: [String] = []

    @Option(help: ArgumentHelp("Reject a row whose updatable field is longer than this many characters (Unicode code points), so no body is too large for the API (at most \(IngestOptions.maxFieldLengthCeiling)).", valueName: "n"))
    var maxFieldLength = IngestOptions.defaultMaxFieldLength

    @Option(help: ArgumentHelp("latest: one PATCH per participant, its history folded (the default). history: one PATCH per change, sent in order. Chosen when the database is made, and kept.", valueName: "mode"))
    var mode: IngestMode?

    @Option(help: ArgumentHelp("zerohash: Zero Hash's published contract (the default). ndax: NDAX's page and the 2022 release note. Chosen when the database is made, and kept.", valueName: "contract"))
    var contract: Given<Contract>?

    @Flag(help: "Zero Hash's vendor-reliance track: address lines up to 200 characters (else 80 and 50).")
    var vendorReliance = false

    @Flag(help: "Exit with status 2 when any row was rejected.")
    var failOnReject = false

    @Flag(help: "Print how long each phase took.")
    var timings = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one input file, or - for standard input") }
        _ = try inputFormat()
        _ = try chosenContract()
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        do {
            try IngestOptions(maxFieldLength: maxFieldLength).validate()
        } catch let error as BackfillError {
            throw ValidationError(error.message)
        }
    }

    /// `--contract`, nil without it.
    func chosenContract() throws -> Contract? {
        try contract?.parsed { "--contract '\($0)': expected zerohash or ndax" }
    }

    /// `--format`, nil without it.
    func inputFormat() throws -> InputFormat? {
        try format?.parsed { "--format '\($0)': expected csv or jsonl" }
    }

    func run() throws {
        let options = IngestOptions(format: try inputFormat(),
                                    mappings: mappings, strictColumns: strictColumns, extraIDTypes: allowIDTypes,
                                    maxFieldLength: maxFieldLength, mode: mode, contract: try chosenContract(),
                                    vendorReliance: vendorReliance)
        // What can be refused before the database is made is refused before: a refused ingest leaves no file.
        try reportingErrors {
            try options.validate()
            if !FileManager.default.fileExists(atPath: database.db) { try options.validateFieldLength(for: options.contract ?? .default) }
        }
        let ingester = try Ingester(database: try reportingErrors { try database.open(.create) }, options: options)
        var rejected = 0
        for (index, file) in files.enumerated() {
            let report: IngestReport
            do {
                report = try ingester.ingest(path: file)
            } catch let error as BackfillError {
                printError("error: \(error.message)")
                printError("nothing from \(file) was stored\(index > 0 ? " (the files before it were)" : "")")
                throw ExitCode.failure
            }
            print(IngestReportText.render(report))
            if timings {
                for p in report.phaseSeconds { print("  time: \(p.phase): \(String(format: "%.2f", p.seconds)) s") }
            }
            rejected += report.rowsRejected
        }
        if failOnReject && rejected > 0 { throw ExitCode(2) }
    }
}

/// The text of an ingest report.
enum IngestReportText {
    static func render(_ r: IngestReport) -> String {
        var lines: [String] = []
        if r.unchanged {
            lines.append("\(r.path): unchanged (\(r.rowsRead) rows already ingested)")
        } else {
            lines.append("\(r.path): \(r.rowsRead) rows read, \(r.rowsAccepted) accepted, \(r.rowsRejected) rejected")
            let jobs = r.mode == .history ? "steps" : "jobs"
            lines.append("  participants: \(r.participants); \(jobs): \(r.jobsCreated) created, \(r.jobsUnchanged) unchanged, \(r.jobsSuperseded) superseded; held: \(r.held)\(r.mode == .history ? " participants" : "")")
            if r.idOnly > 0 {
                lines.append("  ID changes only: \(r.idOnly) participant\(r.idOnly == 1 ? "" : "s") with no job (the ID change \(DocumentNeed.what))")
            }
        }
        if !r.rejectionsByCode.isEmpty {
            lines.append("  rejected rows by reason:")
            for (code, entry) in r.rejectionsByCode.sorted(by: { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }) {
                lines.append("    \(code): \(entry.count)")
                for example in entry.examples { lines.append("      \(example)") }
            }
        }
        if let c = r.corrections {
            lines.append("  corrections: \(c.applied) applied, \(c.stillRejected) still rejected")
        }
        for note in r.notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }
}
