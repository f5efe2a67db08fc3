import BackfillSandbox
import Foundation
import Logging
import ParticipantAPI
import Testing

/// Defaults, validation that names the field, generated credentials, and the started server's handle.
struct SandboxConfigurationTests {
    @Test func defaultsMatchTheDocumentedAPI() {
        let c = SandboxConfiguration()
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 0)
        #expect(c.profile == .zerohash)
        #expect(c.platformCode == "PLAT01")
        #expect(c.roster == nil)
        #expect(c.approved)
        #expect(c.rateLimit == RateLimit(count: 2000, window: .seconds(10)))
        #expect(c.lockout == .seconds(10))
        #expect(c.failRate == 0 && c.slowRate == 0 && c.resetRate == 0)
        #expect(c.slowDelay == .seconds(35))
        #expect(c.latency == .zero)
        #expect(c.seed == nil)
    }

    @Test func generatedCredentialsAreRandomAndTheSecretIsBase64() throws {
        let a = SandboxConfiguration.generatedCredentials()
        let b = SandboxConfiguration.generatedCredentials()
        #expect(a != b)
        #expect(Data(base64Encoded: a.apiSecret)?.count == 32)
        _ = try RequestSigner(base64Secret: a.apiSecret)
        #expect(!a.apiKey.isEmpty && !a.passphrase.isEmpty)
    }

    @Test(arguments: [
        ("port", "port: must be between 0 and 65535, got 70000"),
        ("apiSecret", "apiSecret: the API secret is not valid Base64 (the API expects the secret exactly as issued)"),
        ("failRate", "failRate: must be between 0 and 1, got 1.5"),
        ("sum", "failRate: failRate + slowRate + resetRate must not exceed 1, got 1.2"),
        ("platformCode", "platformCode: must be a non-empty code without spaces, got 'PLAT 1'"),
        ("latency", "latency: must not be negative, got -5ms"),
    ])
    func validationNamesTheField(_ which: String, _ message: String) {
        var c = SandboxConfiguration()
        switch which {
        case "port": c.port = 70000
        case "apiSecret": c.apiSecret = "not base64!"
        case "failRate": c.failRate = 1.5
        case "sum": c.failRate = 0.5; c.slowRate = 0.5; c.resetRate = 0.2
        case "platformCode": c.platformCode = "PLAT 1"
        default: c.latency = .milliseconds(-5)
        }
        do {
            try c.validate()
            Issue.record("expected \(message)")
        } catch {
            #expect(error.description == message)
            #expect(error.field == message.prefix { $0 != ":" }.description)
        }
    }

    @Test func startRefusesAnInvalidConfiguration() async {
        var c = SandboxConfiguration()
        c.resetRate = -1
        await #expect(throws: SandboxConfigurationError.self) {
            _ = try await Sandbox.start(c, logger: Logger(label: "test"))
        }
    }

    @Test func startReportsABusyPort() async throws {
        try await TestSandbox.run { t in
            var c = SandboxConfiguration()
            c.port = t.sandbox.port
            await #expect(throws: (any Error).self) {
                let second = try await Sandbox.start(c, logger: Logger(label: "test"))
                await second.shutdown()
            }
        }
    }

    @Test func startedSandboxReportsItsAddressAndCredentials() async throws {
        try await TestSandbox.run { t in
            #expect(t.sandbox.port > 0)
            #expect(t.sandbox.baseURL == "http://127.0.0.1:\(t.sandbox.port)")
            #expect(t.sandbox.credentials == TestSandbox.credentials)
        }
    }
}
