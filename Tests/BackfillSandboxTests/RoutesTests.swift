import BackfillSandbox
import ParticipantAPI
import Testing

/// `GET /time` answers unauthenticated; the PATCH route is the only other one; everything else is 404.
struct RoutesTests {
    @Test func timeAnswersTheServerClockUnauthenticated() async throws {
        try await TestSandbox.run({ $0.wallClock = { 1_700_000_000_123 } }) { t in
            let reply = try await t.send("GET", "/time")
            #expect(reply.status == 200)
            #expect(reply.bytes == Array(#"{"message":{"epoch":1700000000123,"epoch_units":"milliseconds","iso_8601":"2023-11-14T22:13:20.123Z"}}"#.utf8), "\(reply.body)")
            #expect(reply.header("Content-Type") == "application/json")
        }
    }

    @Test func timeUsesTheSystemClockByDefault() async throws {
        try await TestSandbox.run { t in
            let before = SandboxClock.systemMilliseconds()
            let reply = try await t.send("GET", "/time")
            let after = SandboxClock.systemMilliseconds()
            guard case .number(let text)? = reply.json?["message"]?["epoch"], let epoch = Int64(text) else {
                Issue.record("no epoch in \(reply.body)")
                return
            }
            #expect(epoch >= before && epoch <= after)
        }
    }

    @Test(arguments: [
        (0 as Int64, "1970-01-01T00:00:00.000Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (253_402_300_799_000, "9999-12-31T23:59:59.000Z"),
    ])
    func formatsISO8601WithoutAFormatter(_ ms: Int64, _ expected: String) {
        #expect(SandboxClock.iso8601(epochMilliseconds: ms) == expected)
    }

    @Test(arguments: [
        ("GET", "/"), ("POST", "/time"), ("GET", "/participants/customers/ABC123"),
        ("PATCH", "/participants/customers/"), ("PATCH", "/participants/customers/ABC123/extra"),
        ("PATCH", "/participants/customer/ABC123"),
    ])
    func otherRoutesAre404(_ method: String, _ path: String) async throws {
        try await TestSandbox.run { t in
            let reply = try await t.send(method, path, body: method == "GET" ? nil : Body.name)
            #expect(reply.status == 404)
            #expect(reply.bytes == Array(#"{"error":"Not Found"}"#.utf8), "\(reply.body)")
        }
    }

    @Test func bodyLargerThanTheLimitIs413() async throws {
        try await TestSandbox.run({ $0.maxBodySize = 100 }) { t in
            let big = #"{"first_name":""# + String(repeating: "a", count: 200) + #"","last_name":"L","platform_updated_at":1}"#
            let reply = try await t.patch("ABC123", big)
            #expect(reply.status == 413)
            #expect(reply.errorText == "Request body too large")
        }
    }
}
