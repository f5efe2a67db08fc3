import Hummingbird
import NIOCore
import ParticipantAPI

/// The answers the sandbox gives, in the shapes Zero Hash's published API description uses:
/// 400 `{"errors": ["..."]}`; 401/403 `{"error": true, "message": "..."}`; 404/413/429/5xx `{"error": "..."}`.
enum SandboxResponse {
    private static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    /// 200 with a prepared JSON body.
    static func ok(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: jsonHeaders, body: ResponseBody(byteBuffer: body))
    }

    /// 400 `{"errors": [message]}`.
    static func badRequest(_ message: String) -> Response {
        badRequest([message])
    }

    /// 400 `{"errors": [messages...]}`: one message per broken rule.
    static func badRequest(_ messages: [String]) -> Response {
        json(.badRequest, .object([("errors", .array(messages.map(JSONValue.string)))]))
    }

    /// 401 or 403 `{"error": true, "message": message}`.
    static func refused(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, .object([("error", .bool(true)), ("message", .string(message))]))
    }

    /// `{"error": message}` with any status; a 503 also says `zh-allow-retry: true`.
    static func error(_ status: HTTPResponse.Status, _ message: String, retryAfterSeconds: Int? = nil) -> Response {
        var response = json(status, .object([("error", .string(message))]))
        if status == .serviceUnavailable { response.headers[allowRetry] = "true" }
        if let retryAfterSeconds { response.headers[.retryAfter] = String(retryAfterSeconds) }
        return response
    }

    /// A fault's failure: 500, 502 or 503 (the 503 with `Retry-After: 1`).
    static func fault(status: Int) -> Response {
        switch status {
        case 502: error(.badGateway, SandboxMessage.badGateway)
        case 503: error(.serviceUnavailable, SandboxMessage.serviceUnavailable, retryAfterSeconds: 1)
        default: error(.internalServerError, SandboxMessage.internalServerError)
        }
    }

    /// `GET /time`: `{"message": {"epoch": ms, "epoch_units": "milliseconds", "iso_8601": "..."}}`, or
    /// `{"epoch": s}` (whole seconds, rounded down) in the `.seconds` format.
    static func time(epochMilliseconds ms: Int64, format: SandboxConfiguration.TimeFormat = .message) -> Response {
        switch format {
        case .message:
            json(.ok, .object([("message", .object([
                ("epoch", .number(String(ms))),
                ("epoch_units", .string("milliseconds")),
                ("iso_8601", .string(SandboxClock.iso8601(epochMilliseconds: ms))),
            ]))]))
        case .seconds:
            json(.ok, .object([("epoch", .number(String(ms.floorDivided(by: 1000))))]))
        }
    }

    private static let allowRetry = HeaderName("zh-allow-retry")!

    private static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        JSONWriter.write(value, into: &out)
        return Response(status: status, headers: jsonHeaders, body: ResponseBody(byteBuffer: ByteBuffer(bytes: out)))
    }
}

extension Int64 {
    /// Division rounding toward minus infinity, so a time before 1970 still rounds down.
    fileprivate func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
