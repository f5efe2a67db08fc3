import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report on the outcome: a failures file to fix and re-ingest, a summary, or an HTML page.",
        discussion: """
            --failures lists every rejected input row with its cells as read (backfill_row names it as file:line), and every participant whose job failed or is held for another reason, with its folded values:
            participant_code, platform_updated_at, the fields under their canonical names, and backfill_* columns (state, row, error class, HTTP status, message, attempts, last attempt, request_id, file:line sources). Fix the cells and `backfill ingest` the file: each row replaces the rejected row it names. --redact masks email, id_number and address lines (last 4 characters at most), reduces names to initials, and masks the same values inside messages, in every format; a redacted export carries a backfill_redacted column and ingest refuses it. --summary and the page group messages by template: participant codes, request_ids, emails, numbers and the values row checks quote become {participant_code}, {request_id}, {email}, {n} and {value}, so one kind of answer is one line with its count and an example participant. --moves lists every change of jurisdiction in the participants' accepted histories, one CSV row each:
            participant_code, platform_updated_at, from, to (ISO 3166-2 where known, else the country, under zerohash; country/state under ndax), direction_<code> (into, out_of) per --watch jurisdiction (default US-NY), and the participant's state on the target (sent, pending, held, failed). It holds jurisdictions only, never a street, city or zip; ingest refuses it. --html writes one page to decide the next step from: what each group needs with the exact command, throughput against --rate and the API's limit, latency (log scale, slow tail), error classes, the first 200 failed and held participants and rejected rows, and the runs.
            Examples:
              backfill report --failures --output failures.csv
              backfill report --failures --format jsonl --redact > failures.jsonl
              backfill report --summary
              backfill report --summary --json --top 20 --db run1.sqlite
              backfill report --html report.html --redact
              backfill report --moves --output moves.csv --watch US-NY --watch US-CA
            """
    )

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: TargetOptions

    @Flag(help: "Export failed and held participants and unusable rejected rows.")
    var failures = false

    @Flag(help: "List every change of jurisdiction (CSV), with the direction into and out of each --watch jurisdiction.")
    var moves = false

    @OptionGroup var watch: WatchOptions

    @Option(help: ArgumentHelp("With --failures: csv or jsonl.", valueName: "format"))
    var format = Given(FailureFormat.csv)

    @Option(help: ArgumentHelp("With --failures or --moves: write here (mode 0600) instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Counts, messages grouped by template (top per class, one example participant each), attempts per job, each run's achieved rate against its --rate, latency percentiles, rejected rows (the default).")
    var summary = false

    @Flag(help: "With --summary: print JSON.")
    var json = false

    @Option(help: "With --summary: how many message templates to list per error class.")
    var top = 10

    @Option(help: ArgumentHelp("Write a self-contained HTML page (inline SVG and CSS, nothing fetched).", valueName: "file"))
    var html: String?

    @Flag(help: "Mask personal data in the output.")
    var redact = false

    func validate() throws {
        let modes = [failures, summary, html != nil, moves].filter { $0 }.count
        if modes > 1 { throw ValidationError("choose one of --failures, --summary, --html, --moves") }
        _ = try failureFormat()
        _ = try watch.jurisdictions()
        if output != nil && !failures && !moves { throw ValidationError("--output goes with --failures or --moves (--html takes its own file)") }
        if json && (failures || html != nil) { throw ValidationError("--json goes with --summary") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    /// `--format`.
    func failureFormat() throws -> FailureFormat {
        try format.parsed { "--format '\($0)': expected csv or jsonl" }
    }

    func run() throws {
        try reportingErrors {
            let queue = try database.open(.readOnly)
            let explicit = try target.explicitTarget()
            let scope = try queue.read { try TargetScope.resolve($0, target: explicit) }
            if moves {
                printError(scope.headline)
                let sink = try output.map(ReportSink.init(path:)) ?? ReportSink.standardOutput()
                let report = MovesReport(watch: try watch.jurisdictions())
                let count = try queue.read { try report.write($0, to: sink, scope: scope) }
                try sink.close()
                if let output { print("\(output): \(count) moves") }
            } else if failures {
                // The first line names the target on standard error, so the export itself stays a clean ingest input.
                printError(scope.headline)
                let sink = try output.map(ReportSink.init(path:)) ?? ReportSink.standardOutput()
                let export = FailureExport(format: try failureFormat(), redact: redact)
                let count = try queue.read { try export.write($0, to: sink, scope: scope) }
                try sink.close()
                if let output { print("\(output): \(count) rows") }
            } else if let html {
                print(scope.headline)
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let name = URL(fileURLWithPath: database.db).lastPathComponent
                // The page's commands name the database as it was given here (left out when it is the default).
                let db = database.db == BackfillDatabase.defaultPath ? nil : database.db
                let page = try queue.read { try HTMLReport(redact: redact, database: db).render($0, title: name, now: now, scope: scope) }
                let sink = try ReportSink(path: html)
                try sink.write(page)
                try sink.close()
                print("\(html): written")
            } else {
                let summary = try queue.read { try ReportSummary.read($0, top: top, redact: redact, scope: scope) }
                print(json ? try summary.jsonText() : summary.text())
            }
        }
    }
}
