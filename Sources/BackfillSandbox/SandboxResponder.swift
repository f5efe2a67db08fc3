#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import NIOCore
import ParticipantAPI

/// The sandbox's HTTP front: `GET /time` and `PATCH /participants/customers/{participant_code}`, everything else 404.
/// Every answer names the contract the sandbox speaks in `X-Backfill-Contract` (`zerohash` or `ndax`).
///
/// Checks run in the API's order: rate limit (every arriving request), authentication, faults (authenticated
/// requests only), then the platform, roster, idempotency and body rules in `SandboxLedger`. The decisions live in
/// `RateLimiter`, `RequestAuthenticator`, `FaultInjector`, `PatchSubmission` and `SandboxLedger`; this type only
/// reads the request, consults them, waits where a fault says so, and answers.
struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxRequestContext

    static let patchPrefix = Profile.patchPath(participantCode: "")
    /// The header every answer names the contract in (what `backfill run` reads on `GET /time`).
    static let contractHeader = HeaderName("X-Backfill-Contract")!
    /// Zero Hash's idempotency key under `zerohash` (case-insensitive, as every header name), echoed on its answers.
    static let requestIDHeader = HeaderName(Profile.requestIDHeader)!

    let ledger: SharedLedger
    let contract: Contract
    let authenticator: RequestAuthenticator
    let rules: SegmentRules
    let wallClock: @Sendable () -> Int64
    let timeFormat: SandboxConfiguration.TimeFormat
    let latency: Duration
    let slowDelay: Duration
    let maxBodySize: Int
    let isRateLimited: Bool
    let faultsInert: Bool

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.head.path ?? "/"
        ledger.withLock { $0.arrived(isPatch: request.method == .patch) }
        defer { ledger.withLock { $0.left() } }
        var response: Response
        do {
            response = try await handle(request, path: path, context: context)
            response.headers[Self.contractHeader] = contract.rawValue
        } catch is ConnectionReset {
            context.logger.debug("\(request.method) \(path) -> connection reset (fault)")
            throw ConnectionReset()
        }
        context.logger.debug("\(request.method) \(path) -> \(response.status.code)")
        return response
    }

    private func handle(_ request: Request, path: String, context: Context) async throws -> Response {
        if isRateLimited {
            let now = SandboxClock.monotonicNanoseconds()
            let admitted = ledger.withLock { ledger in
                let admitted = ledger.rateLimiter!.admit(now: now)
                if !admitted { ledger.count(status: 429) }
                return admitted
            }
            if !admitted { return SandboxResponse.error(.tooManyRequests, SandboxMessage.tooManyRequests) }
        }

        let route = path.utf8.firstIndex(of: UInt8(ascii: "?")).map { path[..<$0] } ?? path[...]
        if request.method == .patch, route.hasPrefix(Self.patchPrefix) {
            let code = route.dropFirst(Self.patchPrefix.utf8.count)
            if !code.isEmpty, !code.utf8.contains(UInt8(ascii: "/")) {
                return try await patch(request, path: path, participantCode: String(code), context: context)
            }
        } else if request.method == .get, route == "/time" {
            return counted(SandboxResponse.time(epochMilliseconds: wallClock(), format: timeFormat))
        }
        return counted(SandboxResponse.error(.notFound, SandboxMessage.notFound))
    }

    private func patch(_ request: Request, path: String, participantCode: String, context: Context) async throws -> Response {
        let body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: maxBodySize)
            body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            return counted(SandboxResponse.error(.contentTooLarge, SandboxMessage.bodyTooLarge))
        }
        if let failure = authenticator.check(
            headers: request.headers, method: "PATCH", path: path, body: body, nowMilliseconds: wallClock()
        ) {
            context.logger.debug("authentication failed", metadata: ["reason": "\(failure.code)"])
            return counted(SandboxResponse.refused(.unauthorized, failure.message))
        }

        if latency > .zero { try await Task.sleep(for: latency) }
        var isSlow = false
        if !faultsInert {
            let fault = ledger.withLock { ledger in
                let fault = ledger.faults.next()
                switch fault {
                case .fail(let status): ledger.count(status: status)
                case .reset: ledger.countReset()
                case .none, .slow: break
                }
                return fault
            }
            switch fault {
            case .fail(let status): return SandboxResponse.fault(status: status)
            case .reset:
                await Self.reset(context.channel)
                throw ConnectionReset()
            case .slow: isSlow = true
            case .none: break
            }
        }

        // Under `zerohash` the idempotency key is the X-REQUEST-ID header (the seed's is the body's request_id).
        let requestID = contract == .zerohash ? request.headers[Self.requestIDHeader] : nil
        if let replayed = ledger.withLock({ $0.replay(participantCode: participantCode, body: body, requestID: requestID) }) {
            if isSlow { try await Task.sleep(for: slowDelay) }
            return echoingRequestID(SandboxResponse.ok(replayed), requestID)
        }
        let submission = PatchSubmission(body: body, contract: contract, requestIDHeader: requestID)
        let screened = ledger.withLock { ledger in
            let outcome = ledger.screen(participantCode: participantCode, submission: submission)
            if let outcome { ledger.count(outcome) }
            return outcome
        }
        let outcome: SandboxLedger.PatchOutcome
        if let screened {
            outcome = screened
        } else {
            switch submission.judge(with: rules) {
            case .invalid(let messages):
                outcome = .badRequest(messages)
                ledger.withLock { $0.count(outcome) }
            case .valid(let fields, let platformUpdatedAt):
                outcome = ledger.withLock { ledger in
                    let outcome = ledger.apply(
                        participantCode: participantCode, submission: submission,
                        fields: fields, platformUpdatedAt: platformUpdatedAt
                    )
                    ledger.count(outcome)
                    return outcome
                }
            }
        }
        if isSlow { try await Task.sleep(for: slowDelay) }
        let response: Response
        switch outcome {
        case .ok(let body, _): response = SandboxResponse.ok(body)
        case .badRequest(let messages): response = SandboxResponse.badRequest(messages)
        case .forbidden(let message): response = SandboxResponse.refused(.forbidden, message)
        case .notFound: response = SandboxResponse.error(.notFound, SandboxMessage.notFound)
        }
        return echoingRequestID(response, requestID)
    }

    /// Under `zerohash`, the answer repeats the request's `X-REQUEST-ID` (Zero Hash's guide: the server echoes it).
    private func echoingRequestID(_ response: Response, _ requestID: String?) -> Response {
        guard let requestID, !requestID.isEmpty else { return response }
        var response = response
        response.headers[Self.requestIDHeader] = requestID
        return response
    }

    private func counted(_ response: Response) -> Response {
        ledger.withLock { $0.count(status: Int(response.status.code)) }
        return response
    }

    /// Closes the connection abruptly (RST where the socket allows it), so the client gets no answer at all.
    private static func reset(_ channel: any Channel) async {
        if let socket = channel as? any SocketOptionProvider {
            try? await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }

    /// Thrown after the reset fault closed the connection: there is nothing left to answer.
    struct ConnectionReset: Error {}
}
