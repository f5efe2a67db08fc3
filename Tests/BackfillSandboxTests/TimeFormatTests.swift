import BackfillSandbox
import ParticipantAPI
import Testing

/// `GET /time` answers in either shape Zero Hash's documents show, as `timeFormat` (`--time-format`) says.
struct TimeFormatTests {
    @Test func messageIsTheDefaultShape() {
        #expect(SandboxConfiguration().timeFormat == .message)
    }

    @Test func messageShapeNestsMillisecondsWithTheirUnit() async throws {
        try await TestSandbox.run({
            $0.wallClock = { 1_715_459_200_000 }
            $0.timeFormat = .message
        }) { t in
            let reply = try await t.send("GET", "/time")
            #expect(reply.status == 200)
            #expect(reply.bytes == Array(#"{"message":{"epoch":1715459200000,"epoch_units":"milliseconds","iso_8601":"2024-05-11T20:26:40.000Z"}}"#.utf8), "\(reply.body)")
        }
    }

    @Test func secondsShapeIsTopLevelWholeSeconds() async throws {
        try await TestSandbox.run({
            $0.wallClock = { 1_550_174_574_999 }
            $0.timeFormat = .seconds
        }) { t in
            let reply = try await t.send("GET", "/time")
            #expect(reply.status == 200)
            #expect(reply.bytes == Array(#"{"epoch":1550174574}"#.utf8), "\(reply.body)")
            #expect(reply.header("Content-Type") == "application/json")
        }
    }

    @Test func theFormatsAreNamedAsTheFlagTakesThem() {
        #expect(SandboxConfiguration.TimeFormat.allCases.map(\.rawValue) == ["message", "seconds"])
    }
}
