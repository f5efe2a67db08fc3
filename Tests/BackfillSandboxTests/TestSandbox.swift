import AsyncHTTPClient
import BackfillSandbox
import Foundation
import Logging
import NIOCore
import ParticipantAPI
import Testing

/// A sandbox started in-process on an ephemeral loopback port, with an HTTP client that signs like a real one.
/// Every test gets its own; `run` shuts both down whatever happens.
struct TestSandbox {
    /// The secret of the Python-computed vectors: Base64 of `sandbox-demo-secret-0123456789abcdef`.
    static let secret = "c2FuZGJveC1kZW1vLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm"
    static let credentials = SandboxCredentials(apiKey: "test-key", apiSecret: secret, passphrase: "test-passphrase")

    let sandbox: RunningSandbox
    let client: HTTPClient
    let signer: RequestSigner

    /// An answer, read whole.
    struct Reply {
        let status: Int
        let headers: [(name: String, value: String)]
        /// The body exactly as it came: assertions on the body compare these bytes (`String` `==` and `contains`
        /// follow Unicode canonical equivalence and cannot see a byte-level difference).
        let bytes: [UInt8]

        /// The body decoded as UTF-8, for messages only: never assert on it.
        var body: String { String(decoding: bytes, as: UTF8.self) }

        var json: JSONValue? { try? JSONParser.parse(bytes) }

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The message of a 400 `{"errors": [message]}`.
        var errors: [String]? {
            guard case .array(let items)? = json?["errors"] else { return nil }
            return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }

        /// `message` of a 401/403 `{"error": true, "message": ...}`.
        var refusal: String? {
            guard json?["error"] == .bool(true), case .string(let s)? = json?["message"] else { return nil }
            return s
        }

        /// `error` of a 404/429/5xx `{"error": "..."}`.
        var errorText: String? {
            guard case .string(let s)? = json?["error"] else { return nil }
            return s
        }

        /// A member of the 200 answer's `message` record.
        func record(_ key: String) -> JSONValue? { json?["message"]?[key] }
    }

    /// Starts a sandbox with the test credentials and no rate limit unless `configure` says otherwise.
    static func run(
        _ configure: (inout SandboxConfiguration) -> Void = { _ in },
        _ body: (TestSandbox) async throws -> Void
    ) async throws {
        try await runReturning(configure, body)
    }

    /// `run`, for a body that returns a value.
    static func runReturning<R>(
        _ configure: (inout SandboxConfiguration) -> Void = { _ in },
        clientConfiguration: HTTPClient.Configuration = .init(),
        _ body: (TestSandbox) async throws -> R
    ) async throws -> R {
        var configuration = SandboxConfiguration()
        configuration.credentials = credentials
        configuration.rateLimit = nil
        configure(&configuration)
        var logger = Logger(label: "sandbox-test")
        logger.logLevel = .warning
        let sandbox = try await Sandbox.start(configuration, logger: logger)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let harness = TestSandbox(
            sandbox: sandbox, client: client, signer: try RequestSigner(base64Secret: configuration.apiSecret)
        )
        do {
            let result = try await body(harness)
            try await client.shutdown()
            await sandbox.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            await sandbox.shutdown()
            throw error
        }
    }

    /// The four authentication headers for a request, signed now (or at `timestamp`) with the sandbox's credentials.
    func authHeaders(
        method: String, path: String, body: String, timestamp: String? = nil, profile: Profile = .zerohash
    ) -> [(String, String)] {
        let ts = timestamp ?? String(Int64(Date().timeIntervalSince1970))
        let signature = signer.signature(timestamp: ts, method: method, path: path, body: Array(body.utf8))
        let c = sandbox.credentials
        return [
            (profile.apiKeyHeader, c.apiKey), (profile.signatureHeader, signature),
            (profile.timestampHeader, ts), (profile.passphraseHeader, c.passphrase),
        ]
    }

    /// A signed PATCH of `body` for `participantCode`.
    func patch(_ participantCode: String, _ body: String, timeout: TimeAmount = .seconds(10)) async throws -> Reply {
        let path = Profile.patchPath(participantCode: participantCode)
        return try await send(
            "PATCH", path, body: body,
            headers: authHeaders(method: "PATCH", path: path, body: body, profile: sandbox.configuration.profile),
            timeout: timeout
        )
    }

    /// Any request, with exactly these headers.
    func send(
        _ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(10)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: sandbox.baseURL + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            bytes: Array(bytes.readableBytesView)
        )
    }

    /// Waits until `condition` holds on the sandbox's state, checking every few milliseconds, for at most `limit`.
    func awaitState(
        within limit: Duration = .seconds(10), _ condition: (SandboxState) -> Bool
    ) async throws -> SandboxState {
        let deadline = ContinuousClock.now + limit
        while true {
            let state = sandbox.snapshot()
            if condition(state) { return state }
            if ContinuousClock.now > deadline { return state }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Byte-level searches in a body: `fragment` is looked for as its UTF-8 bytes, never through `String`, so text that
/// is merely canonically equivalent (NFC "é" and NFD "e\u{301}") does not match.
extension Array where Element == UInt8 {
    /// Whether these bytes hold `fragment`'s UTF-8 bytes as one contiguous run (an empty fragment always matches).
    func containsUTF8(of fragment: String) -> Bool {
        let needle = Array(fragment.utf8)
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}

/// Bodies the tests send, compact like a real client's.
enum Body {
    static let name = #"{"first_name":"Ana","last_name":"Lima","platform_updated_at":1700000000000}"#

    static func name(_ first: String, requestID: String? = nil, at ms: Int64 = 1_700_000_000_000) -> String {
        let id = requestID.map { #""request_id":"\#($0)","# } ?? ""
        return #"{\#(id)"first_name":"\#(first)","last_name":"Lima","platform_updated_at":\#(ms)}"#
    }

    static func email(_ email: String, requestID: String? = nil) -> String {
        let id = requestID.map { #""request_id":"\#($0)","# } ?? ""
        return #"{\#(id)"email":"\#(email)","platform_updated_at":1700000000000}"#
    }

    static let usAddress = #"{"address_one":"1 Main St","address_two":"","country":"United States","state":"NY","#
        + #""city":"New York","zip":"10001","platform_updated_at":1700000000001}"#
}
