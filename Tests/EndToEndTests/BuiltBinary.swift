import Foundation
import Testing

/// The `backfill` executable `swift test` built, run as a child process with its output in files.
final class BuiltBinary: Sendable {
    let process: Process
    let stdoutPath: String
    let stderrPath: String
    private let exits: AsyncStream<(Process.TerminationReason, Int32)>

    /// The built executable: next to the test bundle, else under a `.build*` directory above this file.
    static func path() throws -> String {
        var candidates: [URL] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(runner.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            for build in [".build-runtests", ".build"] {
                candidates.append(directory.appendingPathComponent(build).appendingPathComponent("debug"))
            }
            directory = directory.deletingLastPathComponent()
        }
        for candidate in candidates {
            let path = candidate.appendingPathComponent("backfill").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BinaryError("the backfill executable was not found next to the tests (\(runner.path)) nor under .build*/debug")
    }

    /// Starts `backfill arguments...` with `environment` added to this process's, writing its output into `directory`.
    init(_ arguments: [String], environment: [String: String], outputIn directory: String, name: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltBinary.path())
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["BACKFILL_BASE_URL"] = nil
        env.merge(environment) { $1 }
        process.environment = env
        stdoutPath = directory + "/\(name).stdout"
        stderrPath = directory + "/\(name).stderr"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        let (exits, exited) = AsyncStream<(Process.TerminationReason, Int32)>.makeStream()
        process.terminationHandler = { p in
            exited.yield((p.terminationReason, p.terminationStatus))
            exited.finish()
        }
        self.exits = exits
        self.process = process
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits for the process to end, at most `timeout`; kills it (and throws) if it does not.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> (reason: Process.TerminationReason, status: Int32) {
        let exits = self.exits
        let outcome = await withTaskGroup(of: (Process.TerminationReason, Int32)?.self) { group in
            group.addTask {
                var iterator = exits.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        guard let outcome else {
            signal(SIGKILL)
            throw BinaryError("backfill \(process.arguments?.joined(separator: " ") ?? "") did not exit within \(timeout)\n\(output)")
        }
        return (outcome.0, outcome.1)
    }

    /// Standard output and standard error so far.
    var output: String {
        let out = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return "--- stdout\n\(out)--- stderr\n\(err)"
    }

    /// Kills the process if the test left it running.
    func killIfRunning() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct BinaryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Starts the binary with `arguments` (a `run`), waits until the database at `path` records `succeeded` succeeded
/// jobs while it runs, kills it with SIGKILL and returns it exited (its output kept). Records an issue when the
/// run ended or stalled first.
func killedMidway(_ arguments: [String], environment: [String: String], outputIn directory: String, path: String,
                  succeeded: Int) async throws -> BuiltBinary {
    let run = try BuiltBinary(arguments, environment: environment, outputIn: directory, name: "run")
    defer { run.killIfRunning() }
    let midway = await eventually(timeout: .seconds(30)) {
        !run.isRunning || Ledger.succeededCount(atPath: path) >= succeeded
    }
    #expect(midway && run.isRunning, "the run did not reach \(succeeded) succeeded jobs while running\n\(run.output)")
    run.signal(SIGKILL)
    _ = try await run.waitForExit()
    return run
}

/// Runs `backfill arguments...` to its end (at most `timeout`) with `environment` added, its output in `directory`
/// under `name`; expects a normal exit.
func runBackfill(_ arguments: [String], environment: [String: String] = [:], in directory: String, name: String,
                 timeout: Duration = .seconds(60)) async throws -> EndToEnd.OperatorSafetyTests.CommandResult {
    let process = try BuiltBinary(arguments, environment: environment, outputIn: directory, name: name)
    defer { process.killIfRunning() }
    let exit = try await process.waitForExit(timeout: timeout)
    #expect(exit.reason == .exit, "backfill \(arguments.joined(separator: " ")) was killed\n\(process.output)")
    return .init(status: exit.status,
                 stdout: (try? String(contentsOfFile: process.stdoutPath, encoding: .utf8)) ?? "",
                 stderr: (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? "")
}
