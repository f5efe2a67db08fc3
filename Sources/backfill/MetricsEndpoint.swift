import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
// Hummingbird's lifecycle, for a graceful stop when the run ends.
import ServiceLifecycle

/// `run --metrics HOST:PORT`: `GET /metrics` in the Prometheus text format (swift-prometheus' registry, fed
/// through swift-metrics by `RunMetrics`) for as long as the run lasts.
///
/// ```swift
/// let endpoint = try MetricsEndpoint.start(MetricsAddress(parsing: "127.0.0.1:9464", listenAny: false))
/// // ... run with RunEvents(metrics: endpoint.factory) ...
/// endpoint.stop()
/// ```
final class MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// The bound port (the system's pick for port 0).
    let port: Int
    let host: String
    private let group: ServiceGroup
    private let server: Task<Void, any Error>

    private init(registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory, host: String, port: Int,
                 group: ServiceGroup, server: Task<Void, any Error>) {
        self.registry = registry
        self.factory = factory
        self.host = host
        self.port = port
        self.group = group
        self.server = server
    }

    var url: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/metrics" }

    /// Binds and returns once listening. Blocks the calling thread (the run's commands are synchronous).
    /// - Throws: `BackfillError` coded `metrics_bind` naming the address when it cannot be bound.
    static func start(_ address: MetricsAddress) throws -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = RunMetrics.durationBuckets.map { .milliseconds(Int64($0 * 1000)) }
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(8 * 1024)
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let quiet = Logger(label: "backfill.metrics") { _ in SwiftLogNoOpLogHandler() }
        let (listening, listener) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { channel in
                listener.yield(channel.localAddress?.port ?? address.port)
                listener.finish()
            },
            logger: quiet
        )
        var lifecycle = ServiceGroupConfiguration(services: [app], logger: quiet)
        lifecycle.maximumGracefulShutdownDuration = .milliseconds(500)
        let group = ServiceGroup(configuration: lifecycle)
        let server = Task {
            defer { listener.finish() }
            try await group.run()
        }
        let bound = BlockingBox<Result<Int, any Error>>()
        Task {
            var ports = listening.makeAsyncIterator()
            if let port = await ports.next() {
                bound.put(.success(port))
            } else {
                let failure: any Error = await {
                    do { try await server.value; return CancellationError() } catch { return error }
                }()
                bound.put(.failure(failure))
            }
        }
        switch bound.take() {
        case .success(let port):
            return MetricsEndpoint(registry: registry, factory: factory, host: address.host, port: port,
                                   group: group, server: server)
        case .failure(let error):
            throw BackfillError("metrics_bind", "--metrics \(address): cannot listen there (\(Self.reason(error))); choose another port")
        }
    }

    /// Stops listening, letting a scrape in progress finish.
    func stop() {
        let done = DispatchSemaphore(value: 0)
        let group = group, server = server
        Task {
            await group.triggerGracefulShutdown()
            _ = try? await server.value
            done.signal()
        }
        done.wait()
    }

    /// Said by the error's type and errno, not its text.
    private static func reason(_ error: any Error) -> String {
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE: "the port is in use"
        case EADDRNOTAVAIL: "no interface has that address"
        case EACCES: "not allowed to listen on that port"
        default: "\(error)"
        }
    }
}

/// Where `--metrics` listens: `PORT` (loopback) or `HOST:PORT` / `[IPv6]:PORT`. A host that is not loopback
/// needs `--metrics-listen-any`: the endpoint shows the target and the run's progress to anyone who can reach it.
struct MetricsAddress: CustomStringConvertible, Equatable {
    let host: String
    let port: Int

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (not a name that merely starts with "127."): `Loopback`.
    var isLoopback: Bool { Loopback.isLoopback(host: host) }

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// - Throws: `BackfillError` coded `bad_option` with what was expected.
    init(parsing text: String, listenAny: Bool) throws {
        let bad = BackfillError("bad_option", "--metrics '\(text)': expected PORT or HOST:PORT such as 127.0.0.1:9464")
        var host = "127.0.0.1"
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw bad }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if text.filter({ $0 == ":" }).count > 1 {
            throw BackfillError("bad_option", "--metrics '\(text)': an IPv6 address goes in brackets, e.g. [::1]:9464")
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { throw bad }
        self.init(host: host, port: port)
        if !isLoopback && !listenAny {
            throw BackfillError("bad_option", "--metrics \(self) is not a loopback address: pass --metrics-listen-any to serve metrics beyond this machine, or use 127.0.0.1:\(port)")
        }
    }
}

/// One value handed from a task to a blocked thread.
final class BlockingBox<T: Sendable>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: T?

    func put(_ v: T) {
        lock.withLock { value = v }
        ready.signal()
    }

    func take() -> T {
        ready.wait()
        return lock.withLock { value! }
    }
}
