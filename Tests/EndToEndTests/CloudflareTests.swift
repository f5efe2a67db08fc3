import BackfillIngest
import BackfillReport
import BackfillRun
import BackfillStore
import BackfillTestSupport
import Foundation
import GRDB
import ParticipantAPI
import Testing

extension EndToEnd {
    /// Cloudflare's answers in front of the API: a 403 that is not the API's JSON (error code 1020: the egress
    /// IP is not allowlisted) stops the run at once as `forbidden`; an HTML 5xx page is `server` and retried.
    /// The ledger keeps a short excerpt of a page, not the page.
    @Suite struct CloudflareTests {
        let workspace = Workspace()

        /// Cloudflare's page for a blocked IP, padded to the size of the real one (about 5 KB).
        static let accessDenied = """
            <!DOCTYPE html>
            <html lang="en-US"><head><title>Access denied | 127.0.0.1 used Cloudflare to restrict access</title>
            <meta charset="UTF-8"><style>\(String(repeating: "#cf-wrapper .cf-section { display: block; } ", count: 100))</style>
            <script>(function(){window._cf_chl_opt={cType: 'managed'};})();</script></head>
            <body><div id="cf-wrapper"><div id="cf-error-details" class="p-0"><header class="mx-auto pt-10 lg:pt-6">
            <h1><span data-translate="error">Error</span><span class="cf-error-code">1020</span></h1>
            <h2 class="cf-subheadline">Access denied</h2></header>
            <section><h2>What happened?</h2><p>This website is using a security service to protect itself from online attacks.</p></section>
            <p>Cloudflare Ray ID: <strong>8f1c2d3e4a5b6c7d</strong> &bull; Your IP: 203.0.113.7 &bull; Performance &amp; security by Cloudflare</p>
            </div></div></body></html>
            """

        static let badGateway = """
            <!DOCTYPE html><html><head><title>127.0.0.1 | 502: Bad gateway</title>
            <style>\(String(repeating: "body { margin: 0; } ", count: 200))</style></head>
            <body><span class="inline-block">Bad gateway</span><span class="code-label">Error code 502</span>
            <p>Visit cloudflare.com for more information.</p><p>\(Date())</p></body></html>
            """

        static let accessDeniedExcerpt = "Access denied | 127.0.0.1 used Cloudflare to restrict access (error code 1020)"

        /// The stored response bodies, as bytes.
        func responseBodies(_ db: DatabaseQueue) throws -> [[UInt8]?] {
            try db.read { db in
                try Optional<Data>.fetchAll(db, sql: "SELECT response_body FROM attempt ORDER BY id").map { $0.map { Array($0) } }
            }
        }

        @Test func aCloudflare1020PageStopsTheRunAtTheFirst403WithAnExcerpt() async throws {
            #expect(Self.accessDenied.utf8.count > 4_000)
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(20, into: db)
            let credentials = Credentials(apiKey: "test-key", apiSecret: randomSecret(), passphrase: "test-passphrase")
            try await withFrontServer(answering: .forbidden, body: Self.accessDenied) { baseURL in
                var configuration = RunConfiguration()
                configuration.baseURL = baseURL
                configuration.concurrency = 1
                let summary = try await runOffThePool(database: db, configuration: configuration, credentials: credentials)
                #expect(summary.ending == .stopped(code: "forbidden", message: "403: \(Self.accessDeniedExcerpt)"))
                #expect(summary.exitCode == 1)
                #expect(summary.attempts == 1)
            }
            let attempts = try Ledger.attempts(db)
            #expect(attempts.count == 1)
            #expect(attempts.first?.status == 403)
            #expect(attempts.first?.errorClass == "forbidden")
            #expect(attempts.first?.outcome == "stopped")
            #expect(attempts.first?.message == Self.accessDeniedExcerpt)
            #expect(try responseBodies(db) == [Array(Self.accessDeniedExcerpt.utf8)])
            #expect(try Ledger.jobs(db).allSatisfy { $0.state == "pending" && $0.attempts == 0 })
        }

        @Test func aPlainTextErrorCode1020StopsTheRunToo() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(5, into: db)
            let credentials = Credentials(apiKey: "test-key", apiSecret: randomSecret(), passphrase: "test-passphrase")
            try await withFrontServer(answering: .forbidden, contentType: "text/plain; charset=UTF-8", body: "error code: 1020") { baseURL in
                var configuration = RunConfiguration()
                configuration.baseURL = baseURL
                configuration.concurrency = 1
                let summary = try await runOffThePool(database: db, configuration: configuration, credentials: credentials)
                #expect(summary.ending == .stopped(code: "forbidden", message: "403: error code: 1020"))
                #expect(summary.exitCode == 1)
            }
            #expect(try Ledger.attempts(db).map(\.message) == ["error code: 1020"])
        }

        @Test func anHTML502IsRetriedAsServerAndKeptAsItsTitle() async throws {
            let db = try workspace.openDatabase()
            try workspace.ingestParticipants(5, into: db)
            let credentials = Credentials(apiKey: "test-key", apiSecret: randomSecret(), passphrase: "test-passphrase")
            try await withFrontServer(answering: .badGateway, body: Self.badGateway) { baseURL in
                var configuration = RunConfiguration()
                configuration.baseURL = baseURL
                configuration.concurrency = 1
                configuration.retry = RetryPolicy(maxAttempts: 8, base: .milliseconds(10), cap: .milliseconds(20))
                configuration.stopAfter = 3
                let summary = try await runOffThePool(database: db, configuration: configuration, credentials: credentials)
                // Each page has the time in it, yet the excerpts are the same, so the repeated answers are seen.
                #expect(summary.ending == .stopped(
                    code: "repeated",
                    message: "3 consecutive answers were the same (502 127.0.0.1 | 502: Bad gateway); stopping so that every remaining job is not spent on it (--stop-after 3)"))
            }
            let attempts = try Ledger.attempts(db)
            #expect(attempts.count == 3)
            #expect(attempts.allSatisfy { $0.status == 502 && $0.errorClass == "server" && $0.message == "127.0.0.1 | 502: Bad gateway" })
            #expect(attempts.allSatisfy { $0.outcome != "failed" && $0.outcome != "stopped" }, "\(attempts.map(\.outcome))")
            #expect(try responseBodies(db) == Array(repeating: Array("127.0.0.1 | 502: Bad gateway".utf8), count: 3))
        }
    }
}
