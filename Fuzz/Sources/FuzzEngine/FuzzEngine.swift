import FuzzSupport
import IKEv1
import IPsecCrypto
import ISAKMPWire

/// The engine fed arbitrary datagrams: as a fresh responder, and as an initiator that has
/// sent Main Mode message 1 (the datagram then claims its cookie). The first byte picks the
/// role and whether to also fire every timer. Invariant: no trap, whatever arrives.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = fuzzBytes(data, size)
    guard let mode = bytes.first else { return 0 }
    bytes.removeFirst()
    let us = SocketAddress(address: [192, 0, 2, 1], port: 500), peer = SocketAddress(address: [192, 0, 2, 2], port: 500)
    let config = PeerConfig(name: "fuzz", localAddress: us, remoteAddress: mode & 1 == 0 ? nil : peer,
                            localIdentity: .ipv4(us.address), preSharedKey: SecretBytes(Array("fuzz".utf8)),
                            ikeProposals: (try? IKEProposal.proposals(notation: "aes128-sha256-modp2048,3des-sha1-modp1024")) ?? [],
                            childProposals: (try? ChildProposal.proposals(notation: "aes128-sha256,aes128gcm16")) ?? [],
                            legacy: true, allowAggressiveModePSKResponder: true)
    guard var endpoint = try? IKEv1Endpoint(configs: [config]) else { return 0 }
    var env = Environment(now: EngineTime(milliseconds: 1_000), entropy: SeededEntropy(seed: 1))
    var timers: [TimerID] = []
    func run(_ actions: [Action]) {
        for case .scheduleTimer(let id, _) in actions { timers.append(id) }
    }
    if mode & 1 == 1 {
        let sent = endpoint.handle(.initiate(peer: "fuzz"), &env)
        run(sent)
        // Put our own cookie in the datagram so it reaches the initiator's session.
        for case .send(let d) in sent where d.bytes.count >= 8 && bytes.count >= 8 {
            bytes.replaceSubrange(0..<8, with: d.bytes[0..<8])
        }
    }
    for port: UInt16 in [500, 4500] {
        run(endpoint.handle(.datagram(bytes: bytes, from: peer.with(port: port), to: us.with(port: port)), &env))
    }
    if mode & 2 == 2 {
        env.now = EngineTime(milliseconds: 600_000)
        for id in timers { run(endpoint.handle(.timerFired(id), &env)) }
    }
    _ = endpoint.isakmpSAs
    _ = endpoint.childSAs
    return 0
}

@_cdecl("FuzzEngine_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv)
}
