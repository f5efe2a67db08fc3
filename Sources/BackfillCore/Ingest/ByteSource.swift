import BackfillStore
import CZlib
import Foundation

/// Reads an input as a stream of byte chunks, decompressing gzip on the fly, so memory stays flat
/// however large the file. Every chunk is also fed to a SHA-256 of the (decompressed) content.
final class ByteSource {
    /// What the operator named: a path, or `-` for standard input.
    let name: String
    private let fd: Int32
    private let ownsFD: Bool
    private var inflater: Inflater?
    private var pending: [UInt8] = []
    private var sniffed = false
    /// The first bytes read, held back until there are two of them to compare with gzip's magic number.
    private var head: [UInt8] = []
    private var eof = false
    static let chunkSize = 1 << 20
    /// Sees every chunk of content once, in order (used to hash the input).
    var observer: ((ArraySlice<UInt8>) -> Void)?

    /// Opens a path (or `-` for standard input). Gzip is detected by its magic bytes, whatever the name.
    init(path: String) throws {
        name = inputDisplayName(path)
        if path == "-" {
            fd = STDIN_FILENO
            ownsFD = false
        } else {
            fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw BackfillError("input_unreadable", "\(path): cannot open: \(String(cString: strerror(errno)))")
            }
            ownsFD = true
            var st = stat()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw BackfillError("input_unreadable", "\(path): is a directory, not a file")
            }
        }
    }

    deinit {
        if ownsFD { close(fd) }
    }

    /// A rough row count from the file size (about 100 bytes a row; gzip about 5:1), or nil for a pipe.
    var estimatedRows: Int64? {
        var st = stat()
        guard ownsFD, fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let compressed = name.lowercased().hasSuffix(".gz")
        return Int64(st.st_size) * (compressed ? 5 : 1) / 100
    }

    /// The first bytes of the (decompressed) content, without consuming them; for format sniffing.
    func peek() throws -> [UInt8] {
        if pending.isEmpty, !eof, let chunk = try nextRaw() { pending = chunk }
        return Array(pending.prefix(512))
    }

    /// The next chunk of content, or nil at the end.
    func next() throws -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            observer?(pending[...])
            return pending
        }
        let chunk = try nextRaw()
        if let chunk { observer?(chunk[...]) }
        return chunk
    }

    private func nextRaw() throws -> [UInt8]? {
        while true {
            if eof { return try inflater?.finish() }
            var buffer = [UInt8](repeating: 0, count: ByteSource.chunkSize)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, ByteSource.chunkSize) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BackfillError("input_unreadable", "\(name): read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                eof = true
                if !sniffed {
                    // Fewer than two bytes in all: too short to be gzip.
                    sniffed = true
                    let short = head
                    head = []
                    return short.isEmpty ? nil : short
                }
                if let inflater { return try inflater.finish() }
                return nil
            }
            buffer.removeSubrange(n...)
            if !sniffed {
                // A slow pipe can deliver the first byte alone; the magic check waits for the second.
                if !head.isEmpty {
                    buffer.insert(contentsOf: head, at: 0)
                    head = []
                }
                if buffer.count < 2 { head = buffer; continue }
                sniffed = true
                if buffer[0] == 0x1F, buffer[1] == 0x8B { inflater = try Inflater(name: name) }
            }
            guard let inflater else { return buffer }
            let out = try inflater.inflate(buffer)
            if !out.isEmpty { return out }
        }
    }
}

/// Streaming gzip decompression (zlib, with gzip header detection; concatenated members allowed).
private final class Inflater {
    private var stream = z_stream()
    private let name: String

    init(name: String) throws {
        self.name = name
        let rc = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw BackfillError("input_unreadable", "\(name): cannot start gzip decompression") }
    }

    deinit { inflateEnd(&stream) }

    private var finished = false

    func inflate(_ input: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            var chunk = [UInt8](repeating: 0, count: 1 << 18)
            while stream.avail_in > 0 {
                if finished {
                    // Another gzip member follows (concatenated .gz files are valid gzip).
                    inflateReset(&stream)
                    finished = false
                }
                let produced: Int = try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                    if rc == Z_STREAM_END { finished = true } else if rc != Z_OK && rc != Z_BUF_ERROR {
                        throw BackfillError("input_unreadable", "\(name): corrupt gzip data (zlib error \(rc))")
                    }
                    return outBuf.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if produced == 0 && !finished { break }
            }
        }
        return output
    }

    func finish() throws -> [UInt8]? {
        guard finished else {
            throw BackfillError("input_unreadable", "\(name): truncated gzip data (the file ends mid-stream)")
        }
        return nil
    }
}
