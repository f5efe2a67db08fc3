/// Which flavour of the API to talk to: Zero Hash (`X-SCX-` headers) or its NDAX white label (`X-NDAX-` headers).
public enum Profile: String, Sendable, CaseIterable {
    case zerohash
    case ndax

    /// The prefix of the four authentication headers.
    public var headerPrefix: String {
        switch self {
        case .zerohash: "X-SCX-"
        case .ndax: "X-NDAX-"
        }
    }

    public var apiKeyHeader: String { headerPrefix + "API-KEY" }
    public var signatureHeader: String { headerPrefix + "SIGNED" }
    public var timestampHeader: String { headerPrefix + "TIMESTAMP" }
    public var passphraseHeader: String { headerPrefix + "PASSPHRASE" }

    /// The header that repeats the body's request_id.
    public static let requestIDHeader = "X-REQUEST-ID"

    /// The documented base URL for an environment. NDAX publishes a single host.
    public func baseURL(environment: Environment) -> String {
        switch (self, environment) {
        case (.zerohash, .cert): "https://api.cert.zerohash.com"
        case (.zerohash, .prod): "https://api.zerohash.com"
        case (.ndax, _): "https://api.ndax.in"
        }
    }

    /// Hosts that hold real customers' data: sending there needs explicit confirmation.
    public static let productionHosts: Set<String> = ["api.zerohash.com", "api.ndax.in"]

    /// The path of the endpoint for a participant.
    public static func patchPath(participantCode: String) -> String {
        "/participants/customers/\(participantCode)"
    }
}

/// The API environment: `cert` (Zero Hash's test environment) or `prod`.
public enum Environment: String, Sendable, CaseIterable {
    case cert
    case prod
}
