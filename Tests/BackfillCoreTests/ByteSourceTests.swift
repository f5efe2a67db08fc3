@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import Testing

/// Reading an input as chunks: gzip is recognised by its magic bytes however the pipe delivers them.
struct ByteSourceTests {
    let scratch = ScratchDirectory()

    /// A pipe, opened by path the way `ByteSource` opens any input, that delivers `bytes` as a slow producer
    /// would: the first byte alone, and the rest only once the reader has taken it (so its first read returns
    /// exactly one byte).
    final class SlowPipe {
        let path: String
        private let readEnd: Int32
        private let writer: Thread

        init(_ bytes: [UInt8]) {
            var fds: [Int32] = [0, 0]
            precondition(pipe(&fds) == 0, "pipe failed: errno \(errno)")
            let readEnd = fds[0], writeEnd = fds[1]
            self.readEnd = readEnd
            path = "/dev/fd/\(readEnd)"
            writer = Thread {
                func write(_ part: ArraySlice<UInt8>) {
                    var rest = part
                    while !rest.isEmpty {
                        let n = rest.withUnsafeBytes { Foundation.write(writeEnd, $0.baseAddress, $0.count) }
                        precondition(n > 0, "write failed: errno \(errno)")
                        rest = rest.dropFirst(n)
                    }
                }
                write(bytes.prefix(1))
                // Wait until the reader has taken the first byte (nothing left to read in the pipe).
                var waited = 0
                var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                while poll(&poller, 1, 0) > 0, waited < 10_000 {
                    usleep(1_000)
                    waited += 1
                }
                write(bytes.dropFirst())
                close(writeEnd)
            }
        }

        /// Starts writing (whether or not the reader has opened `path` yet).
        func start() { writer.start() }

        deinit { close(readEnd) }
    }

    func gzipped(_ text: String) throws -> [UInt8] {
        try scratch.write("content.txt", text)
        return Array(try Data(contentsOf: URL(fileURLWithPath: try scratch.gzip("content.txt"))))
    }

    func readAll(_ source: ByteSource) throws -> [UInt8] {
        var out: [UInt8] = []
        while let chunk = try source.next() { out += chunk }
        return out
    }

    @Test func gzipWhoseFirstReadIsOneByteIsStillDecompressed() throws {
        let text = "participant_code,updated_at,email\nAB12CD,2023-01-01,a@example.com\n"
        let compressed = try gzipped(text)
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        let pipe = SlowPipe(compressed)
        let source = try ByteSource(path: pipe.path)
        pipe.start()
        #expect(String(decoding: try readAll(source), as: UTF8.self) == text)
    }

    @Test func aOneByteInputIsReadAsIs() throws {
        let pipe = SlowPipe([0x1F])
        let source = try ByteSource(path: pipe.path)
        pipe.start()
        #expect(try readAll(source) == [0x1F])
    }

    @Test func plainTextWhoseFirstReadIsOneByteIsReadWhole() throws {
        let pipe = SlowPipe(Array("{\"a\": 1}\n".utf8))
        let source = try ByteSource(path: pipe.path)
        pipe.start()
        #expect(try source.peek() == Array("{\"a\": 1}\n".utf8))
        #expect(String(decoding: try readAll(source), as: UTF8.self) == "{\"a\": 1}\n")
    }

    @Test func gzippedJSONLFromASlowPipeIsIngestedAsRowsNotAsCompressedBytes() throws {
        let compressed = try gzipped("""
            {"participant_code": "AB12CD", "platform_updated_at": "2023-01-01", "email": "a@example.com"}
            {"participant_code": "CD34EF", "platform_updated_at": "2023-01-01", "email": "c@example.com"}

            """)
        let pipe = SlowPipe(compressed)
        let db = try scratch.database()
        let ingester = try Ingester(database: db, options: IngestOptions(format: .jsonl, now: { testNow }, contract: .ndax))
        pipe.start()
        let report = try ingester.ingest(path: pipe.path)
        #expect([report.rowsRead, report.rowsAccepted, report.rowsRejected] as [Int] == [2, 2, 0])
        #expect(try DatabaseInspection.participants(db, state: "pending") == ["AB12CD", "CD34EF"])
    }
}
