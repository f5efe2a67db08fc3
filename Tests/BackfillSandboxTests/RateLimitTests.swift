@testable import BackfillSandbox
import ParticipantAPI
import Testing

/// The rate limit: at most N requests in any rolling window, every arriving request counted,
/// then 429 `Too Many Requests` (no Retry-After) for the whole lockout.
struct RateLimitTests {
    @Test func everyArrivingRequestCountsAndTheNextOneIs429() async throws {
        try await TestSandbox.run({
            $0.rateLimit = RateLimit(count: 5, window: .seconds(60))
            $0.lockout = .seconds(60)
        }) { t in
            // GET /time, a 401 and a 404 count like updates do.
            #expect(try await t.send("GET", "/time").status == 200)
            #expect(try await t.send("PATCH", "/participants/customers/ABC123", body: Body.name).status == 401)
            #expect(try await t.send("GET", "/nowhere").status == 404)
            #expect(try await t.patch("ABC123", Body.name("Ana")).status == 200)
            #expect(try await t.patch("ABC123", Body.name("Bia")).status == 200)

            let refused = try await t.patch("ABC123", Body.name("Cid"))
            #expect(refused.status == 429)
            #expect(refused.bytes == Array(#"{"error":"Too Many Requests"}"#.utf8), "\(refused.body)")
            #expect(refused.header("Retry-After") == nil)
            // Locked out: even the unauthenticated clock is refused, and nothing is applied.
            #expect(try await t.send("GET", "/time").status == 429)

            let state = t.sandbox.snapshot()
            #expect(state.rateLimited == 2)
            #expect(state.requestsByStatus == [200: 3, 401: 1, 404: 1, 429: 2])
            #expect(state.participant("ABC123")?.updatesApplied == 2)
            #expect(state.participant("ABC123")?[.firstName] == "Bia")
        }
    }

    @Test func lockoutEndsAfterItsDurationOverHTTP() async throws {
        try await TestSandbox.run({
            $0.rateLimit = RateLimit(count: 2, window: .milliseconds(500))
            $0.lockout = .milliseconds(200)
        }) { t in
            #expect(try await t.send("GET", "/time").status == 200)
            #expect(try await t.send("GET", "/time").status == 200)
            #expect(try await t.send("GET", "/time").status == 429)
            // The only way out of a lockout is silence: every request during it counts, so polling would extend it.
            // Waiting out the window and the lockout is the condition itself (the decision is tested with an explicit clock below).
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await t.send("GET", "/time").status == 200)
            #expect(t.sandbox.snapshot().requestsByStatus == [200: 3, 429: 1])
        }
    }

    // The decision itself, with an explicit clock (nanoseconds).

    @Test func admitsUpToTheCountWithinTheWindow() {
        var limiter = RateLimiter(limit: RateLimit(count: 3, window: .seconds(10)), lockout: .seconds(10))
        #expect(limiter.admit(now: 1_000) == true)
        #expect(limiter.admit(now: 2_000) == true)
        #expect(limiter.admit(now: 3_000) == true)
        #expect(limiter.admit(now: 4_000) == false)
    }

    @Test func theWindowRollsRatherThanResetting() {
        let second: UInt64 = 1_000_000_000
        var limiter = RateLimiter(limit: RateLimit(count: 2, window: .seconds(10)), lockout: .zero)
        #expect(limiter.admit(now: 0) == true)
        #expect(limiter.admit(now: 9 * second) == true)
        // 10 s after the first arrival it has left the window; the second has not.
        #expect(limiter.admit(now: 10 * second) == true)
        #expect(limiter.admit(now: 10 * second + 1) == false)
    }

    @Test func refusesEverythingDuringTheLockoutAndCountsTheRefused() {
        let ms: UInt64 = 1_000_000
        var limiter = RateLimiter(limit: RateLimit(count: 2, window: .milliseconds(100)), lockout: .milliseconds(500))
        #expect(limiter.admit(now: 0) == true)
        #expect(limiter.admit(now: 10 * ms) == true)
        #expect(limiter.admit(now: 20 * ms) == false)  // exceeds: locked until 520 ms
        #expect(limiter.admit(now: 450 * ms) == false)  // locked
        #expect(limiter.admit(now: 519 * ms) == false)  // locked
        // Lockout over, but the refused arrivals at 450 and 519 ms still fill the window: locked again.
        #expect(limiter.admit(now: 520 * ms) == false)
        #expect(limiter.admit(now: 1_000 * ms) == false)
        // A quiet client is admitted once the window has drained.
        var quiet = RateLimiter(limit: RateLimit(count: 2, window: .milliseconds(100)), lockout: .milliseconds(500))
        #expect(quiet.admit(now: 0) == true)
        #expect(quiet.admit(now: 10 * ms) == true)
        #expect(quiet.admit(now: 20 * ms) == false)
        #expect(quiet.admit(now: 520 * ms) == true)
    }
}
