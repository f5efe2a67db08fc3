import Foundation
import ArgumentParser
import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import GRDB

/// `--db PATH`, shared by every command.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The job database (only `ingest` creates one, with mode 0600).", valueName: "path"))
    var db: String = BackfillDatabase.defaultPath

    /// Opens the database as the command may use it: `.create` for ingest, `.readOnly` for commands that only read.
    func open(_ mode: BackfillDatabase.Mode) throws -> DatabaseQueue {
        try BackfillDatabase.open(path: db, mode: mode)
    }
}

/// `--env`, `--profile`, `--base-url`: the target a command sends to or describes.
struct TargetOptions: ParsableArguments {
    @Option(help: "Header set and default host: zerohash (X-SCX-*) or ndax (X-NDAX-*, api.ndax.in).")
    var profile: String?

    @Option(help: "Zero Hash environment: cert (api.cert.zerohash.com) or prod (api.zerohash.com).")
    var env: String?

    @Option(help: ArgumentHelp("The target's base URL instead of a documented host (e.g. a sandbox).", valueName: "url"))
    var baseURL: String?

    var flags: TargetChoice.Flags { TargetChoice.Flags(profile: profile, env: env, baseURL: baseURL) }

    func validate() throws {
        do { try TargetChoice.validate(flags) } catch let error as BackfillError { throw ValidationError(error.message) }
    }

    /// The target named by the flags, nil when none is given (the latest run's target is then described).
    func explicitTarget() throws -> Target? {
        try TargetChoice.explicit(flags)
    }
}

/// Runs a command body; an operator's mistake (a `BackfillError`) becomes one `error:` line (a JSON line for
/// `run --log-format json`) and exit status 1.
func reportingErrors<T>(_ output: RunOutput = RunOutput(json: false), _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as BackfillError {
        output.error(error.message)
        throw ExitCode.failure
    } catch let error where output.json && !(error is ExitCode) && !(error is ValidationError) {
        // Any other failure (a database error) is a JSON line too when every line must be JSON.
        output.error("\(error)")
        throw ExitCode.failure
    }
}

/// Prints to standard error.
func printError(_ message: String, terminator: String = "\n") {
    var stderr = StandardError()
    print(message, terminator: terminator, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
