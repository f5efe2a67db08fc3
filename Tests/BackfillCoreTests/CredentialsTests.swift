@testable import BackfillIngest
@testable import BackfillReport
@testable import BackfillRun
@testable import BackfillStore
import BackfillTestSupport
import Foundation
import Testing

/// Credentials from the environment or a private `NAME=value` file; clear errors before anything is sent,
/// and never the secret or the passphrase in an error or a description.
struct CredentialsTests {
    let scratch = ScratchDirectory()

    static let key = "key-7f3a9c"
    static let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtMzItYnl0ZXMhIQ=="
    static let passphrase = "correct-horse-battery"

    static let environment = [
        "BACKFILL_API_KEY": key, "BACKFILL_API_SECRET": secret, "BACKFILL_API_PASSPHRASE": passphrase, "HOME": "/root",
    ]

    /// Writes a credentials file with `mode` and returns its path.
    func credentialsFile(_ text: String, mode: mode_t = 0o600, name: String = "api.env") throws -> String {
        let path = try scratch.write(name, text)
        #expect(chmod(path, mode) == 0)
        return path
    }

    /// Loads and returns the error, asserting that it names neither the secret nor the passphrase.
    func loadError(file: String?, environment: [String: String] = [:], secret: String = secret,
                   passphrase: String = passphrase) throws -> BackfillError {
        let error = try #require(throws: BackfillError.self) {
            try Credentials.load(file: file, environment: environment)
        }
        for text in [error.message, error.description, "\(error)", String(reflecting: error)] {
            #expect(!text.contains(secret))
            #expect(!text.contains(passphrase))
        }
        return error
    }

    @Test func loadsFromTheEnvironment() throws {
        let c = try Credentials.load(file: nil, environment: Self.environment)
        #expect(c.apiKey == Self.key)
        #expect(c.apiSecret == Self.secret)
        #expect(c.passphrase == Self.passphrase)
    }

    @Test func loadsAFileOfNameValueLinesWithCommentsQuotesAndExport() throws {
        let path = try credentialsFile("""
            # zero hash cert credentials

            BACKFILL_API_KEY = \(Self.key)
            export BACKFILL_API_SECRET="\(Self.secret)"
              BACKFILL_API_PASSPHRASE='\(Self.passphrase)'
            # trailing comment
            """)
        // The file wins over the environment.
        let c = try Credentials.load(file: path, environment: ["BACKFILL_API_KEY": "from-env"])
        #expect(c.apiKey == Self.key)
        #expect(c.apiSecret == Self.secret)
        #expect(c.passphrase == Self.passphrase)
    }

    @Test func aValueMayContainEqualsSigns() throws {
        let path = try credentialsFile("""
            BACKFILL_API_KEY=\(Self.key)
            BACKFILL_API_SECRET=\(Self.secret)
            BACKFILL_API_PASSPHRASE=a=b=c
            """)
        #expect(try Credentials.load(file: path, environment: [:]).passphrase == "a=b=c")
    }

    @Test func aFileOthersCanReadIsRefusedWithTheChmodToRun() throws {
        let path = try credentialsFile("""
            BACKFILL_API_KEY=\(Self.key)
            BACKFILL_API_SECRET=\(Self.secret)
            BACKFILL_API_PASSPHRASE=\(Self.passphrase)
            """, mode: 0o644)
        let error = try loadError(file: path)
        #expect(error.code == "credentials_exposed")
        #expect(error.message == "\(path): the credentials file can be read by group or others (mode 644); run: chmod 600 \(path)")
    }

    @Test func aGroupReadableFileIsRefusedToo() throws {
        let path = try credentialsFile("BACKFILL_API_KEY=\(Self.key)\n", mode: 0o640)
        let error = try loadError(file: path)
        #expect(error.code == "credentials_exposed")
        #expect(error.message.contains("chmod 600"))
    }

    @Test func aMissingFileIsAClearError() throws {
        let path = scratch.file("nowhere.env")
        let error = try loadError(file: path)
        #expect(error.code == "credentials_unreadable")
        #expect(error.message == "\(path): cannot read the credentials file: No such file or directory")
    }

    @Test func aMissingVariableIsNamed() throws {
        var environment = Self.environment
        environment["BACKFILL_API_SECRET"] = nil
        let error = try loadError(file: nil, environment: environment)
        #expect(error.code == "credentials_missing")
        #expect(error.message == "BACKFILL_API_SECRET is not set in the environment")

        environment = Self.environment
        environment["BACKFILL_API_PASSPHRASE"] = "   "
        #expect(try loadError(file: nil, environment: environment).message == "BACKFILL_API_PASSPHRASE is not set in the environment")
    }

    @Test func aMissingVariableInAFileNamesTheFile() throws {
        let path = try credentialsFile("BACKFILL_API_KEY=\(Self.key)\nBACKFILL_API_SECRET=\(Self.secret)\n")
        let error = try loadError(file: path)
        #expect(error.message == "BACKFILL_API_PASSPHRASE is not set in \(path)")
    }

    @Test func aSecretThatIsNotBase64IsRefusedWithoutEchoingIt() throws {
        let bad = "not base64: \(Self.passphrase)!"
        var environment = Self.environment
        environment["BACKFILL_API_SECRET"] = bad
        let error = try loadError(file: nil, environment: environment, secret: bad)
        #expect(error.code == "credentials_invalid")
        #expect(error.message ==
            "BACKFILL_API_SECRET from the environment: the API secret is not valid Base64 (the API expects the secret exactly as issued)")
    }

    @Test func aMalformedLineIsReportedByNumberWithoutItsText() throws {
        // A value pasted without its name (a passphrase has no `=` to split on).
        let path = try credentialsFile("BACKFILL_API_KEY=\(Self.key)\n\(Self.passphrase)\n")
        let error = try loadError(file: path)
        #expect(error.code == "credentials_malformed")
        #expect(error.message == "\(path):2: expected NAME=value")
    }

    @Test func theDescriptionRedactsTheSecretAndThePassphrase() throws {
        let c = try Credentials.load(file: nil, environment: Self.environment)
        for text in [c.description, "\(c)", String(describing: c), String(reflecting: c)] {
            #expect(text.contains(Self.key))
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(Self.passphrase))
        }
    }
}
