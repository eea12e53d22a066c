/// The fuzz targets, each one code path that both the libFuzzer binaries (`Fuzz/run.sh`) and the
/// regression replay in `swift test` drive with the same bytes.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// One per libFuzzer binary; the raw value is the name `Fuzz/run.sh` takes.
    case isakmp, payloadChain = "payload-chain", capture, proposal, engine, espOpen = "esp-open", config, fragment

    /// Runs one input. Returns whether the code under test accepted it or rejected it with its
    /// typed error; throws only when an invariant of the target breaks (the fuzzer reports that
    /// as a crash, the replay test as a failure). A trap is a crash in both.
    public func run(_ input: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        switch self {
        case .isakmp: try ISAKMPTarget.run(input)
        case .payloadChain: try PayloadChainTarget.run(input)
        case .capture: try CaptureTarget.run(input)
        case .proposal: try ProposalTarget.run(input)
        case .engine: try EngineTarget.run(input)
        case .espOpen: try ESPOpenTarget.run(input)
        case .config: try ConfigTarget.run(input)
        case .fragment: try FragmentTarget.run(input)
        }
    }

    /// Seeds the harness builds itself, beyond those `Fuzz/seeds.py` takes from Fixtures/:
    /// for the engine, every real datagram of its scenarios, raw, sealed and authenticated.
    public var seeds: [[UInt8]] { self == .engine ? EngineTarget.seeds() : [] }

    /// The error types the target's code may reject an input with (by name, as `FuzzOutcome` records it).
    public var errorTypes: Set<String> {
        switch self {
        case .isakmp, .payloadChain: ["ISAKMPWire.WireError"]
        case .capture: ["PacketCapture.CaptureError"]
        case .proposal: ["IPsecCrypto.CryptoError"]
        case .engine: ["IKEv1.IKEv1Error"]
        case .espOpen: ["ESP.ESPError"]
        case .config: ["IKEv1Config.ConfigFile.Error", "IKEv1Config.PeerConfigBuilder.Error"]
        case .fragment: []   // every input is accepted: a refused fragment is an outcome, not an error
        }
    }
}

/// What one input did.
public enum FuzzOutcome: Equatable, Sendable {
    /// The code under test took the input (or, for the engine, answered without a failure).
    case accepted
    /// The code under test refused it with a typed error: the error's type name and text.
    case rejected(type: String, message: String)

    static func rejected(_ error: some Error) -> FuzzOutcome {
        .rejected(type: String(reflecting: type(of: error)), message: "\(error)")
    }
}

/// A broken invariant: a round trip that changed the bytes, an SA from a forged message, and so on.
public struct FuzzViolation: Error, CustomStringConvertible, Sendable {
    /// What broke.
    public var description: String

    init(_ description: String) { self.description = description }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzViolation) {
        if !condition { throw FuzzViolation(message()) }
    }
}
