@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// What each answer means, with the API's own messages (`APIMessage`) and the sandbox's wording where the API
/// gives none (copied here: this target does not depend on the sandbox).
struct OutcomeClassifierTests {
    static func classify(_ status: Int?, _ message: String? = nil, retryAfter: Duration? = nil,
                         failure: TransportFailure? = nil) -> Outcome {
        OutcomeClassifier.classify(status: status, message: message, retryAfter: retryAfter, failure: failure)
    }

    /// Classifies a body as the worker does: its message, and the body itself.
    static func classify(_ status: Int, body: String) -> Outcome {
        let bytes = APIErrorMessage.kept(Array(body.utf8))
        return OutcomeClassifier.classify(status: status, message: APIErrorMessage.extract(from: bytes), body: bytes,
                                          retryAfter: nil, failure: nil)
    }

    static let segmentMessage = APIMessage.segmentValidationFailed([
        SegmentError(field: .city, kind: .required),
        SegmentError(field: .zip, kind: .format("12345 or 12345-6789")),
    ])

    @Test func twoHundredSucceeds() {
        #expect(Self.classify(200, nil) == .succeeded)
        #expect(Self.classify(200, nil).errorClass == nil)
    }

    @Test func segmentValidation400FailsAsSegment() {
        #expect(Self.segmentMessage.hasPrefix("Data segment validation failed."))
        #expect(Self.classify(400, Self.segmentMessage) == .failed(.segment))
    }

    @Test(arguments: [
        APIMessage.cannotUpdate(["nickname", "dob"]),
        APIMessage.noDataSegment,
        "platform_updated_at is required",
        "Request body must be a JSON object",
    ])
    func otherBodyRefusalsFailAsValidation(message: String) {
        #expect(Self.classify(400, message) == .failed(.validation))
    }

    @Test(arguments: [
        "request_id 0b6f0d0a-6a1f-5d7e-9d9b-0f1e2d3c4b5a was already used with a different payload or participant",
        "The same payload was already submitted for this participant under a different request_id",
    ])
    func idempotencyRefusalsFailAsIdempotencyConflict(message: String) {
        #expect(Self.classify(400, message) == .failed(.idempotencyConflict))
        #expect(Self.classify(400, message).errorClass?.rawValue == "idempotency_conflict")
    }

    @Test func notACustomer400FailsAsNotCustomer() {
        #expect(Self.classify(400, APIMessage.notACustomer("AB12CD")) == .failed(.notCustomer))
    }

    @Test func unauthorizedStopsTheRun() {
        #expect(Self.classify(401, "Invalid signature") == .stop(.unauthorized))
        #expect(Self.classify(401, nil) == .stop(.unauthorized))
    }

    @Test func notACustomerOfThePlatform403FailsTheJobOnly() {
        #expect(Self.classify(403, APIMessage.notACustomerOf("AB12CD", platform: "PLAT01")) == .failed(.notCustomer))
    }

    @Test func platformNotAllowed403StopsTheRun() {
        #expect(Self.classify(403, APIMessage.platformNotAllowed("PLAT01")) == .stop(.forbidden))
    }

    @Test func another403FailsTheJobAsForbidden() {
        #expect(Self.classify(403, "Forbidden") == .failed(.forbidden))
        #expect(Self.classify(403, nil) == .failed(.forbidden))
        #expect(Self.classify(403, body: #"{"error":true,"message":"Forbidden"}"#) == .failed(.forbidden))
        #expect(Self.classify(403, body: #"{"error":true,"message":"\#(APIMessage.notACustomerOf("AB12CD", platform: "PLAT01"))"}"#)
            == .failed(.notCustomer))
    }

    @Test func a403ThatIsNotTheAPIsJSONStopsTheRunAsForbidden() {
        // Cloudflare in front of the API: an HTML page, or `error code: 1020` as text, or nothing at all.
        #expect(Self.classify(403, body: APIErrorMessageTests.cloudflare1020) == .stop(.forbidden))
        #expect(Self.classify(403, body: "error code: 1020") == .stop(.forbidden))
        #expect(Self.classify(403, body: "") == .stop(.forbidden))
        #expect(Self.classify(403, body: "error code: 1020").errorClass?.rawValue == "forbidden")
    }

    @Test func anHTML5xxIsAServerErrorAndRetried() {
        #expect(Self.classify(502, body: APIErrorMessageTests.cloudflare502) == .retry(.server, retryAfter: nil))
        #expect(Self.classify(503, body: "<html><body>Service Unavailable</body></html>") == .retry(.server, retryAfter: nil))
    }

    @Test func notFoundStopsTheRun() {
        #expect(Self.classify(404, "Not Found") == .stop(.notFound))
    }

    @Test(arguments: [408, 409, 425, 500, 502, 503, 504, 599])
    func transientStatusesAreRetried(status: Int) {
        #expect(Self.classify(status, "Internal Server Error") == .retry(.server, retryAfter: nil))
        #expect(Self.classify(status, nil, retryAfter: .seconds(1)) == .retry(.server, retryAfter: .seconds(1)))
    }

    @Test func tooManyRequestsIsRateLimitedNotRetried() {
        #expect(Self.classify(429, "Too Many Requests") == .rateLimited(retryAfter: nil))
        #expect(Self.classify(429, nil, retryAfter: .seconds(3)) == .rateLimited(retryAfter: .seconds(3)))
        #expect(Self.classify(429, nil).errorClass == .rateLimited)
    }

    @Test func timeoutsAndConnectionFailuresAreRetried() {
        #expect(Self.classify(nil, failure: .timeout("no answer")) == .retry(.timeout, retryAfter: nil))
        #expect(Self.classify(nil, failure: .connection("connection reset")) == .retry(.network, retryAfter: nil))
        // Mid-run a refused connection is a blip like any other; only at start-up does it stop the run.
        #expect(Self.classify(nil, failure: .unreachable("connection refused")) == .retry(.network, retryAfter: nil))
        #expect(Self.classify(nil, failure: nil) == .retry(.network, retryAfter: nil))
    }

    @Test func tlsAndDNSFailuresStopTheRun() {
        #expect(Self.classify(nil, failure: .tls("handshakeFailed")) == .stop(.tls))
        #expect(Self.classify(nil, failure: .dns("Name or service not known")) == .stop(.dns))
    }

    @Test func anUnexpectedStatusFailsTheJob() {
        #expect(Self.classify(418, "I'm a teapot") == .failed(.unexpected))
    }

    @Test func errorClassesAreStableLedgerValues() {
        #expect(ErrorClass.notCustomer.rawValue == "not_customer")
        #expect(ErrorClass.idempotencyConflict.rawValue == "idempotency_conflict")
        #expect(ErrorClass.notFound.rawValue == "not_found")
        #expect(ErrorClass.rateLimited.rawValue == "rate_limited")
        #expect(ErrorClass.interrupted.rawValue == "interrupted")
    }
}
