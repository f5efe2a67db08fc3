@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Testing

/// The ledger keeps the API's message whichever shape the error body came in.
struct APIErrorMessageTests {
    static func extract(_ text: String) -> String? {
        APIErrorMessage.extract(from: Array(text.utf8))
    }

    @Test func errorsArrayShape() {
        #expect(Self.extract(#"{"errors": ["Participant AB12CD is not a customer"]}"#) == "Participant AB12CD is not a customer")
    }

    @Test func errorsArrayWithSeveralMessagesJoinsThem() {
        #expect(Self.extract(#"{"errors":["first problem","second problem"]}"#) == "first problem; second problem")
    }

    @Test func errorTrueWithMessageShape() {
        #expect(Self.extract(#"{"error": true, "message": "Invalid signature"}"#) == "Invalid signature")
    }

    @Test func errorStringShape() {
        #expect(Self.extract(#"{"error":"Too Many Requests"}"#) == "Too Many Requests")
    }

    @Test func plainTextIsKeptTrimmed() {
        #expect(Self.extract("  upstream connect error or disconnect/reset before headers\n") ==
            "upstream connect error or disconnect/reset before headers")
    }

    @Test func plainTextIsCappedAtFiveHundredBytes() {
        let long = String(repeating: "x", count: 2_000)
        #expect(Self.extract(long)?.utf8.count == 500)
    }

    @Test func anEmptyOrBlankBodyHasNoMessage() {
        #expect(APIErrorMessage.extract(from: []) == nil)
        #expect(Self.extract("   \n") == nil)
    }

    // MARK: - Answers from in front of the API

    /// Cloudflare's page for a blocked IP (abridged; its real one is about 5 KB).
    static let cloudflare1020 = """
        <!DOCTYPE html>
        <html lang="en-US"><head><title>Access denied | api.cert.zerohash.com used Cloudflare to restrict access</title>
        <style>body { font-family: sans-serif; }</style><script>window._cf_chl_opt = {};</script></head>
        <body><div id="cf-wrapper"><h1><span data-translate="error">Error</span><span class="cf-error-code">1020</span></h1>
        <h2 class="cf-subheadline">Access denied</h2><p>The site owner may have set restrictions that prevent you from accessing the site.</p>
        <p>Cloudflare Ray ID: <strong>8f1c2d3e4a5b6c7d</strong> &bull; Your IP: 203.0.113.7</p></div></body></html>
        """

    /// Cloudflare's page for an origin that fails (abridged).
    static let cloudflare502 = """
        <!DOCTYPE html><html><head><title>api.cert.zerohash.com | 502: Bad gateway</title></head>
        <body><span class="inline-block">Bad gateway</span><span class="code-label">Error code 502</span>
        <p>2024-05-11 20:26:40 UTC</p></body></html>
        """

    @Test func anHTMLPageIsReadAsItsTitleWithItsErrorCode() {
        #expect(Self.extract(Self.cloudflare1020) ==
            "Access denied | api.cert.zerohash.com used Cloudflare to restrict access (error code 1020)")
        #expect(Self.extract(Self.cloudflare502) == "api.cert.zerohash.com | 502: Bad gateway")
        #expect(Self.extract("<html><body>502 Bad Gateway</body></html>") == "502 Bad Gateway")
    }

    @Test func anHTMLPageIsKeptAsAShortExcerptNotWhole() {
        let page = Self.cloudflare1020 + String(repeating: "<p>padding &amp; more padding</p>", count: 200)
        let kept = APIErrorMessage.kept(Array(page.utf8))
        #expect(String(decoding: kept, as: UTF8.self) ==
            "Access denied | api.cert.zerohash.com used Cloudflare to restrict access (error code 1020)")
        let untitled = "<html><body>" + String(repeating: "word ", count: 100) + "</body></html>"
        #expect(APIErrorMessage.kept(Array(untitled.utf8)).count <= APIErrorMessage.excerptLimit)
        // JSON and plain text are kept as they came.
        let json = Array(#"{"errors":["first problem"]}"#.utf8)
        #expect(APIErrorMessage.kept(json) == json)
        #expect(APIErrorMessage.kept(Array("error code: 1020".utf8)) == Array("error code: 1020".utf8))
    }

    @Test func onlyTheAPIsJSONShapesAreTheAPIsAnswer() {
        for body in [#"{"errors":["x"]}"#, #"{"error":true,"message":"Invalid signature"}"#, #"{"error":"Not Found"}"#,
                     #"{"message":"Forbidden"}"#] {
            #expect(APIErrorMessage.isAPIAnswer(Array(body.utf8)), "\(body)")
        }
        for body in ["", "error code: 1020", Self.cloudflare1020, #"{"title":"Access denied"}"#, "[1,2]"] {
            #expect(!APIErrorMessage.isAPIAnswer(Array(body.utf8)), "\(body)")
        }
    }
}
