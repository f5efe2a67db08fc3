import AsyncHTTPClient
@testable import BackfillSandbox
import ParticipantAPI
import Testing

/// Faults, only on authenticated requests and reproducible with a seed:
/// fail (500/502/503, nothing applied), slow (applied, answered late), reset (no answer, nothing applied), latency.
struct FaultTests {
    @Test func failAnswers5xxAndAppliesNothing() async throws {
        try await TestSandbox.run({ $0.failRate = 1; $0.seed = 1 }) { t in
            var seen: Set<Int> = []
            for n in 0..<30 {
                let reply = try await t.patch("ABC123", Body.name("N\(n)", requestID: "r-\(n)"))
                #expect([500, 502, 503].contains(reply.status))
                seen.insert(reply.status)
                switch reply.status {
                case 503:
                    #expect(reply.bytes == Array(#"{"error":"Service Unavailable"}"#.utf8), "\(reply.body)")
                    #expect(reply.header("zh-allow-retry") == "true")
                    #expect(reply.header("Retry-After") == "1")
                case 502:
                    #expect(reply.bytes == Array(#"{"error":"Bad Gateway"}"#.utf8), "\(reply.body)")
                    #expect(reply.header("Retry-After") == nil)
                default:
                    #expect(reply.bytes == Array(#"{"error":"Internal Server Error"}"#.utf8), "\(reply.body)")
                    #expect(reply.header("zh-allow-retry") == nil)
                }
            }
            #expect(seen == [500, 502, 503])
            let state = t.sandbox.snapshot()
            #expect(state.updatesApplied == 0)
            #expect(state.participants.isEmpty)
        }
    }

    @Test func aFailedRequestMayBeRetriedWithTheSameRequestID() async throws {
        // Seed 3's first draw fails and its second does not (checked against the generator below).
        var injector = FaultInjector(failRate: 0.5, slowRate: 0, resetRate: 0, seed: 3)
        let draws = [injector.next(), injector.next()]
        try #require(draws[0] != .none && draws[1] == .none, "seed 3 draws \(draws)")
        try await TestSandbox.run({ $0.failRate = 0.5; $0.seed = 3 }) { t async throws in
            let body = Body.name("Ana", requestID: "r-1")
            #expect(try await t.patch("ABC123", body).status >= 500)
            #expect(try await t.patch("ABC123", body).status == 200)
            #expect(t.sandbox.snapshot().participant("ABC123")?.updatesApplied == 1)
        }
    }

    @Test func theSameSeedGivesTheSameFaults() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            try await TestSandbox.runReturning({ $0.failRate = 0.5; $0.seed = seed }) { t in
                var out: [Int] = []
                for n in 0..<24 { out.append(try await t.patch("ABC123", Body.name("N\(n)")).status) }
                return out
            }
        }
        let first = try await statuses(seed: 42)
        #expect(try await statuses(seed: 42) == first)
        #expect(try await statuses(seed: 43) != first)
        #expect(first.contains(200) && first.contains { $0 >= 500 })
    }

    @Test func resetClosesTheConnectionWithoutAnAnswerAndAppliesNothing() async throws {
        try await TestSandbox.run({ $0.resetRate = 1 }) { t in
            // No status, no body: the client only learns that the connection went away (a TCP reset).
            await #expect(throws: (any Error).self) {
                _ = try await t.patch("ABC123", Body.name("Ana", requestID: "r-1"))
            }
            let state = t.sandbox.snapshot()
            #expect(state.connectionResets == 1)
            #expect(state.updatesApplied == 0)
            #expect(state.requestsAnswered == 0)
        }
    }

    @Test func slowAppliesTheUpdateEvenThoughTheClientTimesOut() async throws {
        try await TestSandbox.run({ $0.slowRate = 1; $0.slowDelay = .seconds(3) }) { t in
            await #expect(throws: HTTPClientError.deadlineExceeded) {
                _ = try await t.patch("ABC123", Body.name("Ana", requestID: "r-1"), timeout: .milliseconds(300))
            }
            let state = try await t.awaitState { $0.participant("ABC123")?.updatesApplied == 1 }
            #expect(state.participant("ABC123")?[.firstName] == "Ana")
        }
    }

    @Test func slowAnswersOnceTheDelayHasPassed() async throws {
        try await TestSandbox.run({ $0.slowRate = 1; $0.slowDelay = .milliseconds(300) }) { t in
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await t.patch("ABC123", Body.name("Ana"))
            #expect(reply.status == 200)
            #expect(clock.now - start >= .milliseconds(300))
        }
    }

    @Test func faultsSpareUnauthenticatedRequestsAndTheClock() async throws {
        try await TestSandbox.run({ $0.resetRate = 1 }) { t in
            let unsigned = try await t.send("PATCH", "/participants/customers/ABC123", body: Body.name)
            #expect(unsigned.status == 401)
            #expect(try await t.send("GET", "/time").status == 200)
            #expect(t.sandbox.snapshot().connectionResets == 0)
        }
    }

    @Test func latencyDelaysEveryAuthenticatedRequest() async throws {
        try await TestSandbox.run({ $0.latency = .milliseconds(200) }) { t async throws in
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await t.patch("ABC123", Body.name).status == 200)
            #expect(clock.now - start >= .milliseconds(200))
        }
    }

    @Test func drawsFollowTheConfiguredShares() {
        var injector = FaultInjector(failRate: 0.2, slowRate: 0.1, resetRate: 0.1, seed: 9)
        var counts: [String: Int] = [:]
        for _ in 0..<10_000 {
            switch injector.next() {
            case .none: counts["none", default: 0] += 1
            case .fail: counts["fail", default: 0] += 1
            case .slow: counts["slow", default: 0] += 1
            case .reset: counts["reset", default: 0] += 1
            }
        }
        #expect((1_800...2_200).contains(counts["fail"] ?? 0))
        #expect((800...1_200).contains(counts["slow"] ?? 0))
        #expect((800...1_200).contains(counts["reset"] ?? 0))
        #expect((5_700...6_300).contains(counts["none"] ?? 0))
    }
}
