import BackfillStore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ParticipantAPI
import Synchronization

/// The answer to one request, or its absence.
public struct SendResult: Sendable, Equatable {
    public var status: Int?
    public var retryAfter: Duration?
    public var body: [UInt8]
    public var failure: TransportFailure?
    /// The HTTP version the answer came over ("HTTP/2.0" when HTTP/2 was negotiated); nil without an answer.
    public var httpVersion: String?
    /// Wall-clock epoch milliseconds.
    public var startedAt: Int64
    public var endedAt: Int64
}

/// Signs and sends PATCH requests over one AsyncHTTPClient (keep-alive, TLS verified, HTTP/2 over TLS when
/// offered), whose pool may open as many HTTP/1.1 connections as `--concurrency`, the window's ceiling. Each request is signed as it is sent, with the measured clock offset applied.
///
/// `GET /time` goes through a second client that does not retry a failed connection: AsyncHTTPClient's pool
/// otherwise retries a refused connection with backoff until the 10 s connect timeout, and a wrong `--base-url`
/// should be reported at once.
public final class HTTPSender: Sendable {
    private let client: HTTPClient
    private let probe: HTTPClient
    private let baseURL: String
    /// The host and port every message names.
    public let endpoint: Endpoint
    private let profile: Profile
    private let apiKey: String
    private let passphrase: String
    private let signer: RequestSigner
    /// Server clock minus local clock, in milliseconds.
    private let offset = Mutex<Int64>(0)
    /// The contract the server said it speaks on `GET /time` (`X-Backfill-Contract`, sent by `backfill sandbox`);
    /// nil when it said nothing.
    private let announced = Mutex<Contract?>(nil)
    private let timeNotFound = Mutex(false)

    /// The header `backfill sandbox` names its contract in, on every answer.
    public static let contractHeader = "X-Backfill-Contract"

    /// The contract the server named on the last `GET /time`, if it named one.
    public var announcedContract: Contract? { announced.withLock { $0 } }
    /// Whether `GET /time` answered 404: the API has that route, so the base URL's path is wrong, and a 404 to a
    /// PATCH is the route's, not a participant's.
    public var timeAnsweredNotFound: Bool { timeNotFound.withLock { $0 } }

    public init(configuration: RunConfiguration, credentials: Credentials) throws {
        var http = HTTPClient.Configuration()
        http.redirectConfiguration = .disallow
        http.timeout = .init(connect: .seconds(10))
        http.connectionPool = .init(idleTimeout: .seconds(60))
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.concurrency
        // Over TLS, HTTP/2 when the server offers it (ALPN): one connection then carries the window as streams,
        // up to the server's concurrent-stream limit (AsyncHTTPClient queues the rest). Plain HTTP
        // (a local sandbox) stays HTTP/1.1, one connection per request in flight, opened as the window grows: the pool never holds more connections than the window has had requests in flight.
        http.httpVersion = configuration.resolvedBaseURL.lowercased().hasPrefix("https://") ? .automatic : .http1Only
        guard let endpoint = Endpoint(url: configuration.resolvedBaseURL) else {
            throw BackfillError("bad_option", "--base-url: expected http(s)://host[:port], got a URL without a host")
        }
        if let caFile = configuration.caFile {
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
                throw BackfillError("bad_option", "--ca-file '\(caFile)': not a readable PEM file of certificates")
            }
            guard !roots.isEmpty else { throw BackfillError("bad_option", "--ca-file '\(caFile)': no certificate in it") }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(roots)]
            http.tlsConfiguration = tls
        }
        // Everything that can throw comes first: a client must be shut down before it is released.
        signer = try RequestSigner(base64Secret: credentials.apiSecret)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        var once = http
        once.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1
        once.connectionPool.retryConnectionEstablishment = false
        probe = HTTPClient(eventLoopGroupProvider: .singleton, configuration: once)
        baseURL = configuration.resolvedBaseURL
        self.endpoint = endpoint
        profile = configuration.profile
        apiKey = credentials.apiKey
        passphrase = credentials.passphrase
    }

    /// Closes the connection pools. Must be called once the run is over.
    public func shutdown() {
        try? client.syncShutdown()
        try? probe.syncShutdown()
    }

    /// The clock offset in use (server minus local), in milliseconds.
    public var clockOffset: Int64 { offset.withLock { $0 } }

    /// Measures the offset with `GET /time` (unauthenticated), keeps it, and returns it. Either documented shape
    /// is read (see `ServerTime`).
    /// - Throws: `BackfillError` coded `time_` + the failure (`time_unreachable`, `time_dns`, `time_tls`,
    ///   `time_network`, `time_timeout`) with the transport failure's message, or `time_unreadable`.
    public func measureClockOffset(timeout: Duration) throws -> Int64 {
        let before = EpochClock.milliseconds()
        let request = try HTTPClient.Request(url: baseURL + "/time", method: .GET)
        let result = Result { try probe.execute(request: request, deadline: .now() + TimeAmount(timeout)).wait() }
        let after = EpochClock.milliseconds()
        let response: HTTPClient.Response
        switch result {
        case .success(let r): response = r
        case .failure(let error):
            let failure = TransportFailure(error, endpoint: endpoint)
            throw BackfillError("time_\(failure.timeCode)", failure.message, cause: failure)
        }
        let body = response.body.map { Array($0.readableBytesView) } ?? []
        let named = response.headers.first(name: Self.contractHeader).flatMap { Contract(rawValue: $0.lowercased()) }
        announced.withLock { $0 = named }
        timeNotFound.withLock { $0 = response.status == .notFound }
        guard response.status == .ok else {
            let seen = APIErrorMessage.extract(from: APIErrorMessage.kept(body)).map { " (\($0))" } ?? ""
            throw BackfillError("time_unreadable", "GET \(baseURL)/time answered \(response.status.code)\(seen) without an epoch")
        }
        let serverMs: Int64
        switch ServerTime.epochMilliseconds(from: body) {
        case .success(let ms): serverMs = ms
        case .failure(let unreadable):
            throw BackfillError("time_unreadable", "GET \(baseURL)/time answered 200 without a usable epoch: \(unreadable)")
        }
        let value = serverMs - (before + after) / 2
        offset.withLock { $0 = value }
        return value
    }

    /// Sends one job's stored bytes, signed now. The future never fails: problems come back in `SendResult`.
    /// `onSent` is called once the whole request has been written to the connection, on an event loop, and not
    /// at all when it never was (a refused connection, a failed handshake): only then may the request have
    /// reached the server, so only then is the job marked in flight.
    public func send(_ job: ClaimedJob, timeout: Duration,
                     onSent: @escaping @Sendable () -> Void = {}) -> EventLoopFuture<SendResult> {
        let path = Profile.patchPath(participantCode: job.participantCode)
        let startedAt = EpochClock.milliseconds()
        let timestamp = String((startedAt + clockOffset) / 1000)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: profile.apiKeyHeader, value: apiKey)
        headers.add(name: profile.passphraseHeader, value: passphrase)
        headers.add(name: profile.timestampHeader, value: timestamp)
        headers.add(name: profile.signatureHeader,
                    value: signer.signature(timestamp: timestamp, method: "PATCH", path: path, body: job.body))
        headers.add(name: Profile.requestIDHeader, value: job.requestID)
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: baseURL + path, method: .PATCH, headers: headers, body: .bytes(job.body))
        } catch {
            let now = EpochClock.milliseconds()
            return client.eventLoopGroup.next().makeSucceededFuture(
                SendResult(status: nil, body: [], failure: .connection("request to \(endpoint) not sent: bad URL (\(error))"),
                           startedAt: startedAt, endedAt: now))
        }
        let endpoint = endpoint
        let delegate = SentAnswer(cap: RunStore.responseCap * 4, onSent: onSent)
        return client.execute(request: request, delegate: delegate, deadline: .now() + TimeAmount(timeout)).futureResult
            .map { answer in
                // An HTML page (a proxy's 403 or 5xx) is kept as a short excerpt, not whole.
                SendResult(status: answer.status, retryAfter: answer.retryAfter.flatMap(HTTPSender.parseRetryAfter),
                           body: APIErrorMessage.kept(answer.body), failure: nil, httpVersion: answer.version,
                           startedAt: startedAt, endedAt: EpochClock.milliseconds())
            }.recover { error in
                SendResult(status: nil, body: [], failure: TransportFailure(error, endpoint: endpoint),
                           startedAt: startedAt, endedAt: EpochClock.milliseconds())
            }
    }

    /// `Retry-After` as seconds (or an HTTP date).
    static func parseRetryAfter(_ value: String) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(max(0, Int64(date.timeIntervalSinceNow * 1000)))
    }
}

extension TransportFailure {
    /// The suffix of the `time_` codes `measureClockOffset` throws.
    var timeCode: String {
        switch self {
        case .timeout: "timeout"
        case .unreachable: "unreachable"
        case .connection: "network"
        case .tls: "tls"
        case .dns: "dns"
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let c = duration.components
        self = .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}

/// Collects an answer's status, `Retry-After` and the first `cap` bytes of its body, and reports when the request
/// has been written. AsyncHTTPClient calls every method on the task's event loop, one at a time.
private final class SentAnswer: HTTPClientResponseDelegate, @unchecked Sendable {
    struct Answer: Sendable {
        var status: Int
        var retryAfter: String?
        var body: [UInt8]
        var version: String?
    }

    private let cap: Int
    private let onSent: @Sendable () -> Void
    private var answer = Answer(status: 0, retryAfter: nil, body: [])

    init(cap: Int, onSent: @escaping @Sendable () -> Void) {
        self.cap = cap
        self.onSent = onSent
    }

    func didSendRequest(task: HTTPClient.Task<Answer>) {
        onSent()
    }

    func didReceiveHead(task: HTTPClient.Task<Answer>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        answer.status = Int(head.status.code)
        answer.retryAfter = head.headers.first(name: "Retry-After")
        answer.version = "\(head.version)"
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Answer>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let room = cap - answer.body.count
        if room > 0 { answer.body.append(contentsOf: buffer.readableBytesView.prefix(room)) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Answer>) throws -> Answer {
        answer
    }
}
