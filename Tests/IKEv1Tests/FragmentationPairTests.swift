import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing
import TestSupport

/// IKE fragmentation through the engine, on the virtual clock: RSA-4096 certificates in a chain
/// of three (root, intermediate, leaf) make Main Mode 5/6 and Aggressive Mode 2/3 larger than
/// one 1280-byte datagram, on a path that drops every larger datagram (as a path that drops IP
/// fragments does). A initiates, B responds; both send and reassemble fragments.
@Suite struct FragmentationPairTests {
    static let mtu = IKEFragmenter.defaultDatagramSize

    /// Root, intermediate and two leaves, all RSA-4096, made once per test process.
    static let pki = try! TestPKI(algorithm: .rsa(bits: 4096), intermediate: true, notBefore: PairPKI.now - PairPKI.year,
                                  notAfter: PairPKI.now + 10 * PairPKI.year, organization: "swift-ikev1 fragmentation")
    static let leafA = try! pki.issueLeaf(commonName: "initiator.example", subjectAltNames: [.dns("initiator.example"), .ip([192, 0, 2, 1])],
                                          algorithm: .rsa(bits: 4096))
    static let leafB = try! pki.issueLeaf(commonName: "responder.example", subjectAltNames: [.dns("responder.example"), .ip([192, 0, 2, 2])],
                                          algorithm: .rsa(bits: 4096))

    static func configs(aggressive: Bool = false, a fa: FragmentationPolicy = .yes, b fb: FragmentationPolicy = .yes) throws -> (PeerConfig, PeerConfig) {
        var (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", aggressive: aggressive)
        a.authenticate(with: try SignatureCredentials(signingKey: leafA.key, chain: [leafA.certificate] + pki.intermediates, trustAnchors: [pki.root]))
        b.authenticate(with: try SignatureCredentials(signingKey: leafB.key, chain: [leafB.certificate] + pki.intermediates, trustAnchors: [pki.root]))
        b.allowAggressiveModePSKResponder = false
        a.fragmentation = fa
        b.fragmentation = fb
        // Quick to give up, so the runs that must fail end soon; many tries, so 30 % loss rarely beats them.
        a.retransmit = RetransmitPolicy(timeout: 2, base: 1.5, tries: 8)
        b.retransmit = a.retransmit
        a.retry = RetryPolicy(keyingTries: 1, initialDelay: 2, maximumDelay: 2)
        return (a, b)
    }

    static func pair(_ configs: (PeerConfig, PeerConfig), seed: UInt64 = 1) throws -> EndpointPair {
        var pair = try EndpointPair.signed(a: configs.0, b: configs.1, seed: seed)
        pair.pathMTU = mtu
        return pair
    }

    /// The datagrams one side sent.
    static func sent(_ pair: EndpointPair, _ side: EndpointPair.Side) -> [OutboundDatagram] {
        pair.actions(side).compactMap { if case .send(let d) = $0 { d } else { nil } }
    }

    static func fragments(_ pair: EndpointPair, _ side: EndpointPair.Side) -> [FragmentMessage] {
        sent(pair, side).compactMap { try? FragmentMessage.decode($0.bytes) }
    }

    /// The vendor IDs in the first message `side` sent (put together when it went in fragments).
    static func firstVendorIDs(_ pair: EndpointPair, _ side: EndpointPair.Side) -> [KnownVendorID] {
        var first = sent(pair, side).first?.bytes ?? []
        if (try? FragmentMessage.decode(first)) != nil {
            var reassembler = try! IKEFragmentReassembler()
            for d in sent(pair, side) {
                if case .complete(let whole) = reassembler.receive(d.bytes, from: d.destination, now: pair.now) { first = whole; break }
            }
        }
        guard let m = try? ISAKMPMessage.decode(first) else { return [] }
        return m.payloads?.compactMap { if case .vendorID(let v) = $0 { v.known } else { nil } } ?? []
    }

    @Test("a certificate chain too large for one datagram travels in fragments both ways, and nothing exceeds the path MTU",
          arguments: [false, true])
    func largeChainInFragments(aggressive: Bool) throws {
        var pair = try Self.pair(Self.configs(aggressive: aggressive))
        pair.initiate()
        PairExchangeTests.expectMatchingChildren(pair)
        for side in [EndpointPair.Side.a, .b] {
            let frags = Self.fragments(pair, side)
            #expect(frags.count >= 3, "\(side) sent \(frags.count) fragments")
            #expect(frags.allSatisfy { $0.header.exchangeType == (aggressive ? .aggressive : .mainMode) && $0.header.messageID == 0 })
            #expect(Self.sent(pair, side).allSatisfy { $0.udpPayload.count + 28 <= Self.mtu })
            #expect(Self.firstVendorIDs(pair, side).contains(.fragmentation))
        }
        #expect(pair.a.fragmentCounters.completed >= 1 && pair.b.fragmentCounters.completed >= 1,
                "A \(pair.a.fragmentCounters), B \(pair.b.fragmentCounters)")
        #expect(pair.a.fragmentBytesHeld == 0 && pair.b.fragmentBytesHeld == 0)
    }

    @Test("with 30 % loss the fragments' retransmissions complete the exchange", arguments: [UInt64(11), 12, 13, 14])
    func lossyPath(seed: UInt64) throws {
        var pair = try Self.pair(Self.configs(), seed: seed)
        pair.loss = 0.3
        pair.initiate(seconds: 120)
        PairExchangeTests.expectMatchingChildren(pair)
    }

    /// B's first fragment of Main Mode 6 is lost: A retransmits message 5 (all its fragments), B
    /// recognises the reassembled duplicate and sends all of message 6's fragments again; A
    /// completes it from the fragments it held and the one it missed.
    @Test func lostFragmentIsResentWithItsMessage() throws {
        var pair = try Self.pair(Self.configs())
        var corrupted = false
        pair.tamper = { side, bytes in
            // Fragment number 0 does not exist: the receiver drops the datagram as malformed.
            guard side == .b, !corrupted, bytes.count > 28 + 8, bytes[16] == PayloadType.fragment.rawValue else { return }
            bytes[28 + 6] = 0
            corrupted = true
        }
        pair.initiate()
        PairExchangeTests.expectMatchingChildren(pair)
        let a = Self.fragments(pair, .a).map { $0.encode() }, b = Self.fragments(pair, .b).map { $0.encode() }
        #expect(Set(a).count * 2 == a.count, "A sent message 5's \(Set(a).count) fragments twice each: \(a.count)")
        #expect(Set(b).count * 2 == b.count, "B sent message 6's \(Set(b).count) fragments twice each: \(b.count)")
        #expect(pair.b.fragmentCounters.completed == 2, "B reassembled message 5 twice: \(pair.b.fragmentCounters)")
        #expect(pair.a.fragmentCounters.dropped[.malformed] == 1 && pair.a.counters.dropped[.fragment] == 1)
        // The held fragments 2 and 3 with the resent 1 complete message 6; the resent 2 and 3 start
        // a partial message of their own, which times out (charon's fragment ID is 1 for every message).
        #expect(pair.a.fragmentCounters.completed == 1)
    }

    /// charon's rules: `force` fragments without the peer's VID; `yes` only after it; `accept`
    /// and `no` never. Fragments are always reassembled. Where one side's large message goes
    /// whole, the path drops it and nothing comes up.
    @Test(arguments: [
        (FragmentationPolicy.yes, FragmentationPolicy.yes, true), (.force, .force, true), (.yes, .force, true), (.force, .yes, true),
        (.no, .yes, false), (.yes, .no, false), (.accept, .yes, false), (.yes, .accept, false), (.force, .no, false), (.no, .force, false),
    ])
    func policies(a: FragmentationPolicy, b: FragmentationPolicy, comesUp: Bool) throws {
        var pair = try Self.pair(Self.configs(a: a, b: b))
        pair.initiate(seconds: 90)
        #expect(!pair.installed(.a).isEmpty == comesUp && !pair.installed(.b).isEmpty == comesUp,
                "failures: \(pair.failures(.a)) \(pair.failures(.b))")
        let fromA = !Self.fragments(pair, .a).isEmpty, fromB = !Self.fragments(pair, .b).isEmpty
        if comesUp { #expect(fromA && fromB) }
        if a == .no || a == .accept { #expect(!fromA) }
        if b == .no || b == .accept { #expect(!fromB) }
        // A's message 5 always goes: in fragments with `force`, with `yes` only when B announced them.
        if a == .force { #expect(fromA) }
        if a == .yes { #expect(fromA == (b != .no)) }
    }

    @Test("the FRAGMENTATION vendor ID: the initiator sends it unless `no`; the responder only in answer to it")
    func vendorIDs() throws {
        for (a, b, fromA, fromB) in [(FragmentationPolicy.yes, FragmentationPolicy.yes, true, true), (.no, .yes, false, false),
                                     (.accept, .force, true, true), (.yes, .no, true, false), (.force, .accept, true, true)] {
            var (ca, cb) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
            ca.fragmentation = a
            cb.fragmentation = b
            var pair = try EndpointPair(a: ca, b: cb, seed: 3)
            pair.feed(.a, .initiate(peer: ca.name))
            pair.run(seconds: 5) { !$0.installed(.b).isEmpty }
            #expect(!pair.installed(.b).isEmpty)
            #expect(Self.firstVendorIDs(pair, .a).contains(.fragmentation) == fromA, "\(a) vs \(b)")
            #expect(Self.firstVendorIDs(pair, .b).contains(.fragmentation) == fromB, "\(a) vs \(b)")
            #expect(Self.fragments(pair, .a).isEmpty && Self.fragments(pair, .b).isEmpty, "PSK messages fit one datagram")
        }
    }
}
