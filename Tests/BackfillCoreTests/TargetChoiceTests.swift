@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import ParticipantAPI
import Testing

/// Which target a command means: flags beat a `--credentials` file, which beats the environment, which beats
/// the default (cert); where the choice came from; the names targets go by; and the documented rate limit
/// on a documented host.
struct TargetChoiceTests {
    static let file = "/home/op/ndax.env"
    static let sandbox = "http://127.0.0.1:8080"

    static func choose(_ flags: TargetChoice.Flags = TargetChoice.Flags(), file: [String: String]? = nil,
                       environment: [String: String] = [:]) throws -> TargetChoice {
        try TargetChoice.resolve(flags, file: file.map { (values: $0, path: Self.file) }, environment: environment)
    }

    // MARK: Precedence and origin

    @Test func withNothingGivenTheTargetIsCertFromTheDefault() throws {
        let choice = try Self.choose()
        #expect(choice.target == Target(profile: .zerohash, baseURL: "https://api.cert.zerohash.com"))
        #expect(choice.origin == "default")
    }

    @Test func theEnvironmentNamesTheBaseURLAndProfileWhenNoFlagIsGiven() throws {
        let url = try Self.choose(environment: ["BACKFILL_BASE_URL": Self.sandbox])
        #expect(url.target == Target(profile: .zerohash, baseURL: Self.sandbox))
        #expect(url.origin == "BACKFILL_BASE_URL")

        let both = try Self.choose(environment: ["BACKFILL_BASE_URL": Self.sandbox, "BACKFILL_PROFILE": "NDAX"])
        #expect(both.target == Target(profile: .ndax, baseURL: Self.sandbox))
        // The origin names where the host came from; the profile is shown beside it.
        #expect(both.origin == "BACKFILL_BASE_URL")

        let profile = try Self.choose(environment: ["BACKFILL_PROFILE": "ndax"])
        #expect(profile.target == Target(profile: .ndax, baseURL: "https://api.ndax.in"))
        #expect(profile.origin == "BACKFILL_PROFILE")
    }

    @Test func theCredentialsFileBeatsTheEnvironment() throws {
        let choice = try Self.choose(file: ["BACKFILL_BASE_URL": "http://127.0.0.1:9001"],
                                     environment: ["BACKFILL_BASE_URL": "http://127.0.0.1:9002"])
        #expect(choice.target.baseURL == "http://127.0.0.1:9001")
        #expect(choice.origin == "BACKFILL_BASE_URL in /home/op/ndax.env")
    }

    @Test func theFileAndTheEnvironmentEachFillWhatTheOtherLeavesOut() throws {
        let choice = try Self.choose(file: ["BACKFILL_BASE_URL": Self.sandbox], environment: ["BACKFILL_PROFILE": "ndax"])
        #expect(choice.target == Target(profile: .ndax, baseURL: Self.sandbox))
        #expect(choice.origin == "BACKFILL_BASE_URL in /home/op/ndax.env")
    }

    @Test func blankValuesCountAsUnset() throws {
        let choice = try Self.choose(file: ["BACKFILL_BASE_URL": "  "],
                                     environment: ["BACKFILL_BASE_URL": "", "BACKFILL_PROFILE": " "])
        #expect(choice.target.name == "cert")
        #expect(choice.origin == "default")
    }

    @Test func baseURLFlagBeatsTheFileAndTheEnvironment() throws {
        let choice = try Self.choose(TargetChoice.Flags(baseURL: "http://127.0.0.1:9003/"),
                                     file: ["BACKFILL_BASE_URL": "http://127.0.0.1:9001", "BACKFILL_PROFILE": "ndax"],
                                     environment: ["BACKFILL_BASE_URL": "http://127.0.0.1:9002"])
        #expect(choice.target == Target(profile: .zerohash, baseURL: "http://127.0.0.1:9003"))
        #expect(choice.origin == "--base-url")
    }

    @Test func envFlagBeatsTheEnvironmentsBaseURL() throws {
        let choice = try Self.choose(TargetChoice.Flags(env: "prod"), environment: ["BACKFILL_BASE_URL": Self.sandbox])
        #expect(choice.target == Target(profile: .zerohash, baseURL: "https://api.zerohash.com"))
        #expect(choice.target.isProduction)
        #expect(choice.origin == "--env prod")
    }

    @Test func profileFlagAloneNamesItsDocumentedHostAndIgnoresTheEnvironment() throws {
        let choice = try Self.choose(TargetChoice.Flags(profile: "ndax"),
                                     environment: ["BACKFILL_BASE_URL": Self.sandbox, "BACKFILL_PROFILE": "zerohash"])
        #expect(choice.target == Target(profile: .ndax, baseURL: "https://api.ndax.in"))
        #expect(choice.origin == "--profile ndax")
    }

    @Test func profileAndBaseURLFlagsCombine() throws {
        let choice = try Self.choose(TargetChoice.Flags(profile: "ndax", baseURL: Self.sandbox))
        #expect(choice.target == Target(profile: .ndax, baseURL: Self.sandbox))
        #expect(choice.origin == "--base-url")
    }

    @Test func explicitIsNilWithoutFlagsAndTheFlagsTargetOtherwise() throws {
        #expect(try TargetChoice.explicit(TargetChoice.Flags()) == nil)
        #expect(try TargetChoice.explicit(TargetChoice.Flags(env: "prod"))?.name == "prod")
        #expect(try TargetChoice.explicit(TargetChoice.Flags(baseURL: Self.sandbox)) == Target(profile: .zerohash, baseURL: Self.sandbox))
    }

    // MARK: Refusals

    @Test func envWithBaseURLIsRefusedNamingBothFlags() throws {
        let error = try #require(throws: BackfillError.self) {
            try Self.choose(TargetChoice.Flags(env: "cert", baseURL: Self.sandbox))
        }
        #expect(error.code == "bad_option")
        #expect(error.message == "--env and --base-url both name a host: give one of them")
    }

    @Test func unknownFlagValuesAreRefusedNamingTheFlag() throws {
        #expect(throws: BackfillError("bad_option", "--profile 'binance': expected zerohash or ndax")) {
            try Self.choose(TargetChoice.Flags(profile: "binance"))
        }
        #expect(throws: BackfillError("bad_option", "--env 'staging': expected cert or prod")) {
            try Self.choose(TargetChoice.Flags(env: "staging"))
        }
    }

    @Test func anUnknownProfileVariableIsRefusedNamingWhereItCameFrom() throws {
        #expect(throws: BackfillError("bad_option", "BACKFILL_PROFILE = 'nadx': expected zerohash or ndax")) {
            try Self.choose(environment: ["BACKFILL_PROFILE": "nadx"])
        }
        #expect(throws: BackfillError("bad_option", "BACKFILL_PROFILE in /home/op/ndax.env = 'nadx': expected zerohash or ndax")) {
            try Self.choose(file: ["BACKFILL_PROFILE": "nadx"])
        }
    }

    // MARK: Names

    @Test func documentedHostsGoByShortNamesAndOtherURLsByTheURL() {
        #expect(Target.documented(profile: .zerohash, environment: .cert).name == "cert")
        #expect(Target.documented(profile: .zerohash, environment: .prod).name == "prod")
        #expect(Target.documented(profile: .ndax, environment: .prod).name == "ndax")
        #expect(Target.documented(profile: .ndax, environment: .cert).name == "ndax")
        #expect(Target(profile: .zerohash, baseURL: "http://127.0.0.1:8080/").name == "http://127.0.0.1:8080")
        #expect(Target(profile: .ndax, baseURL: "http://127.0.0.1:8080").name == "http://127.0.0.1:8080 (ndax)")
    }

    @Test func theSameHostInAnotherCaseIsTheSameTarget() {
        let shouting = Target(profile: .zerohash, baseURL: "HTTPS://API.ZEROHASH.COM/")
        #expect(shouting == Target.documented(profile: .zerohash, environment: .prod))
        #expect(shouting.name == "prod")
        #expect(shouting.isProduction)
    }

    @Test func productionDocumentedAndLoopbackHostsAreTold() {
        let cert = Target.documented(profile: .zerohash, environment: .cert)
        let prod = Target.documented(profile: .zerohash, environment: .prod)
        let ndax = Target.documented(profile: .ndax, environment: .prod)
        let sandbox = Target(profile: .zerohash, baseURL: Self.sandbox)
        let elsewhere = Target(profile: .zerohash, baseURL: "https://staging.example.com")
        #expect([cert, prod, ndax, sandbox, elsewhere].map(\.isProduction) == [false, true, true, false, false])
        #expect([cert, prod, ndax, sandbox, elsewhere].map(\.isDocumentedHost) == [true, true, true, false, false])
        #expect([cert, prod, ndax, sandbox, elsewhere].map(\.isLoopback) == [false, false, false, true, false])
        #expect(Target(profile: .zerohash, baseURL: "http://localhost:9").isLoopback)
        #expect(Target(profile: .zerohash, baseURL: "http://[::1]:9").isLoopback)
    }

    // MARK: The documented rate limit

    static func rateError(_ rate: String, _ configure: (inout RunConfiguration) -> Void) throws -> BackfillError {
        var c = RunConfiguration()
        c.rate = RateLimit(parsing: rate)
        #expect(c.rate?.description == rate)
        c.confirmProduction = true
        configure(&c)
        return try #require(throws: BackfillError.self) { try c.validateOptions() }
    }

    @Test func aRateAboveTheDocumentedLimitIsRefusedForEveryDocumentedHost() throws {
        let cert = try Self.rateError("3000/10s") { $0.environment = .cert }
        #expect(cert.code == "rate_above_limit")
        #expect(cert.message == "--rate 3000/10s: above the documented limit of 2000/10s (2,000 requests per rolling 10 seconds) for cert; use at most 2000/10s")
        #expect(try Self.rateError("3000/10s") { $0.environment = .prod }.message
                == "--rate 3000/10s: above the documented limit of 2000/10s (2,000 requests per rolling 10 seconds) for prod; use at most 2000/10s")
        #expect(try Self.rateError("300/1s") { $0.profile = .ndax }.message
                == "--rate 300/1s: above the documented limit of 2000/10s (2,000 requests per rolling 10 seconds) for ndax; use at most 2000/10s")
        // The documented host given as a base URL is still that host.
        #expect(try Self.rateError("2001/10s") { $0.baseURL = "https://api.cert.zerohash.com/" }.code == "rate_above_limit")
    }

    @Test func theDocumentedLimitItselfIsAllowed() throws {
        var c = RunConfiguration()
        c.rate = RateLimit.documented
        try c.validateOptions()
        c.environment = .prod
        c.confirmProduction = true
        try c.validate()
    }

    @Test func aRateAboveTheLimitIsAllowedForALocalSandbox() throws {
        var c = RunConfiguration()
        c.rate = RateLimit(count: 3000, window: .seconds(10))
        c.baseURL = Self.sandbox
        try c.validate()
        c.baseURL = "http://localhost:9"
        try c.validate()
    }
}
