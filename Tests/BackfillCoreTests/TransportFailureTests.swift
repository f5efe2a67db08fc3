import AsyncHTTPClient
@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// Transport failures are told apart by their error types (AsyncHTTPClient's, NIO's, NIOSSL's), never by their
/// text, and each gets one plain message naming the host and port and what to check. The errors are real where
/// loopback can make them: a refused connect, and a DNS failure from a resolver that never touches the network.
struct TransportFailureTests {
    static let local = Endpoint(host: "127.0.0.1", port: 8080)
    static let cert = Endpoint(host: "api.cert.zerohash.com", port: 443)

    /// A loopback port nothing listens on: bound by the system, then closed.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }

    /// Fails every lookup as getaddrinfo would for an unknown name, without sending anything.
    struct UnresolvableResolver: Resolver {
        struct NoSuchHost: Error {}
        let loop: any EventLoop
        func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> { loop.makeFailedFuture(NoSuchHost()) }
        func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> { loop.makeFailedFuture(NoSuchHost()) }
        func cancelQueries() {}
    }

    /// What NIO's happy-eyeballs connect throws for `host:port`.
    static func connectError(host: String, port: Int, resolver: (any Resolver)? = nil) async -> (any Error)? {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        var bootstrap = ClientBootstrap(group: loop).connectTimeout(.seconds(2))
        if let resolver { bootstrap = bootstrap.resolver(resolver) }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            try? await channel.close()
            return nil
        } catch {
            return error
        }
    }

    @Test func aRefusedConnectionNamesTheHostAndPortAndWhatToCheck() async throws {
        let port = try await Self.freePort()
        let error = try #require(await Self.connectError(host: "127.0.0.1", port: port))
        #expect(error is NIOConnectionError)
        let failure = TransportFailure(error, endpoint: Endpoint(host: "127.0.0.1", port: port))
        #expect(failure == .unreachable("connection refused by 127.0.0.1:\(port): is the server running, and is --base-url right?"))
        #expect(failure.errorClass == .network)
    }

    @Test func aRefusedConnectionThroughAsyncHTTPClientIsTheSameFailureAtOnce() async throws {
        let port = try await Self.freePort()
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        // A connect timeout far above the bound below: a client that kept retrying the refused
        // connection would fail only when it expired, and say "timed out", not "refused". The
        // bound is loose because this suite runs in parallel on two cores, where a test can wait
        // seconds for a thread (CI saw 11 s once with a 1 s bound).
        configuration.timeout.connect = .seconds(120)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let started = ContinuousClock.now
        var failed: (any Error)?
        do {
            _ = try await client.get(url: "http://127.0.0.1:\(port)/time").get()
        } catch {
            failed = error
        }
        try await client.shutdown()
        #expect(ContinuousClock.now - started < .seconds(60))
        let error = try #require(failed, "something answered on port \(port)")
        #expect(TransportFailure(error, endpoint: Endpoint(host: "127.0.0.1", port: port))
            == .unreachable("connection refused by 127.0.0.1:\(port): is the server running, and is --base-url right?"))
    }

    @Test func aNameThatDoesNotResolveIsADNSFailure() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let error = try #require(await Self.connectError(host: "api.cert.zerohash.com", port: 443,
                                                         resolver: UnresolvableResolver(loop: loop)))
        let connection = try #require(error as? NIOConnectionError)
        #expect(connection.dnsAError != nil && connection.connectionErrors.isEmpty)
        let failure = TransportFailure(error, endpoint: Self.cert)
        #expect(failure == .dns("DNS lookup failed for api.cert.zerohash.com: is the host name in --base-url or --env right, and does this machine's DNS resolve it?"))
        #expect(failure.errorClass == .dns)
        #expect(OutcomeClassifier.classify(status: nil, message: failure.message, retryAfter: nil, failure: failure) == .stop(.dns))
    }

    @Test func resetAndClosedConnectionsAreRetriedAsNetwork() {
        let reset = TransportFailure(IOError(errnoCode: ECONNRESET, reason: "read"), endpoint: Self.local)
        #expect(reset == .connection("connection reset by 127.0.0.1:8080 (retried)"))
        #expect(OutcomeClassifier.classify(status: nil, message: reset.message, retryAfter: nil, failure: reset)
            == .retry(.network, retryAfter: nil))
        for error: any Error in [HTTPClientError.remoteConnectionClosed, ChannelError.eof, NIOSSLError.uncleanShutdown,
                                 IOError(errnoCode: EPIPE, reason: "write")] {
            #expect(TransportFailure(error, endpoint: Self.local)
                == .connection("connection closed by 127.0.0.1:8080 before an answer (retried)"), "\(error)")
        }
    }

    @Test func timeoutsAreTimeoutsWithTheHost() {
        for error in [HTTPClientError.deadlineExceeded, .readTimeout, .writeTimeout] {
            let failure = TransportFailure(error, endpoint: Self.cert)
            #expect(failure == .timeout("no answer from api.cert.zerohash.com:443 within --timeout (the update may have been applied; the retry sends the same request_id and bytes)"))
            #expect(failure.errorClass == .timeout)
        }
    }

    @Test func aConnectTimeoutOrNoRouteIsUnreachable() {
        let timedOut = "no connection to api.cert.zerohash.com:443 within the connect timeout: is the host reachable from this network (VPN, firewall), and is --base-url right?"
        #expect(TransportFailure(HTTPClientError.connectTimeout, endpoint: Self.cert) == .unreachable(timedOut))
        #expect(TransportFailure(ChannelError.connectTimeout(.seconds(10)), endpoint: Self.cert) == .unreachable(timedOut))
        #expect(TransportFailure(IOError(errnoCode: EHOSTUNREACH, reason: "connect"), endpoint: Self.cert)
            == .unreachable("no route to api.cert.zerohash.com:443: is the host reachable from this network (VPN, firewall), and is --base-url right?"))
    }

    @Test func tlsHandshakeFailuresNameTheReasonAndStopTheRun() {
        let failure = TransportFailure(NIOSSLError.handshakeFailed(.sslError([.eofDuringHandshake])), endpoint: Self.cert)
        #expect(failure == .tls("TLS handshake with api.cert.zerohash.com:443 failed: EOF during handshake: does api.cert.zerohash.com:443 speak HTTPS, with a certificate valid for api.cert.zerohash.com?"))
        #expect(OutcomeClassifier.classify(status: nil, message: failure.message, retryAfter: nil, failure: failure) == .stop(.tls))
        #expect(TransportFailure(HTTPClientError.tlsHandshakeTimeout, endpoint: Self.cert)
            == .tls("TLS handshake with api.cert.zerohash.com:443 timed out: does api.cert.zerohash.com:443 speak HTTPS, with a certificate valid for api.cert.zerohash.com?"))
    }

    @Test func anotherErrnoIsWordedFromItsCode() {
        #expect(TransportFailure(IOError(errnoCode: EMFILE, reason: "socket"), endpoint: Self.local)
            == .connection("connection to 127.0.0.1:8080 failed: Too many open files (errno \(EMFILE))"))
    }

    @Test func theEndpointComesFromTheBaseURLWithoutItsUserInfo() {
        #expect(Endpoint(url: "http://127.0.0.1:8080")?.description == "127.0.0.1:8080")
        #expect(Endpoint(url: "https://api.cert.zerohash.com")?.description == "api.cert.zerohash.com:443")
        #expect(Endpoint(url: "http://localhost/v2")?.description == "localhost:80")
        #expect(Endpoint(url: "http://[::1]:9000/v2")?.description == "[::1]:9000")
        #expect(Endpoint(url: "https://user:s3cret@api.ndax.in")?.description == "api.ndax.in:443")
        #expect(Endpoint(url: "not a url") == nil)
    }
}
