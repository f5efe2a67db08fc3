import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Foundation
import ParticipantAPI
import Testing

extension EndToEnd {
    /// A sandbox limited to 20 requests per rolling second, a client asking for 24: the first 429 pauses every
    /// worker for 11 s (the sandbox sends no Retry-After, like the API), the rate is halved, and no attempt is used.
    @Suite struct RateLimitRunTests {
        let workspace = Workspace()

        @Test func a429LockoutIsRespectedAndUsesNoAttempt() async throws {
            let db = try workspace.openDatabase()
            let codes = try workspace.ingestParticipants(50, into: db)
            try await withSandbox({ c in
                c.rateLimit = RateLimit(count: 20, window: .seconds(1))
                c.lockout = .seconds(1)
            }) { sandbox in
                let configuration = sandbox.runConfiguration { $0.rate = RateLimit(count: 24, window: .seconds(1)) }
                let summary = try await runOffThePool(database: db, configuration: configuration,
                                                      credentials: sandbox.clientCredentials)
                #expect(summary.ending == .drained)
                #expect(summary.exitCode == 0)
                #expect(summary.succeeded == 50)
                #expect(summary.rateLimited >= 1)

                let state = sandbox.snapshot()
                #expect(state.rateLimited >= 1)
                for code in codes {
                    #expect(state.participant(code)?.updatesApplied == 1, "participant \(code)")
                }
            }

            let jobs = try Ledger.jobs(db)
            let attempts = try Ledger.attempts(db)
            #expect(jobs.allSatisfy { $0.state == "succeeded" })
            let limited = attempts.filter { $0.status == 429 }
            #expect(!limited.isEmpty)
            #expect(limited.allSatisfy { $0.outcome == "rate_limited" && $0.errorClass == "rate_limited" })
            // A 429 never uses up an attempt: each job's count is its answers other than 429.
            for job in jobs {
                let used = attempts.filter { $0.jobID == job.id && $0.status != 429 }.count
                #expect(job.attempts == used, "job \(job.participantCode): attempts \(job.attempts), non-429 answers \(used)")
                #expect(job.attempts == 1)
            }
            // After a 429, nothing starts until the pause (11 s, no Retry-After) is over. Requests already on
            // their way when the 429 was handled get a little slack (their start time is taken as they are sent).
            for hit in limited {
                let early = attempts.filter { $0.startedAt > hit.endedAt + 100 && $0.startedAt < hit.endedAt + 10_990 }
                #expect(early.isEmpty, "started within the pause after the 429 at \(hit.endedAt): \(early.map(\.startedAt))")
            }
            // The pause did happen: the first start after the first 429 is at least 11 s later.
            let firstHit = try #require(limited.min { $0.endedAt < $1.endedAt })
            let resumed = try #require(attempts.filter { $0.startedAt > firstHit.endedAt + 100 }.map(\.startedAt).min())
            #expect(resumed - firstHit.endedAt >= 10_990)
        }
    }
}
