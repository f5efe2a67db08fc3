import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ParticipantAPI
import Synchronization

/// The answer to one request, or its absence.
public struct SendResult: Sendable {
    public var status: Int?
    public var retryAfter: Duration?
    public var body: [UInt8]
    public var failure: TransportFailure?
    /// Wall-clock epoch milliseconds.
    public var startedAt: Int64
    public var endedAt: Int64
}

/// Signs and sends PATCH requests over one AsyncHTTPClient, whose pool is sized to the concurrency
/// (keep-alive, TLS verified). Each request is signed as it is sent, with the measured clock offset applied.
public final class HTTPSender: Sendable {
    private let client: HTTPClient
    private let baseURL: String
    private let profile: Profile
    private let apiKey: String
    private let passphrase: String
    private let signer: RequestSigner
    /// Server clock minus local clock, in milliseconds.
    private let offset = Mutex<Int64>(0)

    public init(configuration: RunConfiguration, credentials: Credentials) throws {
        var http = HTTPClient.Configuration()
        http.redirectConfiguration = .disallow
        http.timeout = .init(connect: .seconds(10))
        http.connectionPool = .init(idleTimeout: .seconds(60))
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.concurrency
        http.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        baseURL = configuration.resolvedBaseURL
        profile = configuration.profile
        apiKey = credentials.apiKey
        passphrase = credentials.passphrase
        signer = try RequestSigner(base64Secret: credentials.apiSecret)
    }

    /// Closes the connection pool. Must be called once the run is over.
    public func shutdown() {
        try? client.syncShutdown()
    }

    /// The clock offset in use (server minus local), in milliseconds.
    public var clockOffset: Int64 { offset.withLock { $0 } }

    /// Measures the offset with `GET /time` (unauthenticated), keeps it, and returns it.
    public func measureClockOffset(timeout: Duration) throws -> Int64 {
        let before = Clock.epochMilliseconds()
        let request = try HTTPClient.Request(url: baseURL + "/time", method: .GET)
        let result = Result { try client.execute(request: request, deadline: .now() + TimeAmount(timeout)).wait() }
        let after = Clock.epochMilliseconds()
        let response: HTTPClient.Response
        switch result {
        case .success(let r): response = r
        case .failure(let error):
            throw BackfillError(HTTPSender.classify(error).map { "time_\($0.code)" } ?? "time_failed",
                                "GET \(baseURL)/time failed: \(HTTPSender.describe(error))")
        }
        guard response.status == .ok, let buffer = response.body,
              let json = try? JSONParser.parse(Array(buffer.readableBytesView)),
              case .number(let text)? = json["message"]?["epoch"], let epoch = Double(text) else {
            throw BackfillError("time_unreadable", "GET \(baseURL)/time answered \(response.status.code) without an epoch")
        }
        var serverMs = Int64(epoch)
        if case .string(let units)? = json["message"]?["epoch_units"], units == "seconds" { serverMs *= 1000 }
        let value = serverMs - (before + after) / 2
        offset.withLock { $0 = value }
        return value
    }

    /// Sends one job's stored bytes, signed now. The future never fails: problems come back in `SendResult`.
    public func send(_ job: ClaimedJob, timeout: Duration) -> EventLoopFuture<SendResult> {
        let path = Profile.patchPath(participantCode: job.participantCode)
        let startedAt = Clock.epochMilliseconds()
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
            let now = Clock.epochMilliseconds()
            return client.eventLoopGroup.next().makeSucceededFuture(
                SendResult(status: nil, body: [], failure: .connection("bad URL: \(error)"), startedAt: startedAt, endedAt: now))
        }
        return client.execute(request: request, deadline: .now() + TimeAmount(timeout)).map { response in
            let body = response.body.map { Array($0.readableBytesView.prefix(RunStore.responseCap * 4)) } ?? []
            return SendResult(status: Int(response.status.code),
                              retryAfter: response.headers.first(name: "Retry-After").flatMap(HTTPSender.parseRetryAfter),
                              body: body, failure: nil, startedAt: startedAt, endedAt: Clock.epochMilliseconds())
        }.recover { error in
            SendResult(status: nil, body: [], failure: HTTPSender.classify(error) ?? .connection(HTTPSender.describe(error)),
                       startedAt: startedAt, endedAt: Clock.epochMilliseconds())
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

    /// Sorts a transport error into timeout, TLS, DNS or connection.
    static func classify(_ error: any Error) -> TransportFailure? {
        let text = describe(error)
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .writeTimeout { return .timeout }
            if e == .tlsHandshakeTimeout { return .tls(text) }
            if e == .connectTimeout { return .connection(text) }
        }
        let type = String(reflecting: Swift.type(of: error))
        if type.contains("NIOSSL") || type.contains("BoringSSL") || text.contains("handshakeFailed") || text.contains("CERTIFICATE") {
            return .tls(text)
        }
        if text.contains("dnsAError") || text.contains("dnsAAAAError") || text.contains("Name or service not known")
            || text.contains("nodename nor servname") || text.contains("No address associated") {
            return .dns(text)
        }
        return .connection(text)
    }

    static func describe(_ error: any Error) -> String {
        String(describing: error)
    }
}

extension TransportFailure {
    var code: String {
        switch self {
        case .timeout: "timeout"
        case .connection: "network"
        case .tls: "tls"
        case .dns: "dns"
        }
    }

    var message: String {
        switch self {
        case .timeout: "no answer within the timeout (the update may have been applied; the retry is idempotent)"
        case .connection(let s): "connection failed: \(s)"
        case .tls(let s): "TLS failed: \(s)"
        case .dns(let s): "host name did not resolve: \(s)"
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let c = duration.components
        self = .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}
