// swift-tools-version: 6.1
// libFuzzer targets for swift-ikev1, outside the main package graph.
// Build and run with ./run.sh TARGET (it passes -sanitize=fuzzer,address).
import PackageDescription

let fuzz: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "swift-ikev1-fuzz",
    dependencies: [.package(name: "swift-ikev1", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzISAKMP", dependencies: ["FuzzSupport", .product(name: "ISAKMPWire", package: "swift-ikev1")],
                          swiftSettings: fuzz),
        .executableTarget(name: "FuzzPayloadChain", dependencies: ["FuzzSupport", .product(name: "ISAKMPWire", package: "swift-ikev1")],
                          swiftSettings: fuzz),
        .executableTarget(name: "FuzzCapture", dependencies: ["FuzzSupport", .product(name: "PacketCapture", package: "swift-ikev1")],
                          swiftSettings: fuzz),
        .executableTarget(name: "FuzzEngine", dependencies: ["FuzzSupport", .product(name: "IKEv1", package: "swift-ikev1"),
                                                           .product(name: "ISAKMPWire", package: "swift-ikev1"),
                                                           .product(name: "IPsecCrypto", package: "swift-ikev1")],
                          swiftSettings: fuzz),
        .executableTarget(name: "FuzzESPOpen", dependencies: ["FuzzSupport", .product(name: "ESP", package: "swift-ikev1"),
                                                            .product(name: "IPsecCrypto", package: "swift-ikev1")],
                          swiftSettings: fuzz),
        .executableTarget(name: "FuzzProposal", dependencies: ["FuzzSupport", .product(name: "IPsecCrypto", package: "swift-ikev1")],
                          swiftSettings: fuzz),
    ]
)
