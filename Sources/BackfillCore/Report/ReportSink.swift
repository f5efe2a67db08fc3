import BackfillStore
import Foundation

/// Where a report goes: standard output or a file, written through a 64 KiB buffer so a million-row export
/// costs a few thousand `write` calls and no more memory than the buffer.
///
/// ```swift
/// let sink = try ReportSink(path: "failures.csv")   // or ReportSink.standardOutput()
/// try sink.write("participant_code\n")
/// try sink.close()
/// ```
public final class ReportSink {
    private let fd: Int32
    private let ownsFD: Bool
    private let name: String
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 16

    /// Creates (or truncates) `path` with mode 0600: a report holds personal data unless redacted.
    public init(path: String) throws {
        fd = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BackfillError("report_unwritable", "\(path): cannot write the report: \(String(cString: strerror(errno)))")
        }
        ownsFD = true
        name = path
        buffer.reserveCapacity(ReportSink.capacity)
    }

    private init(fd: Int32, name: String) {
        self.fd = fd
        self.ownsFD = false
        self.name = name
    }

    public static func standardOutput() -> ReportSink { ReportSink(fd: STDOUT_FILENO, name: "<stdout>") }

    deinit {
        if ownsFD { Foundation.close(fd) }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= ReportSink.capacity { try flush() }
    }

    public func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= ReportSink.capacity { try flush() }
    }

    public func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BackfillError("report_unwritable", "\(name): write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes; a file is also synced to disk. The descriptor itself is closed when the sink goes away.
    public func close() throws {
        try flush()
        if ownsFD, fsync(fd) != 0, errno != EINVAL {
            throw BackfillError("report_unwritable", "\(name): sync failed: \(String(cString: strerror(errno)))")
        }
    }
}
