import BackfillStore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// What went wrong below HTTP, as the sender reports it. The case decides the outcome; the message is what the
/// ledger keeps and the operator reads: it names the host and port and what to check, and never holds a secret.
public enum TransportFailure: Error, Sendable, Equatable {
    /// No answer within `--timeout`: the update may or may not have been applied.
    case timeout(String)
    /// No connection could be opened: refused, no route to the host, or the connect timeout.
    case unreachable(String)
    /// An open connection was reset or closed before the answer came.
    case connection(String)
    /// The TLS handshake failed or timed out (certificate, protocol, not an HTTPS server).
    case tls(String)
    /// The host name does not resolve.
    case dns(String)

    /// No connection was made at all (refused or unroutable, a name that does not resolve, a failed handshake):
    /// before any job is touched, a wrong host or port rather than a blip.
    public var meansNoConnection: Bool {
        switch self {
        case .unreachable, .dns, .tls: true
        case .timeout, .connection: false
        }
    }

    /// The plain message, e.g. `connection refused by 127.0.0.1:8080: is the server running, and is --base-url right?`.
    public var message: String {
        switch self {
        case .timeout(let m), .unreachable(let m), .connection(let m), .tls(let m), .dns(let m): m
        }
    }

    /// The ledger's class: no new classes, unreachable and lost connections are both `network`.
    public var errorClass: ErrorClass {
        switch self {
        case .timeout: .timeout
        case .unreachable, .connection: .network
        case .tls: .tls
        case .dns: .dns
        }
    }
}

/// The host and port a request was sent to, as messages name them: `127.0.0.1:8080`, `[::1]:8080`.
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The endpoint of a base URL, the scheme's default port when it names none; nil for a URL without a host.
    /// User info in the URL is left out, so no message can carry it.
    public init?(url: String) {
        guard let components = URLComponents(string: url), var host = components.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension TransportFailure {
    /// Sorts an error from AsyncHTTPClient or NIO by its type (never by its text) and words it for `endpoint`.
    ///
    /// `HTTPClientError` timeouts and closed connections, `NIOConnectionError` (DNS errors, or each address's
    /// connect error), `IOError` by errno, `ChannelError`, and NIOSSL's handshake errors. Anything else is a
    /// lost connection, retried.
    public init(_ error: any Error, endpoint: Endpoint) {
        let at = endpoint.description
        let closed = TransportFailure.connection("connection closed by \(at) before an answer (retried)")
        switch error {
        case let e as HTTPClientError:
            switch e {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                self = .timeout("no answer from \(at) within --timeout (the update may have been applied; the retry sends the same request_id and bytes)")
            case .connectTimeout, .getConnectionFromPoolTimeout:
                self = .unreachable(Self.connectTimedOut(at))
            case .tlsHandshakeTimeout:
                self = .tls("TLS handshake with \(at) timed out: \(Self.tlsAdvice(endpoint))")
            case .remoteConnectionClosed, .uncleanShutdown:
                self = closed
            default:
                self = .connection("request to \(at) failed: \(e.shortDescription)")
            }
        case let e as NIOConnectionError:
            // One connect error per address tried; the DNS errors only matter when no address was found at all.
            let failures = e.connectionErrors.map { TransportFailure($0.error, endpoint: endpoint) }
            if let first = failures.first {
                // An address that was reached (TLS, reset) says more than one that refused.
                self = failures.first { !$0.isUnreachable } ?? first
            } else if let dns = e.dnsAError ?? e.dnsAAAAError {
                self = .dns(Self.dnsFailed(endpoint.host, reason: Self.dnsReason(dns)))
            } else {
                self = .unreachable("no address to connect to for \(at): is --base-url right?")
            }
        case let e as SocketAddressError.UnknownHost:
            self = .dns(Self.dnsFailed(endpoint.host, reason: e.errorDescription))
        case let e as IOError:
            self = Self.classify(errno: e.errnoCode, at: at, closed: closed)
        case let e as ChannelError:
            switch e {
            case .connectTimeout: self = .unreachable(Self.connectTimedOut(at))
            case .writeHostUnreachable: self = Self.classify(errno: EHOSTUNREACH, at: at, closed: closed)
            default: self = closed
            }
        case let e as NIOSSLError:
            switch e {
            case .uncleanShutdown:
                // The peer closed the TCP connection without TLS's close_notify: a lost connection, not a TLS refusal.
                self = closed
            case .handshakeFailed(let reason):
                self = .tls("TLS handshake with \(at) failed: \(Self.tlsReason(reason)): \(Self.tlsAdvice(endpoint))")
            default:
                self = .tls("TLS with \(at) failed: \(e): \(Self.tlsAdvice(endpoint))")
            }
        case let e as BoringSSLError:
            self = .tls("TLS handshake with \(at) failed: \(Self.tlsReason(e)): \(Self.tlsAdvice(endpoint))")
        case let e as NIOSSLExtraError:
            self = .tls("TLS handshake with \(at) failed: \(e): \(Self.tlsAdvice(endpoint))")
        default:
            self = .connection("request to \(at) failed: \(error)")
        }
    }

    private var isUnreachable: Bool {
        if case .unreachable = self { true } else { false }
    }

    private static func classify(errno code: CInt, at: String, closed: TransportFailure) -> TransportFailure {
        switch code {
        case ECONNREFUSED:
            .unreachable("connection refused by \(at): is the server running, and is --base-url right?")
        case EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL:
            .unreachable("no route to \(at): is the host reachable from this network (VPN, firewall), and is --base-url right?")
        case ETIMEDOUT:
            .unreachable(connectTimedOut(at))
        case ECONNRESET:
            .connection("connection reset by \(at) (retried)")
        case EPIPE, ECONNABORTED:
            closed
        default:
            .connection("connection to \(at) failed: \(String(cString: strerror(code))) (errno \(code))")
        }
    }

    private static func connectTimedOut(_ at: String) -> String {
        "no connection to \(at) within the connect timeout: is the host reachable from this network (VPN, firewall), and is --base-url right?"
    }

    private static func dnsFailed(_ host: String, reason: String?) -> String {
        "DNS lookup failed for \(host)\(reason.map { " (\($0))" } ?? ""): is the host name in --base-url or --env right, and does this machine's DNS resolve it?"
    }

    private static func dnsReason(_ error: any Error) -> String? {
        (error as? SocketAddressError.UnknownHost)?.errorDescription
    }

    private static func tlsAdvice(_ endpoint: Endpoint) -> String {
        "does \(endpoint) speak HTTPS, with a certificate valid for \(endpoint.host)?"
    }

    /// BoringSSL's reason, e.g. `WRONG_VERSION_NUMBER` as `wrong version number`.
    static func tlsReason(_ error: BoringSSLError) -> String {
        switch error {
        case .sslError(let stack), .unknownError(let stack):
            let reasons = stack.map { reason(of: $0) }.filter { !$0.isEmpty }
            return reasons.isEmpty ? "\(error)" : reasons.joined(separator: "; ")
        case .zeroReturn: return "the server closed the connection during the handshake"
        case .syscallError: return "the connection failed during the handshake"
        default: return "\(error)"
        }
    }

    /// The reason part of one BoringSSL error (`error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at
    /// file:line`), lower-cased, for the message only: the classification never reads it.
    private static func reason(of error: BoringSSLInternalError) -> String {
        var text = error.description
        if let at = text.range(of: " at ", options: .backwards) { text = String(text[..<at.lowerBound]) }
        guard text.contains("error:"), let last = text.split(separator: ":").last else {
            return text.hasPrefix("Error: ") ? String(text.dropFirst("Error: ".count)).trimmingCharacters(in: .whitespaces) : text
        }
        return last.replacingOccurrences(of: "_", with: " ").lowercased()
    }
}
