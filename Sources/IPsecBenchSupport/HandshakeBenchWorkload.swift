internal import CHeapStatistics
import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire

/// Benchmark material for `ikev1 bench handshake` (not for the library): two engines set up once
/// (side A initiates, side B responds, no sockets, a clock that stands still), a complete
/// handshake on a fresh copy of them per iteration — Main Mode, then Quick Mode with PFS in the
/// Phase 1 group — and the raw-libcrypto baseline doing the same public-key work. Certificates
/// for the signature suite are made once, before timing.
///
/// The handshake runs in a loop of its own rather than in `EndpointPair`, whose loss, NAT,
/// reordering and transcript machinery would be counted as the engine's cost: each datagram goes
/// to the other side at once, in the order sent, and each side keeps its armed timers the way an
/// embedder's loop would. None fires during a handshake that loses nothing; a handshake the
/// datagrams alone do not complete fails the run rather than being counted.
public final class HandshakeBenchWorkload {
    /// A suite: how Phase 1 authenticates, and the Diffie-Hellman group of both exchanges.
    public enum Suite: String, CaseIterable, Sendable {
        /// Pre-shared key, MODP-2048 (RFC 3526 §3) in Main Mode and Quick Mode.
        case pskMODP2048 = "psk-modp2048"
        /// Pre-shared key, ECP-256 (RFC 5903 §3.1) in Main Mode and Quick Mode.
        case pskECP256 = "psk-ecp256"
        /// RSA-2048 signatures (RFC 2409 §5.1) with a root, an intermediate and a leaf per side;
        /// MODP-2048 in Main Mode and Quick Mode.
        case rsa2048

        /// The Phase 1 and Quick Mode (PFS) group.
        public var group: DHGroup { self == .pskECP256 ? .ecp256 : .modp2048 }
        /// IKE proposal, strongSwan notation.
        public var ike: String { "aes128-sha256-\(group.name)" }
        /// ESP proposal with its PFS group, strongSwan notation.
        public var esp: String { "aes128-sha256-\(group.name)" }
    }

    /// The suite measured.
    public let suite: Suite
    /// Both engines before their first message; every handshake starts from a copy.
    private let pristine: Engines
    private let baseline: RawHandshakeBaseline
    private let connection: String

    /// Makes the two configurations (and, for `rsa2048`, a PKI: root, intermediate, a leaf per
    /// side) and the baseline, and checks that one handshake completes.
    public init(suite: Suite, unixTime: Int64) throws {
        self.suite = suite
        let addressA = SocketAddress(address: [192, 0, 2, 1], port: 500), addressB = SocketAddress(address: [192, 0, 2, 2], port: 500)
        let netA = try TrafficSelector(notation: "198.51.100.0/24"), netB = try TrafficSelector(notation: "203.0.113.0/24")
        let psk = SecretBytes(Array("ikev1-bench-handshake".utf8))
        let ike = try IKEProposal.proposals(notation: suite.ike), esp = try ChildProposal.proposals(notation: suite.esp)
        var a = PeerConfig(name: "bench", localAddress: addressA, remoteAddress: addressB, localIdentity: .ipv4(addressA.address),
                           remoteIdentity: .ipv4(addressB.address), authentication: .preSharedKey(psk), ikeProposals: ike,
                           childProposals: esp, localTrafficSelector: netA, remoteTrafficSelector: netB)
        var b = PeerConfig(name: "bench-responder", localAddress: addressB, remoteAddress: nil, localIdentity: .ipv4(addressB.address),
                           remoteIdentity: .ipv4(addressA.address), authentication: .preSharedKey(psk), ikeProposals: ike,
                           childProposals: esp, localTrafficSelector: netB, remoteTrafficSelector: netA)
        var signers: (RawHandshakeBaseline.Signer, RawHandshakeBaseline.Signer)?
        if suite == .rsa2048 {
            let pki = try TestPKI(algorithm: .rsa(bits: 2048), intermediate: true, notBefore: unixTime - 3600,
                                  notAfter: unixTime + 86_400, organization: "swift-ikev1 bench")
            func side(_ name: String, _ address: SocketAddress) throws -> (SignatureCredentials, RawHandshakeBaseline.Signer) {
                let (certificate, key) = try pki.issueLeaf(commonName: name, subjectAltNames: [.dns(name), .ip(address.address)],
                                                           algorithm: .rsa(bits: 2048))
                let chain = [certificate] + pki.intermediates
                return (try SignatureCredentials(signingKey: key, chain: chain, trustAnchors: [pki.root]),
                        RawHandshakeBaseline.Signer(key: key, chain: chain, anchor: pki.root))
            }
            let (ca, sa) = try side("initiator.example", addressA), (cb, sb) = try side("responder.example", addressB)
            a.authenticate(with: ca)
            b.authenticate(with: cb)
            (a.localIdentity, a.remoteIdentity) = (ca.identity, cb.identity)
            (b.localIdentity, b.remoteIdentity) = (cb.identity, ca.identity)
            signers = (sa, sb)
        }
        pristine = Engines(a: try IKEv1Endpoint(configs: [a]), b: try IKEv1Endpoint(configs: [b]),
                           envA: Environment(now: Self.now, entropy: SystemEntropy(), unixTime: unixTime),
                           envB: Environment(now: Self.now, entropy: SystemEntropy(), unixTime: unixTime))
        connection = a.name
        baseline = try RawHandshakeBaseline(group: suite.group, pfs: true, signers: signers)
        _ = try handshake()
    }

    /// What the baseline does per handshake, e.g. "4 DH keygen + 4 derive, 2 sign + 6 verify".
    public var baselineOperations: String { baseline.operations }

    /// A handshake that did not end with an ISAKMP SA and an IPsec SA pair on both sides.
    public struct HandshakeFailed: Error, CustomStringConvertible {
        /// What the engines reported.
        public let description: String
    }

    /// The time on both sides' clocks throughout.
    private static let now = EngineTime(milliseconds: 0)

    /// Both sides of one handshake: the engines, their environments and the timers they armed.
    public struct Engines {
        /// Side A (the initiator) and side B.
        public fileprivate(set) var a: IKEv1Endpoint, b: IKEv1Endpoint
        fileprivate var envA: Environment, envB: Environment
        fileprivate var timersA = ArmedTimers(), timersB = ArmedTimers()
    }

    /// One side's armed timers: a handful during a handshake, so a list searched in order (an
    /// embedder's loop with few timers; hashing each TimerID would cost the measurement more).
    fileprivate struct ArmedTimers {
        private var entries: [(id: TimerID, at: EngineTime)] = []

        mutating func arm(_ id: TimerID, at: EngineTime) {
            if let i = entries.firstIndex(where: { $0.id == id }) { entries[i].at = at } else { entries.append((id, at)) }
        }

        mutating func cancel(_ id: TimerID) {
            if let i = entries.firstIndex(where: { $0.id == id }) { entries.remove(at: i) }
        }

        /// An armed timer due at or before `now`.
        func due(by now: EngineTime) -> TimerID? { entries.first { $0.at <= now }?.id }
    }

    /// One complete handshake on a fresh copy of the engines; returns them holding the
    /// established ISAKMP SA and IPsec SA pair on each side.
    @inline(never)
    public func handshake() throws(HandshakeFailed) -> Engines {
        var e = pristine
        // What the closure below changes lives outside `e`, which the engines' calls hold inout.
        var timersA = e.timersA, timersB = e.timersB
        var inFlight: [(toB: Bool, datagram: OutboundDatagram)] = []
        var installed = 0
        var failure: String?
        func perform(_ actions: [Action], fromB: Bool) {
            for action in actions {
                switch action {
                case .send(let d): inFlight.append((!fromB, d))
                case .scheduleTimer(let id, let at): if fromB { timersB.arm(id, at: at) } else { timersA.arm(id, at: at) }
                case .cancelTimer(let id): if fromB { timersB.cancel(id) } else { timersA.cancel(id) }
                case .installChildSA: installed += 1
                case .failed(let f): failure = "side \(fromB ? "B" : "A"): \(f.error)"
                default: break
                }
            }
        }
        perform(e.a.handle(.initiate(peer: connection), &e.envA), fromB: false)
        var next = 0
        while next < inFlight.count, installed < 2, failure == nil {
            let (toB, d) = inFlight[next]
            next += 1
            let event = Event.datagram(bytes: d.udpPayload, from: d.source, to: d.destination)
            if toB { perform(e.b.handle(event, &e.envB), fromB: true) } else { perform(e.a.handle(event, &e.envA), fromB: false) }
        }
        (e.timersA, e.timersB) = (timersA, timersB)
        guard installed == 2, e.a.sessionCount == 1, e.b.sessionCount == 1 else {
            throw HandshakeFailed(description: failure ?? "no IPsec SA pair on both sides once the datagrams stopped")
        }
        // A timer due at once would have fired in a real loop, between the datagrams: not measured here.
        if let due = e.timersA.due(by: Self.now) ?? e.timersB.due(by: Self.now) {
            throw HandshakeFailed(description: "timer \(due) fell due during the handshake")
        }
        return e
    }

    /// Runs `count` handshakes with the engine.
    @inline(never)
    public func runOurs(count: Int) throws(HandshakeFailed) {
        for _ in 0..<count { _ = try handshake() }
    }

    /// Runs the public-key work of `count` handshakes with direct libcrypto calls.
    @inline(never)
    public func runBaseline(count: Int) {
        baseline.run(count: count)
    }

    /// Heap bytes one side holds for an established ISAKMP SA and its IPsec SA pair: the growth of
    /// allocated heap (glibc's `mallinfo2`) while `pairs` handshakes are completed and kept, divided
    /// by the 2 × `pairs` sides holding them. The configurations are shared by all copies (as one
    /// gateway's are), so what grows is the SAs' state and the tables that hold it. nil where
    /// `mallinfo2` is not available.
    public func bytesPerSAPair(pairs: Int) throws(HandshakeFailed) -> Double? {
        guard swift_ikev1_heap_in_use() >= 0 else { return nil }
        var held: [Engines] = []
        held.reserveCapacity(pairs)
        _ = try handshake()
        let before = swift_ikev1_heap_in_use()
        for _ in 0..<pairs { held.append(try handshake()) }
        let after = swift_ikev1_heap_in_use()
        withExtendedLifetime(held) {}
        return Double(after - before) / Double(2 * pairs)
    }
}
