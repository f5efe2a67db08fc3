@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import ParticipantAPI
import Testing

/// The run's configuration: documented defaults, hosts per profile and environment, and `validate()` errors
/// that name the option.
struct RunConfigurationTests {
    static func validationError(_ configure: (inout RunConfiguration) -> Void) throws -> BackfillError {
        var c = RunConfiguration()
        configure(&c)
        return try #require(throws: BackfillError.self) { try c.validate() }
    }

    @Test func theDefaultsAreTheDocumentedOnes() throws {
        let c = RunConfiguration()
        #expect(c.profile == .zerohash)
        #expect(c.environment == .cert)
        #expect(c.concurrency == 256)
        #expect(c.rate == RateLimit(count: 1000, window: .seconds(10)))
        #expect(c.timeout == .seconds(30))
        #expect(c.retry.maxAttempts == 8)
        #expect(c.stopAfter == 20)
        #expect(c.limit == nil)
        #expect(c.resolvedBaseURL == "https://api.cert.zerohash.com")
        #expect(!c.isProduction)
        try c.validate()
    }

    @Test func hostsFollowProfileAndEnvironment() {
        var c = RunConfiguration()
        c.environment = .prod
        #expect(c.resolvedBaseURL == "https://api.zerohash.com")
        #expect(c.isProduction)
        c.profile = .ndax
        #expect(c.resolvedBaseURL == "https://api.ndax.in")
        #expect(c.isProduction)
        c.baseURL = "http://127.0.0.1:8080/"
        #expect(c.resolvedBaseURL == "http://127.0.0.1:8080")
        #expect(!c.isProduction)
    }

    @Test func aProductionHostWithoutConfirmationIsRefused() throws {
        let error = try Self.validationError { $0.environment = .prod }
        #expect(error.code == "production_unconfirmed")
        #expect(error.message ==
            "https://api.zerohash.com is a production host: pass --confirm-production (or answer yes on a terminal) to send real updates")
    }

    @Test func aProductionHostGivenAsBaseURLIsRefusedToo() throws {
        let error = try Self.validationError { $0.baseURL = "https://API.ZEROHASH.COM" }
        #expect(error.code == "production_unconfirmed")
        let ndax = try Self.validationError { $0.profile = .ndax }
        #expect(ndax.code == "production_unconfirmed")
    }

    @Test func aConfirmedProductionHostIsAccepted() throws {
        var c = RunConfiguration()
        c.environment = .prod
        c.confirmProduction = true
        try c.validate()
    }

    @Test(arguments: ["api.cert.zerohash.com", "ftp://example.com", "http://", "not a url", "https:///path"])
    func aBadBaseURLIsRefusedNamingTheOption(url: String) throws {
        let error = try Self.validationError { $0.baseURL = url }
        #expect(error.code == "bad_option")
        // The URL is quoted as it is used, trailing slashes dropped.
        var shown = url
        while shown.hasSuffix("/") { shown.removeLast() }
        #expect(error.message == "--base-url '\(shown)': expected http(s)://host[:port]")
    }

    @Test func outOfRangeNumbersNameTheirOption() throws {
        #expect(try Self.validationError { $0.concurrency = 0 }.message == "--concurrency 0: expected 1 to 512")
        #expect(try Self.validationError { $0.timeout = .zero }.message == "--timeout: must be positive")
        #expect(try Self.validationError { $0.retry.maxAttempts = 0 }.message == "--max-attempts 0: expected at least 1")
        #expect(try Self.validationError { $0.stopAfter = 0 }.message == "--stop-after 0: expected at least 1")
        #expect(try Self.validationError { $0.limit = 0 }.message == "--limit 0: expected at least 1")
    }

    @Test func anUnlimitedRateIsOnlyForALocalSandbox() throws {
        let error = try Self.validationError { $0.rate = nil }
        #expect(error.code == "bad_option")
        #expect(error.message == "--rate unlimited is for a local sandbox only (127.0.0.1 or localhost)")
        var local = RunConfiguration()
        local.rate = nil
        local.baseURL = "http://127.0.0.1:8080"
        try local.validate()
    }
}
