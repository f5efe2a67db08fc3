// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "backfill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "backfill", targets: ["backfill"]),
        .library(name: "ParticipantAPI", targets: ["ParticipantAPI"]),
        .library(name: "BackfillStore", targets: ["BackfillStore"]),
        .library(name: "BackfillIngest", targets: ["BackfillIngest"]),
        .library(name: "BackfillRun", targets: ["BackfillRun"]),
        .library(name: "BackfillReport", targets: ["BackfillReport"]),
        .library(name: "BackfillSandbox", targets: ["BackfillSandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Already resolved through async-http-client; named so that TLS failures can be told apart by their type.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Run metrics: swift-metrics in the library, exposed in Prometheus' text format by the executable.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The report page's HTML, escaped by default.
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        // Tests only: a self-signed certificate for the HTTP/2-over-TLS test server.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        // The wire contract: fields, segments and their rules, the API's messages, signing. Pure.
        .target(
            name: "ParticipantAPI",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // zlib, for reading .gz exports as a stream.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The schema: migrations/NNNN_name.sql, embedded in the code (no resource bundle to find beside the binary).
        .target(
            name: "BackfillMigrations",
            path: "migrations",
            resources: [.embedInCode("sql")]
        ),
        // The sample inputs of `backfill demo`, embedded in the code (samples/*.csv, *.jsonl and their README).
        .target(
            name: "BackfillSamples",
            path: "samples",
            sources: ["Samples.swift"],
            resources: [.embedInCode("changes.csv"), .embedInCode("changes.jsonl"), .embedInCode("README.md")]
        ),
        // The pipeline, one module per stage under Sources/BackfillCore (see ARCHITECTURE.md). Store is the only
        // module with SQL and owns the vocabulary; Ingest, Run and Report each build on Store alone, so a back-edge
        // (Store calling Ingest, Report calling Run) does not compile.
        .target(
            name: "BackfillStore",
            dependencies: [
                "ParticipantAPI",
                "BackfillMigrations",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "Sources/BackfillCore/Store"
        ),
        .target(
            name: "BackfillIngest",
            dependencies: [
                "BackfillStore",
                "ParticipantAPI",
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/BackfillCore/Ingest"
        ),
        .target(
            name: "BackfillRun",
            dependencies: [
                "BackfillStore",
                "ParticipantAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources/BackfillCore/Run"
        ),
        .target(
            name: "BackfillReport",
            dependencies: [
                "BackfillStore",
                "ParticipantAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Plot", package: "Plot"),
            ],
            path: "Sources/BackfillCore/Report"
        ),
        .target(
            name: "BackfillSandbox",
            dependencies: [
                "ParticipantAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "backfill",
            dependencies: [
                "BackfillStore", "BackfillIngest", "BackfillRun", "BackfillReport",
                "BackfillSandbox", "BackfillSamples",
                "ParticipantAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "ParticipantAPITests", dependencies: ["ParticipantAPI"]),
        // Shared by the test targets: the stored vocabulary written as literals in assertions.
        .target(name: "BackfillTestSupport", dependencies: ["BackfillStore"], path: "Tests/Support"),
        .testTarget(
            name: "BackfillCoreTests",
            dependencies: [
                "BackfillTestSupport", "BackfillStore", "BackfillIngest", "BackfillRun", "BackfillReport", "ParticipantAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "BackfillSandboxTests",
            dependencies: [
                "BackfillSandbox", "ParticipantAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "BackfillTestSupport", "BackfillStore", "BackfillIngest", "BackfillRun", "BackfillReport", "BackfillSandbox", "ParticipantAPI",
                "BackfillMigrations", "BackfillSamples",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Databases an older backfill made, with what it printed about them (LegacyDatabaseTests).
            exclude: ["Fixtures"]
        ),
    ]
)
