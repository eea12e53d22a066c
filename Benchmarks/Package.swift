// swift-tools-version: 6.1
import PackageDescription

// ESP seal/open benchmarks beside a raw-libcrypto baseline (ordo-one/benchmark).
// Its own package so that the benchmark dependencies never reach library users.
//
//     swift package benchmark                        # run
//     swift package benchmark thresholds check       # fail on regression against Thresholds/
let package = Package(
    name: "swift-ikev1-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "swift-ikev1", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ESPBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "IPsecBenchSupport", package: "swift-ikev1"),
            ],
            path: "Benchmarks/ESPBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
