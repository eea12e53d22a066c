// swift-tools-version: 6.1
// libFuzzer targets for swift-ikev1, outside the main package graph.
// Build and run with ./run.sh TARGET (it passes -sanitize=fuzzer,address).
// Harness/ holds the code path of every target; the main package compiles the same
// files (as FuzzHarness) for the regression replay in `swift test`.
import PackageDescription

let fuzz: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
// lld (shipped with the Swift toolchain): gold stops with an internal error on these ASan binaries.
let link: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld"])]
let main = "swift-ikev1"

let package = Package(
    name: "swift-ikev1-fuzz",
    dependencies: [.package(name: main, path: "..")],
    targets: [
        .target(name: "Harness", dependencies: [
            .product(name: "ISAKMPWire", package: main), .product(name: "IPsecCrypto", package: main),
            .product(name: "IKEv1", package: main), .product(name: "ESP", package: main),
            .product(name: "PacketCapture", package: main), .product(name: "IPsecNode", package: main),
            .product(name: "IKEv1Config", package: main), .product(name: "IPsecTestSupport", package: main),
        ], path: "Harness"),
        .target(name: "FuzzSupport", dependencies: ["Harness"]),
        .executableTarget(name: "FuzzISAKMP", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
        .executableTarget(name: "FuzzPayloadChain", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
        .executableTarget(name: "FuzzCapture", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
        .executableTarget(name: "FuzzProposal", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
        .executableTarget(name: "FuzzEngine", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
        .executableTarget(name: "FuzzESPOpen", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
        .executableTarget(name: "FuzzFragment", dependencies: ["FuzzSupport"], swiftSettings: fuzz, linkerSettings: link),
    ]
)
