@testable import BackfillCore
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
        #expect(Self.extract("<html><body>502 Bad Gateway</body></html>") == "<html><body>502 Bad Gateway</body></html>")
    }

    @Test func plainTextIsCappedAtFiveHundredBytes() {
        let long = String(repeating: "x", count: 2_000)
        #expect(Self.extract(long)?.utf8.count == 500)
    }

    @Test func anEmptyOrBlankBodyHasNoMessage() {
        #expect(APIErrorMessage.extract(from: []) == nil)
        #expect(Self.extract("   \n") == nil)
    }
}
