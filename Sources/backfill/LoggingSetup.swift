import Foundation
import Logging
import ParticipantAPI

/// swift-log on standard error, as text or one JSON object per line.
enum LoggingSetup {
    static func bootstrap(level: Logger.Level, format: LogFormat) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// One JSON object per log line on standard error: time, level, label, message and metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }).mapValues { JSONValue.string("\($0)") }
        let line = jsonLine("\(event.message)", level: event.level.rawValue, label: label, fields: fields)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
