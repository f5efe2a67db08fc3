import Foundation
import ArgumentParser
import BackfillCore
import GRDB

/// `--db PATH`, shared by every command.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The job database (created with mode 0600 if missing).", valueName: "path"))
    var db: String = BackfillDatabase.defaultPath

    func open() throws -> DatabaseQueue {
        try BackfillDatabase.open(path: db)
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
