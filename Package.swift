// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-ikev1",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ISAKMPWire", targets: ["ISAKMPWire"]),
        .library(name: "IPsecCrypto", targets: ["IPsecCrypto"]),
        .library(name: "IKEv1", targets: ["IKEv1"]),
        .library(name: "ESP", targets: ["ESP"]),
        .library(name: "IPsecNode", targets: ["IPsecNode"]),
        .library(name: "PacketCapture", targets: ["PacketCapture"]),
        .library(name: "IKEv1Config", targets: ["IKEv1Config"]),
        .library(name: "IPsecService", targets: ["IPsecService"]),
        .executable(name: "ikev1", targets: ["IKEv1Tool"]),
        // Not API, and in none of the products above: test and benchmark support, products only
        // because this repository's Fuzz/ and Benchmarks/ packages (packages of their own, so that
        // sanitizers and ordo-one/benchmark never reach library users) can reach another package's
        // code through nothing else.
        .library(name: "IPsecTestSupport", targets: ["IPsecTestSupport"]),
        .library(name: "IPsecBenchSupport", targets: ["IPsecBenchSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (README "Documentation and examples"); a plugin
        // only: nothing of it is linked into a product.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // libcrypto from OpenSSL 3, found through pkg-config.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // glibc's heap statistics (mallinfo2), for the memory figure of `ikev1 bench handshake`.
        .systemLibrary(name: "CHeapStatistics"),
        // Per-thread allocation counts for `ikev1 bench esp` (mallocs_per_packet): glibc's malloc
        // entry points interposed in the executable.
        .target(name: "CAllocationCount"),
        // 64-bit atomic counters shared by data threads (ESP sequence numbers, SA counters).
        .target(name: "CAtomics"),
        // recvmmsg/sendmmsg (glibc declares them only under _GNU_SOURCE): raw ESP in batches.
        .target(name: "CSocketBatch"),
        // ISAKMP wire codec (RFC 2408, 2407, 2409, 3947): standard library only.
        .target(name: "ISAKMPWire", swiftSettings: strict),
        // Crypto suite and the IKEv1 key schedule over libcrypto.
        .target(name: "IPsecCrypto", dependencies: ["COpenSSL"], swiftSettings: strict),
        // The IKEv1 negotiation engine: pure state machines, no I/O, no clock, no randomness of its own.
        .target(name: "IKEv1", dependencies: ["ISAKMPWire", "IPsecCrypto"], exclude: ["README.md"], swiftSettings: strict),
        // ESP (RFC 4303) and AH (RFC 4302) seal/open in place, anti-replay, NAT-T encapsulation.
        .target(name: "ESP", dependencies: ["IPsecCrypto", "CAtomics"], swiftSettings: strict),
        // The only layer with I/O: UDP 500/4500, timers, TUN; drives the engine and ESP.
        .target(name: "IPsecNode", dependencies: ["IKEv1", "ESP", "IPsecCrypto", "ISAKMPWire", "CAtomics", "CSocketBatch"], swiftSettings: strict),
        // The node for embedders: an async `Tunnel` (events as an AsyncSequence, a
        // swift-service-lifecycle Service) that logs through swift-log and counts through
        // swift-metrics; the only module with package dependencies besides the CLI's.
        .target(name: "IPsecService", dependencies: [
            "IPsecNode", "IKEv1", "IPsecCrypto", "ISAKMPWire",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        // pcap / pcapng reader for the CLI and tests: standard library only.
        .target(name: "PacketCapture", swiftSettings: strict),
        // The `ikev1` config file (README "Config file") and its mapping to the engine's PeerConfig;
        // a library so Fuzz/ can drive the parser without the CLI.
        .target(name: "IKEv1Config", dependencies: ["IKEv1", "IPsecCrypto", "ISAKMPWire"], swiftSettings: strict),
        // Test and demo support: TestPKI (a PKI made in memory) and EndpointPair (two engines on a
        // virtual clock), for the tests, `ikev1 demo` and the fuzz harness.
        .target(name: "IPsecTestSupport", dependencies: ["IKEv1", "IPsecCrypto", "ISAKMPWire"], swiftSettings: strict),
        // The yardstick of `ikev1 bench`, ESPTests and Benchmarks/: ESP seal/open and complete
        // handshakes (over IPsecTestSupport's EndpointPair) beside the same cryptographic work done
        // with direct libcrypto calls.
        .target(name: "IPsecBenchSupport", dependencies: ["ESP", "IPsecCrypto", "IKEv1", "ISAKMPWire", "IPsecTestSupport", "COpenSSL",
                                                             "CHeapStatistics"],
                swiftSettings: strict),
        // The `ikev1` command. Module IKEv1Tool, not ikev1: ikev1.swiftmodule and
        // IKEv1.swiftmodule would collide on case-insensitive file systems (macOS).
        .executableTarget(
            name: "IKEv1Tool",
            dependencies: [
                "ISAKMPWire", "IPsecCrypto", "IKEv1", "ESP", "IPsecNode", "PacketCapture", "IKEv1Config",
                "IPsecTestSupport", "IPsecBenchSupport", "IPsecService", "CAllocationCount",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Examples/ (README "Documentation and examples"): small programs over the public API of
        // the libraries above, built by `swift build` and run by ExampleTests.
        .executableTarget(name: "DecodeCapture", dependencies: ["PacketCapture", "ISAKMPWire", "IPsecCrypto", "IKEv1", "ESP"],
                          path: "Examples/DecodeCapture", swiftSettings: strict),
        .executableTarget(name: "EngineOverUDP", dependencies: ["IKEv1", "IPsecCrypto", "IPsecNode", "ISAKMPWire"],
                          path: "Examples/EngineOverUDP", swiftSettings: strict),
        // Examples/: programs that use only the public API. TunnelService: the async Tunnel in a
        // ServiceGroup with a graceful shutdown on SIGTERM.
        .executableTarget(name: "TunnelService", dependencies: [
            "IPsecService", "IKEv1", "IPsecCrypto", "ISAKMPWire",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], path: "Examples/TunnelService", swiftSettings: strict),
        // What every test target shares: the Fixtures/ root and loaders, `nonEmpty` for argument
        // lists, the child-process helper. A test target itself (SwiftPM builds a test target that
        // others depend on as a library), so `swift build` never compiles it.
        .testTarget(name: "TestSupport", path: "Tests/Support", swiftSettings: strict),
        .testTarget(name: "ISAKMPWireTests", dependencies: ["ISAKMPWire", "PacketCapture", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "IPsecCryptoTests", dependencies: ["IPsecCrypto", "ISAKMPWire", "PacketCapture", "TestSupport", "IPsecTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "IKEv1Tests", dependencies: ["IKEv1", "ISAKMPWire", "IPsecCrypto", "PacketCapture", "TestSupport", "IPsecTestSupport"],
                    exclude: ["live-charon.sh"], swiftSettings: strict),
        .testTarget(name: "ESPTests", dependencies: ["ESP", "IPsecCrypto", "ISAKMPWire", "PacketCapture", "TestSupport", "IPsecBenchSupport"],
                    swiftSettings: strict),
        .testTarget(name: "IPsecNodeTests", dependencies: ["IPsecNode", "IKEv1", "IPsecCrypto", "ISAKMPWire", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "IPsecServiceTests", dependencies: [
            "IPsecService", "IPsecNode", "IKEv1", "ESP", "IPsecCrypto", "ISAKMPWire", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "InMemoryLogging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        // Needs root, strongSwan and IKEV1_INTEROP=1; runs Interop/run.sh against charon.
        .testTarget(name: "InteropTests", dependencies: ["IKEv1Tool", "TestSupport"], swiftSettings: strict),
        // The code path of every fuzz target (Fuzz/Harness, also compiled by the Fuzz/ package),
        // for replaying Fixtures/fuzz-regressions: a test target, so only `swift test` compiles it.
        .testTarget(name: "FuzzHarness", dependencies: [
            "ISAKMPWire", "IPsecCrypto", "IKEv1", "ESP", "PacketCapture", "IPsecNode", "IKEv1Config", "IPsecTestSupport",
        ], path: "Fuzz/Harness", swiftSettings: strict),
        // Replays Fixtures/fuzz-regressions; with IKEV1_FUZZ_SECONDS=N also runs every libFuzzer target N seconds.
        .testTarget(name: "FuzzTests", dependencies: ["FuzzHarness", "IKEv1", "ISAKMPWire", "TestSupport", "IPsecTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "PacketCaptureTests", dependencies: ["PacketCapture", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "IKEv1ToolTests", dependencies: [
            "IKEv1Tool", "IKEv1Config", "IKEv1", "IPsecNode", "ISAKMPWire", "IPsecCrypto", "ESP", "PacketCapture", "TestSupport",
            "IPsecTestSupport", "IPsecBenchSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        // Runs the programs of Examples/ (depending on them makes `swift test` build them).
        .testTarget(name: "ExampleTests", dependencies: ["DecodeCapture", "EngineOverUDP", "TestSupport"], swiftSettings: strict),
        // Audits of the sources and the suite: every public declaration has a `///` comment, every
        // parameterized test's arguments are non-empty.
        .testTarget(name: "SuiteAuditTests", dependencies: ["TestSupport"], swiftSettings: strict),
    ]
)
