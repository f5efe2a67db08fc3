import Foundation
import Logging

/// Everything logged through a `Logger` made by `logger(label:)`, kept in memory: what a run logged, for grepping.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    /// A logger at trace level, so that every message the run can emit is captured.
    func logger(label: String) -> Logger {
        Logger(label: label) { _ in CapturingLogHandler(capture: self) }
    }

    func append(_ line: String) {
        lock.withLock { lines.append(line) }
    }

    /// Every line logged so far, with its metadata.
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// A log handler that writes each event, with its metadata, into a `LogCapture`.
struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(extra)")
    }
}

/// The text a run printed through its `output` closure.
final class OutputCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [String] = []

    var sink: @Sendable (String) -> Void { { [self] text in lock.withLock { chunks.append(text) } } }
    var text: String { lock.withLock { chunks.joined() } }
}
