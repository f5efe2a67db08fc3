import Foundation
import Hummingbird
import Logging

/// A stand-in for what sits in front of the API (Cloudflare): a Hummingbird app on an ephemeral loopback port
/// that answers `GET /time` like the API (`{"epoch": seconds}`) and every PATCH with `status`, `contentType` and
/// `body`. Hands its base URL to `body` and stops it whatever happens.
func withFrontServer<T>(answering status: HTTPResponse.Status, contentType: String = "text/html; charset=UTF-8",
                        body page: String, _ body: (_ baseURL: String) async throws -> T) async throws -> T {
    let router = Router()
    router.get("/time") { _, _ in
        let seconds = Int64(Date().timeIntervalSince1970)
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"epoch": \#(seconds)}"#)))
    }
    router.patch("/participants/customers/:code") { _, _ in
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }
    let (ports, listening) = AsyncStream<Int>.makeStream()
    let app = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            listening.yield(channel.localAddress?.port ?? 0)
            listening.finish()
        },
        logger: Logger(label: "front") { _ in SwiftLogNoOpLogHandler() }
    )
    let server = Task {
        defer { listening.finish() }
        try await app.runService(gracefulShutdownSignals: [])
    }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next(), port > 0 else {
        server.cancel()
        try await server.value
        throw CancellationError()
    }
    do {
        let result = try await body("http://127.0.0.1:\(port)")
        server.cancel()
        _ = await server.result
        return result
    } catch {
        server.cancel()
        _ = await server.result
        throw error
    }
}
