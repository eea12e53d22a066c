import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing
import TestSupport

/// Bad fragment sets sent to an endpoint with an established ISAKMP SA: each is dropped and
/// counted, the SA goes on, and under a flood of partial sets the bytes held stay within
/// ``FragmentReassemblyLimits``.
@Suite struct FragmentationBadInputTests {
    /// An established PSK pair; returns it with the ISAKMP SA's cookies.
    static func established(limits: ResponderLimits = ResponderLimits()) throws -> (EndpointPair, Cookie, Cookie) {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try EndpointPair(a: a, b: b, seed: 7)
        pair.replace(.b, with: try IKEv1Endpoint(configs: [b], limits: limits))
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
        let info = try #require(pair.b.isakmpSAs.first)
        return (pair, info.id, info.cookieR)
    }

    static func fragment(_ ic: Cookie, _ rc: Cookie, id: UInt16 = 1, number: UInt8, last: Bool = false, data: [UInt8]) -> [UInt8] {
        FragmentMessage(header: ISAKMPHeader(initiatorCookie: ic, responderCookie: rc, exchangeType: .mainMode),
                        fragment: FragmentPayload(fragmentID: id, number: number, flags: last ? .lastFragment : [], data: data)).encode()
    }

    static func send(_ pair: inout EndpointPair, _ bytes: [UInt8], from: SocketAddress = EndpointPair.addressA) {
        pair.inject(bytes, to: .b, from: from, destination: EndpointPair.addressB, at: pair.now)
        pair.run(seconds: 0.001)
    }

    @Test("duplicate, overlapping, oversized, never-completed and unknown-SA fragments are dropped and counted; the SA goes on")
    func badSets() throws {
        var (pair, ic, rc) = try Self.established()
        let sessions = pair.b.sessionCount
        let data = [UInt8](repeating: 0xAB, count: 200)

        // Duplicate: the same fragment twice is held once.
        Self.send(&pair, Self.fragment(ic, rc, id: 1, number: 1, data: data))
        Self.send(&pair, Self.fragment(ic, rc, id: 1, number: 1, data: data))
        #expect(pair.b.fragmentCounters.duplicates == 1)
        // Overlap: fragment 1 again with other data drops the partial message.
        Self.send(&pair, Self.fragment(ic, rc, id: 1, number: 1, data: [UInt8](repeating: 0xCD, count: 200)))
        #expect(pair.b.fragmentCounters.dropped[.overlap] == 1)
        // A second last fragment, and one beyond the last: overlap as well.
        Self.send(&pair, Self.fragment(ic, rc, id: 2, number: 3, last: true, data: data))
        Self.send(&pair, Self.fragment(ic, rc, id: 2, number: 4, data: data))
        #expect(pair.b.fragmentCounters.dropped[.overlap] == 2)
        // Oversized: three 4000-byte fragments exceed the 10000-byte message limit.
        for n in UInt8(1)...3 { Self.send(&pair, Self.fragment(ic, rc, id: 3, number: n, data: [UInt8](repeating: n, count: 4000))) }
        #expect(pair.b.fragmentCounters.dropped[.oversized] == 1)
        // A number above the fragment limit (64).
        Self.send(&pair, Self.fragment(ic, rc, id: 4, number: 200, data: data))
        #expect(pair.b.fragmentCounters.dropped[.tooManyFragments] == 1)
        // Complete, but not an ISAKMP message of this SA.
        Self.send(&pair, Self.fragment(ic, rc, id: 5, number: 1, last: true, data: data))
        #expect(pair.b.fragmentCounters.dropped[.invalidMessage] == 1)
        // Never completed: fragment 1 of at least 2; the reassembly timer removes it after 30 s.
        Self.send(&pair, Self.fragment(ic, rc, id: 6, number: 1, data: data))
        #expect(pair.b.fragmentBytesHeld > 0)
        #expect(pair.timers[.b]?[TimerID(sa: .zero, kind: .fragmentReassembly)] != nil)
        pair.run(seconds: 31)
        #expect(pair.b.fragmentCounters.dropped[.timedOut] == 1)
        #expect(pair.b.fragmentBytesHeld == 0)
        #expect(pair.timers[.b]?[TimerID(sa: .zero, kind: .fragmentReassembly)] == nil)
        // Unknown SA: not even held.
        Self.send(&pair, Self.fragment(Cookie(0x1234), Cookie(0x5678), number: 1, data: data))
        Self.send(&pair, Self.fragment(ic, Cookie(0x5678), number: 1, data: data))
        #expect(pair.b.counters.dropped[.unknownSA] == 2)
        #expect(pair.b.fragmentBytesHeld == 0)

        #expect(pair.b.fragmentCounters.completed == 0)
        #expect(pair.b.counters.dropped[.fragment] == 5, "\(pair.b.counters)")
        #expect(pair.b.sessionCount == sessions && pair.b.isakmpSAs.count == 1)
        // The SA still works: a Quick Mode rekey completes.
        pair.feed(.a, .rekeyChild(sa: ic))
        pair.run(seconds: 5) { $0.installed(.b).count == 2 }
        #expect(pair.installed(.b).count == 2)
    }

    @Test("a flood of partial sets from many addresses stays within the per-peer and total byte limits")
    func floodOfPartialSets() throws {
        let fragments = FragmentReassemblyLimits(bytesPerPeer: FragmentReassemblyLimits().largestMessageCharge, totalBytes: 64 << 10)
        var (pair, ic, rc) = try Self.established(limits: ResponderLimits(fragments: fragments))
        pair.recording = false
        let data = [UInt8](repeating: 0x5A, count: 1000)
        var most = 0
        for i in 0..<200 {   // one address: its own limit
            Self.send(&pair, Self.fragment(ic, rc, id: UInt16(i), number: 1, data: data))
            most = max(most, pair.b.fragmentBytesHeld)
        }
        #expect(most <= fragments.bytesPerPeer, "one peer held \(most) bytes")
        for i in 200..<3000 {
            let from = SocketAddress(address: [198, 18, UInt8(i % 50), 1], port: 500)
            Self.send(&pair, Self.fragment(ic, rc, id: UInt16(i), number: 1, data: data), from: from)
            most = max(most, pair.b.fragmentBytesHeld)
        }
        #expect(most <= fragments.totalBytes && most > fragments.totalBytes / 2, "held at most \(most) bytes")
        #expect((pair.b.fragmentCounters.dropped[.evicted] ?? 0) > 2500, "\(pair.b.fragmentCounters)")
        pair.run(seconds: 31)
        #expect(pair.b.fragmentBytesHeld == 0)
        #expect(pair.b.isakmpSAs.count == 1)
    }
}
