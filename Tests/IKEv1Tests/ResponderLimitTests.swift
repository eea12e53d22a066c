@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Foundation
import Testing

/// Responder DoS limits (issue 8): floods of Main Mode first messages from spoofed addresses
/// keep the responder's state within ``ResponderLimits`` while a real peer still gets through;
/// a message that fails a cheap check costs no Diffie-Hellman work.
@Suite struct ResponderLimitTests {
    typealias Complete = PairExchangeTests

    /// A Main Mode message 1 a scanner or flooder would send: a valid offer of the responder's
    /// own proposal plus a few others, the NAT-T and DPD vendor IDs.
    static func mainModeFirst(cookie: UInt64) -> [UInt8] {
        let offers = try! IKEProposal.proposals(notation: "aes256-sha256-modp2048,aes128-sha256-modp2048,aes128-sha1-modp2048")
        let transforms = offers.enumerated().map { $0.element.transform(number: UInt8($0.offset + 1)) }
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: transforms)])
        let header = ISAKMPHeader(initiatorCookie: Cookie(cookie), responderCookie: .zero, exchangeType: .mainMode)
        let vids = [KnownVendorID.rfc3947, .dpd].map { Payload.vendorID(VendorIDPayload(data: $0.bytes)) }
        return ISAKMPMessage(header: header, payloads: [.securityAssociation(sa)] + vids).encode()
    }

    /// Spoofed source number `i` of `count`: 10.0.0.0/8 addresses, high ports.
    static func spoofed(_ i: Int, of count: Int) -> SocketAddress {
        let n = i % count
        return SocketAddress(address: [10, UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)],
                             port: UInt16(1024 + i % 60000))
    }

    /// Feeds `total` spoofed first messages to side B at `rate` per second of virtual time (in bursts
    /// every 50 ms) while the pair runs, checking the limits after every burst; `during` runs once,
    /// `startAt` seconds in.
    static func flood(_ pair: inout Pair, total: Int, addresses: Int, rate: Double, startAt: Double,
                      during: (inout Pair) -> Void, check: (IKEv1Endpoint) -> Void) {
        let slice = 0.05
        let perSlice = Int(rate * slice)
        var sent = 0, started = false
        while sent < total {
            let t0 = pair.now
            for k in 0..<min(perSlice, total - sent) {
                let i = sent + k
                pair.feed(.b, .datagram(bytes: mainModeFirst(cookie: 0x1000_0000_0000 &+ UInt64(i)), from: spoofed(i, of: addresses),
                                        to: Pair.addressB))
            }
            sent += min(perSlice, total - sent)
            if !started && t0.milliseconds >= Int64(startAt * 1000) {
                started = true
                during(&pair)
            }
            pair.run(seconds: slice)
            check(pair.b)
        }
    }

    /// Messages and spoofed addresses of the flood: 20,000 from 10,000 by default (the engine handles
    /// about 1,500 first messages a second in a debug build); `IKEV1_FLOOD=full` floods 100,000 from 50,000.
    static var floodSize: (messages: Int, addresses: Int) {
        ProcessInfo.processInfo.environment["IKEV1_FLOOD"] == "full" ? (100_000, 50_000) : (20_000, 10_000)
    }

    /// First messages from spoofed addresses at 2,000 per second: the responder never
    /// holds more than `halfOpen` half-open SAs (nor more than 5 from one address), the bytes it holds
    /// level off once the table is full, nothing is reported per packet, and a real peer that starts in
    /// the middle of the flood establishes Main Mode and Quick Mode. Afterwards every half-open SA expires.
    @Test func spoofedFloodStaysBoundedAndARealPeerGetsThrough() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256-modp2048")
        let limits = ResponderLimits(halfOpen: 500)
        var pair = try Pair(a: a, b: b, seed: 21)
        pair.replace(.b, with: try IKEv1Endpoint(configs: [b], limits: limits))
        pair.recording = false
        var reports: [Failure] = [], failuresA: [Failure] = []
        var maxHalfOpen = 0, maxFromOne = 0, bytesWhenFull: Int?, maxBytes = 0
        pair.onAction = { side, action, _ in
            if case .failed(let f) = action {
                if side == .b { reports.append(f) } else { failuresA.append(f) }
            }
        }
        let floodMessage = Self.mainModeFirst(cookie: 1)
        let (total, addresses) = Self.floodSize
        Self.flood(&pair, total: total, addresses: addresses, rate: 2000, startAt: Double(total) / 4000, during: { pair in
            pair.feed(.a, .initiate(peer: a.name))
        }, check: { b in
            let r = b.resources
            maxHalfOpen = max(maxHalfOpen, r.halfOpen)
            maxFromOne = max(maxFromOne, r.halfOpenFromOneAddress)
            maxBytes = max(maxBytes, r.storedBytes)
            if bytesWhenFull == nil && r.halfOpen == limits.halfOpen { bytesWhenFull = r.storedBytes }
            #expect(r.sessions <= limits.halfOpen + 1)
        })
        #expect(maxHalfOpen == limits.halfOpen)
        #expect(maxFromOne <= limits.halfOpenPerAddress)
        // What one unproven SA holds: its record, its offer, our answer, two digests.
        let perSA = MemoryLayout<ISAKMPSession>.stride + 2 * floodMessage.count + 128
        #expect(maxBytes <= limits.halfOpen * perSA + 16_384, "\(maxBytes) bytes held")
        let full = try #require(bytesWhenFull)
        #expect(maxBytes <= full + full / 10 + 16_384, "held \(full) bytes when the table filled, \(maxBytes) at most")
        #expect(pair.b.counters.evicted >= UInt64(total - limits.halfOpen - 1))
        #expect(reports.isEmpty, "\(reports.prefix(3))")   // evicting an unproven SA is routine, not a failure per packet
        // The real peer, half-way through the flood.
        #expect(pair.a.isakmpSAs.count == 1 && pair.b.isakmpSAs.count == 1, "\(failuresA.prefix(3))")
        #expect(pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
        #expect(pair.a.childSAs.first?.inbound == pair.b.childSAs.first?.outbound)
        // The flood is over: every half-open SA times out.
        pair.run(seconds: limits.halfOpenTimeout + 1)
        #expect(pair.b.resources.halfOpen == 0 && pair.b.resources.sessions == 1)
        #expect(pair.b.counters.halfOpenTimedOut > 0)
    }

    /// A burst of 10,000 first messages from one address (any ports): 5 half-open SAs, the rest
    /// dropped and counted, reported at most once per `dropReportInterval`; another peer is unaffected.
    @Test func burstFromOneAddressIsCappedPerAddress() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 22)
        let limits = ResponderLimits()
        pair.replace(.b, with: try IKEv1Endpoint(configs: [b], limits: limits))
        pair.recording = false
        var reports: [Failure] = []
        pair.onAction = { side, action, _ in
            if side == .b, case .failed(let f) = action { reports.append(f) }
        }
        let attacker: [UInt8] = [198, 51, 100, 66]
        var maxFromOne = 0
        let start = pair.now
        for i in 0..<10_000 {
            pair.inject(Self.mainModeFirst(cookie: 0x2000_0000 &+ UInt64(i)), to: .b,
                        from: SocketAddress(address: attacker, port: UInt16(2000 + i % 50_000)), destination: Pair.addressB,
                        at: start.adding(seconds: Double(i) * 0.002))
            if i == 5_000 { pair.feed(.a, .initiate(peer: a.name)) }
            if i % 100 == 99 {
                pair.run(seconds: 0.2)
                maxFromOne = max(maxFromOne, pair.b.resources.halfOpenFromOneAddress)
            }
        }
        pair.run(seconds: 5)
        #expect(maxFromOne == limits.halfOpenPerAddress)
        #expect(pair.b.counters.dropped[.halfOpenPerAddress] == UInt64(10_000 - limits.halfOpenPerAddress))
        #expect(pair.b.counters.description.hasPrefix("dropped 9995 (halfOpenPerAddress 9995), 0 half-open SAs evicted"))
        // 20 s of flood, one report per 10 s at most, each saying how many it stands for.
        #expect(!reports.isEmpty && reports.count <= 3, "\(reports.count) reports")
        #expect(reports.allSatisfy { $0.error.kind == .limitExceeded })
        #expect(reports.dropFirst().allSatisfy { $0.error.reason.contains("more halfOpenPerAddress drops") })
        #expect(pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
    }

    /// When every half-open SA has proven its address (message 3 arrived), a new first message
    /// cannot evict one: it is dropped and counted.
    @Test func fullTableOfProvenSAsDropsNewcomers() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, _ in a.initialContact = false }
        var pair = try Pair(a: a, b: b, seed: 23)
        pair.replace(.b, with: try IKEv1Endpoint(configs: [b], limits: ResponderLimits(halfOpen: 2)))
        // Message 5 never arrives: both SAs stay half-open at the responder, past message 3.
        pair.tamper = { side, bytes in
            if side == .a, let m = try? ISAKMPMessage.decode(bytes), m.header.exchangeType == .mainMode, m.payloads == nil { bytes = [] }
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 1)
        #expect(pair.b.resources.halfOpen == 2)
        let actions = pair.b.handle(.datagram(bytes: Self.mainModeFirst(cookie: 77), from: Self.spoofed(1, of: 1), to: Pair.addressB),
                                    &pair.envB)
        #expect(pair.b.counters.dropped[.halfOpenTotal] == 1)
        #expect(actions.count == 1 && pair.b.resources.halfOpen == 2 && pair.b.sessionCount == 2)
    }

    /// The peer may have 3 Quick Modes in progress (charon's `max_ikev1_exchanges`): a fourth and
    /// fifth are dropped before any decryption, and get through on retransmission once slots free.
    @Test func quickModesInProgressAreCapped() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Complete.complete(a, b)
        let limits = ResponderLimits()
        #expect(pair.b.limits == limits)
        let sa = try #require(pair.a.isakmpSAs.first).id
        var most = 0
        pair.onDeliver = { _, endpoint in
            if let s = endpoint.sessions[sa] { most = max(most, s.peerQuickModesInProgress) }
        }
        for _ in 0..<5 { pair.feed(.a, .rekeyChild(sa: sa)) }
        pair.run(seconds: 30)
        #expect(most <= limits.quickModesInProgress)
        #expect(pair.b.counters.dropped[.quickModeLimit] == 2)
        #expect(pair.installed(.a).count == 6 && pair.installed(.b).count == 6)
    }

    /// Quick Modes per ISAKMP SA are bounded over its lifetime: past the limit, the peer's Quick Mode is dropped.
    @Test func quickModesPerISAKMPSAAreBounded() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 3)
        pair.replace(.b, with: try IKEv1Endpoint(configs: [b], limits: ResponderLimits(quickModesPerISAKMPSA: 2)))
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 5)
        let sa = try #require(pair.a.isakmpSAs.first).id
        pair.feed(.a, .rekeyChild(sa: sa))
        pair.run(seconds: 5)
        pair.feed(.a, .rekeyChild(sa: sa))
        pair.run(seconds: 90)
        #expect(pair.installed(.b).count == 2)
        #expect(pair.b.counters.dropped[.quickModeLimit] == 5)   // the request and its 4 retransmissions
        #expect(pair.failures(.a).contains { $0.error.kind == .timeout })
    }

    /// Aggressive Mode first messages cost a DH computation each, so they are answered at most at
    /// `aggressiveModePerSecond` (a full bucket to start with); the rest are dropped before any DH.
    @Test func aggressiveModeFirstMessagesAreRateLimited() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", aggressive: true)
        var initiator = try IKEv1Endpoint(configs: [a])
        var envA = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 1))
        guard case .send(let am1)? = initiator.handle(.initiate(peer: a.name), &envA).first else { Issue.record("no AM1"); return }
        var responder = try IKEv1Endpoint(configs: [b], limits: ResponderLimits(aggressiveModePerSecond: 20))
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 2))
        func flood(_ range: Range<Int>) {
            for i in range {
                var bytes = am1.bytes
                bytes.replaceSubrange(0..<8, with: Cookie(0x4000_0000 + UInt64(i)).bytes)
                _ = responder.handle(.datagram(bytes: bytes, from: Self.spoofed(i, of: 1000), to: Pair.addressB), &env)
            }
        }
        flood(0..<100)
        #expect(responder.resources.halfOpen == 20 && responder.counters.dropped[.aggressiveModeRate] == 80)
        env.now = EngineTime(milliseconds: 500)
        flood(100..<130)
        #expect(responder.resources.halfOpen == 30 && responder.counters.dropped[.aggressiveModeRate] == 100)
    }

    /// A datagram over `maxMessageSize` is dropped before its header is read.
    @Test func oversizedMessageIsDropped() throws {
        var endpoint = try IKEv1Endpoint(configs: [try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256").1])
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 1))
        var big = Self.mainModeFirst(cookie: 9)
        big += [UInt8](repeating: 0, count: endpoint.limits.maxMessageSize + 1 - big.count)
        let actions = endpoint.handle(.datagram(bytes: big, from: Pair.addressA, to: Pair.addressB), &env)
        #expect(endpoint.counters.dropped[.tooLarge] == 1 && endpoint.sessionCount == 0)
        guard case .failed(let f)? = actions.first else { Issue.record("no report"); return }
        #expect(f.error.kind == .limitExceeded)
    }

    /// Limits that would let nothing through are refused.
    @Test func unusableLimitsAreRefused() throws {
        let b = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256").1
        #expect(throws: IKEv1Error(.configuration, "")) { try IKEv1Endpoint(configs: [b], limits: ResponderLimits(halfOpen: 0)) }
    }
}

/// An entropy source that counts what it hands out.
struct CountingEntropy: EntropySource {
    var inner = SeededEntropy(seed: 5)
    var draws: [Int] = []
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        draws.append(buffer.count)
        inner.fill(buffer)
    }
}

/// The order of the cheap checks: nothing that fails one reaches Diffie-Hellman.
@Suite struct CheapChecksFirstTests {
    /// A Main Mode first message costs the responder its 8-byte cookie and nothing else: no DH
    /// private value, no nonce (those come only after the initiator echoes the cookie).
    @Test func firstMessageCostsNoDiffieHellman() throws {
        let b = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256").1
        var endpoint = try IKEv1Endpoint(configs: [b])
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: CountingEntropy())
        for i in 0..<50 {
            _ = endpoint.handle(.datagram(bytes: ResponderLimitTests.mainModeFirst(cookie: UInt64(100 + i)),
                                          from: ResponderLimitTests.spoofed(i, of: 50), to: Pair.addressB), &env)
        }
        #expect((env.entropy as! CountingEntropy).draws == [Int](repeating: 8, count: 50))
        #expect(endpoint.resources.halfOpen == 50)
    }

    /// Main Mode message 3 with an invalid KE value (for each kind of group) is refused with
    /// INVALID-KEY-INFORMATION before the responder draws a DH private value or a nonce.
    /// (Curve25519 has no cheap check: an all-zero shared secret shows only after the scalar
    /// multiplication, so there the refusal comes after key generation; SecurityTests covers it.)
    @Test(arguments: ["modp2048", "ecp256", "ecp384", "modp2048s256"])
    func invalidKEIsRefusedBeforeKeyGeneration(group: String) throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-\(group)", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 8)
        pair.envB.entropy = CountingEntropy()
        pair.tamper = { side, bytes in
            guard side == .a, let m = try? ISAKMPMessage.decode(bytes), let payloads = m.payloads,
                  payloads.contains(where: { $0.type == .keyExchange }) else { return }
            bytes = ISAKMPMessage(header: m.header, payloads: payloads.map { p in
                if case .keyExchange(let ke) = p { return .keyExchange(KeyExchangePayload(data: [UInt8](repeating: 0, count: ke.data.count))) }
                return p
            }).encode()
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 2)
        #expect(pair.failures(.b).first?.error.kind == .invalidKey)
        // The responder cookie (8) and the notify's message ID (4): no private value, no nonce.
        #expect((pair.envB.entropy as! CountingEntropy).draws == [8, 4])
        #expect(pair.b.sessionCount == 0 && pair.b.resources.halfOpen == 0)
    }
}
