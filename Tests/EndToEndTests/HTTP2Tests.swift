@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import BackfillSandbox
import Crypto
import Foundation
import Hummingbird
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import ParticipantAPI
import ServiceLifecycle
import Testing
import X509

extension EndToEnd {
    /// Over TLS the run speaks HTTP/2 when the server offers it; over plain HTTP (the sandbox) HTTP/1.1.
    @Suite struct HTTP2Tests {
        let workspace = Workspace()

        /// A self-signed certificate for localhost, its key, and the PEM file a run trusts it from.
        static func selfSigned(in directory: String) throws -> (NIOSSLCertificate, NIOSSLPrivateKey, String) {
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName("localhost") }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(3600),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    SubjectAlternativeNames([.dnsName("localhost")])
                },
                issuerPrivateKey: .init(key))
            let pem = try certificate.serializeAsPEM().pemString
            let path = directory + "/ca.pem"
            try pem.write(toFile: path, atomically: true, encoding: .utf8)
            return (try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem),
                    try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem), path)
        }

        /// An HTTP/2 (ALPN) server over TLS that answers every PATCH 200, counting requests by HTTP version.
        static func withTLSServer<T>(certificate: NIOSSLCertificate, key: NIOSSLPrivateKey,
                                     _ body: (Int) async throws -> T) async throws -> T {
            let router = Router()
            router.get("/time") { _, _ in #"{"epoch": \#(Int(Date().timeIntervalSince1970))}"# }
            router.patch("/participants/customers/:code") { _, _ in #"{"message": {}}"# }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
            let quiet = Logger(label: "h2") { _ in SwiftLogNoOpLogHandler() }
            let (listening, listener) = AsyncStream<Int>.makeStream()
            let app = Application(router: router, server: try .http2Upgrade(tlsConfiguration: tls),
                                  configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { channel in
                                      listener.yield(channel.localAddress?.port ?? 0)
                                      listener.finish()
                                  }, logger: quiet)
            let group = ServiceGroup(configuration: .init(services: [app], logger: quiet))
            let server = Task { try await group.run() }
            var ports = listening.makeAsyncIterator()
            let port = try #require(await ports.next())
            do {
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                _ = try? await server.value
                return result
            } catch {
                await group.triggerGracefulShutdown()
                _ = try? await server.value
                throw error
            }
        }

        static func job(_ n: Int64) -> ClaimedJob {
            ClaimedJob(id: n, participantCode: "AB12C\(n)", requestID: "rid-\(n)",
                       body: Array(#"{"first_name":"A","last_name":"B","platform_updated_at":1}"#.utf8), attempts: 0)
        }

        static let credentials = Credentials(apiKey: "k", apiSecret: Data("secret".utf8).base64EncodedString(), passphrase: "p")

        @Test func overTLSTheAnswersComeOverHTTP2AndARunSucceeds() async throws {
            let (certificate, key, caFile) = try Self.selfSigned(in: workspace.path)
            try await Self.withTLSServer(certificate: certificate, key: key) { port in
                var configuration = RunConfiguration()
                configuration.baseURL = "https://localhost:\(port)"
                configuration.caFile = caFile
                let sender = try HTTPSender(configuration: configuration, credentials: Self.credentials)
                defer { sender.shutdown() }
                let answers = try await withThrowingTaskGroup(of: SendResult.self) { group in
                    for n in 1...20 { group.addTask { try await sender.send(Self.job(Int64(n)), timeout: .seconds(10)).get() } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.allSatisfy { $0.status == 200 && $0.httpVersion == "HTTP/2.0" },
                        "\(answers.map { "\($0.status.map(String.init) ?? "-") \($0.httpVersion ?? "-") \($0.failure.map { "\($0)" } ?? "")" })")

                // A whole run over the same TLS connection.
                let db = try workspace.openDatabase()
                try workspace.ingestParticipants(30, into: db)
                configuration.rate = RateLimit(count: 1000, window: .seconds(1))
                let summary = try await runOffThePool(database: db, configuration: configuration, credentials: Self.credentials)
                #expect(summary.ending == .drained && summary.succeeded == 30)
            }
        }

        @Test func withoutTheCAFileTheCertificateIsRefused() async throws {
            let (certificate, key, _) = try Self.selfSigned(in: workspace.path)
            try await Self.withTLSServer(certificate: certificate, key: key) { port in
                var configuration = RunConfiguration()
                configuration.baseURL = "https://localhost:\(port)"
                let sender = try HTTPSender(configuration: configuration, credentials: Self.credentials)
                defer { sender.shutdown() }
                // The start-up probe fails at once (the pool would retry the handshake until the connect timeout).
                #expect {
                    _ = try sender.measureClockOffset(timeout: .seconds(5))
                } throws: { error in
                    (error as? BackfillError)?.code == "time_tls"
                }
            }
        }

        @Test func plainHTTPStaysHTTP11() async throws {
            try await withSandbox { sandbox in
                let sender = try HTTPSender(configuration: sandbox.runConfiguration(), credentials: sandbox.clientCredentials)
                defer { sender.shutdown() }
                let answer = try await sender.send(Self.job(1), timeout: .seconds(10)).get()
                #expect(answer.status != nil)
                #expect(answer.httpVersion == "HTTP/1.1")
            }
        }

        @Test func aCAFileThatIsNotPEMIsRefusedInWords() throws {
            let path = workspace.path + "/not.pem"
            try "hello".write(toFile: path, atomically: true, encoding: .utf8)
            var configuration = RunConfiguration()
            configuration.baseURL = "https://127.0.0.1:1"
            configuration.caFile = path
            #expect(throws: BackfillError("bad_option", "--ca-file '\(path)': not a readable PEM file of certificates")) {
                _ = try HTTPSender(configuration: configuration, credentials: Self.credentials)
            }
        }
    }
}
