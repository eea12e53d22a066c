import IKEv1
import ISAKMPWire
import Testing

/// ``IKEFragmentReassembler``: fragments in any order, duplicates, contradictions, size and
/// count limits, the timeout, and the per-peer and total byte caps under floods.
@Suite struct FragmentReassemblyTests {
    static let peer = SocketAddress(address: [192, 0, 2, 1], port: 500)
    static let t0 = EngineTime(milliseconds: 0)

    /// An encoded Main Mode message of `size` bytes (a VID payload padded out), cookies from `cookie`.
    static func message(cookie: UInt64 = 0x1111, size: Int = 1000) -> [UInt8] {
        let header = ISAKMPHeader(initiatorCookie: Cookie(cookie), responderCookie: Cookie(0x2222), exchangeType: .mainMode)
        let data = (0..<(size - 28 - 4)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        return ISAKMPMessage(header: header, payloads: [.vendorID(VendorIDPayload(data: data))]).encode()
    }

    /// Its fragment messages for 576-byte IPv4 datagrams on port 500 (512 bytes of data each).
    static func fragments(of message: [UInt8], id: UInt16 = 1) throws -> [[UInt8]] {
        try IKEFragmenter.datagrams(for: message, phase1Exchange: .mainMode, maxDatagramSize: 576, nonESPMarker: false, fragmentID: id)
    }

    /// A fragment message built directly (for contradictions the fragmenter never makes).
    static func fragment(cookie: UInt64 = 0x1111, id: UInt16 = 1, number: UInt8, last: Bool = false, data: [UInt8]) -> [UInt8] {
        FragmentMessage(header: ISAKMPHeader(initiatorCookie: Cookie(cookie), responderCookie: Cookie(0x2222), exchangeType: .mainMode),
                        fragment: FragmentPayload(fragmentID: id, number: number, flags: last ? .lastFragment : [], data: data)).encode()
    }

    @Test func fragmentsInAnyOrderWithRepeatsGiveTheMessageOnce() throws {
        let message = Self.message(size: 3000)
        let fragments = try Self.fragments(of: message)
        #expect(fragments.count == 6)
        var r = try IKEFragmentReassembler()
        var outcomes: [IKEFragmentReassembler.Outcome] = []
        for i in [5, 2, 2, 0, 4, 0, 3, 1] { outcomes.append(r.receive(fragments[i], from: Self.peer, now: Self.t0)) }
        #expect(outcomes.last == .complete(message))
        #expect(outcomes.dropLast().allSatisfy { $0 == .incomplete })
        #expect(r.counters.completed == 1 && r.counters.duplicates == 2 && r.counters.dropped.isEmpty)
        #expect(r.partialMessages == 0 && r.storedBytes == 0 && r.nextExpiry == nil)
        // A fragment of it arriving afterwards (a late retransmission) opens a new partial message.
        #expect(r.receive(fragments[0], from: Self.peer, now: Self.t0) == .incomplete)
        #expect(r.partialMessages == 1)
    }

    @Test func aRepeatedNumberWithOtherDataDropsThePartialMessage() throws {
        var r = try IKEFragmentReassembler()
        #expect(r.receive(Self.fragment(number: 1, data: [1, 2, 3]), from: Self.peer, now: Self.t0) == .incomplete)
        #expect(r.receive(Self.fragment(number: 1, data: [1, 2, 4]), from: Self.peer, now: Self.t0) == .dropped(.overlap))
        #expect(r.partialMessages == 0 && r.storedBytes == 0 && r.counters.dropped[.overlap] == 1)
        // The same number and data, once flagged last and once not, contradict each other too.
        _ = r.receive(Self.fragment(number: 2, last: true, data: [9]), from: Self.peer, now: Self.t0)
        #expect(r.receive(Self.fragment(number: 2, data: [9]), from: Self.peer, now: Self.t0) == .dropped(.overlap))
    }

    @Test(arguments: [
        // a second last fragment; a fragment beyond the last; a last one below a fragment held
        ([(UInt8(3), true), (UInt8(4), true)], "second last"),
        ([(UInt8(3), true), (UInt8(4), false)], "beyond the last"),
        ([(UInt8(5), false), (UInt8(3), true)], "last below one held"),
    ])
    func fragmentsThatDisagreeOnTheLastDropThePartialMessage(_ sequence: [(UInt8, Bool)], _ what: String) throws {
        var r = try IKEFragmentReassembler()
        let outcomes = sequence.map { r.receive(Self.fragment(number: $0.0, last: $0.1, data: [$0.0]), from: Self.peer, now: Self.t0) }
        #expect(outcomes == [.incomplete, .dropped(.overlap)], "\(what)")
        #expect(r.partialMessages == 0 && r.storedBytes == 0)
    }

    @Test func fragmentsAddingUpBeyondTheMessageSizeAreDropped() throws {
        var r = try IKEFragmentReassembler(limits: FragmentReassemblyLimits(maxMessageSize: 2000))
        let fragments = try Self.fragments(of: Self.message(size: 2500))
        let outcomes = fragments.map { r.receive($0, from: Self.peer, now: Self.t0) }
        #expect(outcomes.prefix(3).allSatisfy { $0 == .incomplete })
        #expect(outcomes[3] == .dropped(.oversized))
        #expect(r.counters.dropped[.oversized] == 1)
    }

    @Test func aFragmentNumberAboveTheLimitDropsThePartialMessage() throws {
        var r = try IKEFragmentReassembler(limits: FragmentReassemblyLimits(maxFragments: 4))
        #expect(r.receive(Self.fragment(number: 1, data: [1]), from: Self.peer, now: Self.t0) == .incomplete)
        #expect(r.receive(Self.fragment(number: 5, last: true, data: [5]), from: Self.peer, now: Self.t0) == .dropped(.tooManyFragments))
        #expect(r.partialMessages == 0 && r.counters.dropped[.tooManyFragments] == 1)
    }

    @Test func datagramsThatAreNoFragmentMessagesAreMalformed() throws {
        var r = try IKEFragmentReassembler()
        var zero = Self.fragment(number: 1, data: [1])
        zero[34] = 0
        for bytes in [Array(zero.prefix(20)), zero, Self.message(size: 100)] {
            #expect(r.receive(bytes, from: Self.peer, now: Self.t0) == .dropped(.malformed))
        }
        #expect(r.counters.dropped[.malformed] == 3 && r.partialMessages == 0)
    }

    @Test func fragmentsThatMakeNoMessageOfTheirSAAreRefused() throws {
        var r = try IKEFragmentReassembler()
        // Another SA's message in fragments of this one's cookies; then bytes that are no header at all.
        let other = try Self.fragments(of: Self.message(cookie: 0x9999, size: 1200)).map {
            var f = try FragmentMessage.decode($0)
            f.header.initiatorCookie = Cookie(0x1111)
            return f.encode()
        }
        let outcomes = other.map { r.receive($0, from: Self.peer, now: Self.t0) }
        #expect(outcomes.last == .dropped(.invalidMessage))
        #expect(r.receive(Self.fragment(number: 1, last: true, data: [1, 2, 3]), from: Self.peer, now: Self.t0) == .dropped(.invalidMessage))
        #expect(r.counters.dropped[.invalidMessage] == 2 && r.counters.completed == 0)
    }

    @Test func partialMessagesAreKeptApartByPeerCookieAndFragmentID() throws {
        var r = try IKEFragmentReassembler()
        let a = Self.message(cookie: 0x1111, size: 1200), b = Self.message(cookie: 0x3333, size: 1200)
        let fa = try Self.fragments(of: a), fb = try Self.fragments(of: b), fc = try Self.fragments(of: a, id: 7)
        let other = SocketAddress(address: [192, 0, 2, 9], port: 500)
        for i in 0..<2 {
            for (f, from) in [(fa, Self.peer), (fb, Self.peer), (fc, Self.peer), (fa, other)] {
                #expect(r.receive(f[i], from: from, now: Self.t0) == .incomplete)
            }
        }
        #expect(r.partialMessages == 4)
        #expect(r.receive(fa[2], from: other, now: Self.t0) == .complete(a))
        #expect(r.receive(fc[2], from: Self.peer, now: Self.t0) == .complete(a))
        #expect(r.receive(fb[2], from: Self.peer, now: Self.t0) == .complete(b))
        #expect(r.receive(fa[2], from: Self.peer, now: Self.t0) == .complete(a))
    }

    @Test func partialMessagesTimeOut() throws {
        var r = try IKEFragmentReassembler(limits: FragmentReassemblyLimits(timeout: 30))
        let fragments = try Self.fragments(of: Self.message(size: 1200))
        _ = r.receive(fragments[0], from: Self.peer, now: Self.t0)
        _ = r.receive(fragments[1], from: Self.peer, now: EngineTime(milliseconds: 20_000))
        #expect(r.nextExpiry == EngineTime(milliseconds: 30_000))
        r.expire(now: EngineTime(milliseconds: 29_999))
        #expect(r.partialMessages == 1)
        r.expire(now: EngineTime(milliseconds: 30_000))
        #expect(r.partialMessages == 0 && r.storedBytes == 0 && r.counters.dropped[.timedOut] == 1 && r.nextExpiry == nil)
        // The last fragment, late, starts over rather than completing the expired message.
        #expect(r.receive(fragments[2], from: Self.peer, now: EngineTime(milliseconds: 31_000)) == .incomplete)
    }

    @Test func onePeerCannotHoldMoreThanItsShare() throws {
        let limits = FragmentReassemblyLimits()
        var r = try IKEFragmentReassembler(limits: limits)
        let other = SocketAddress(address: [198, 51, 100, 7], port: 500)
        let kept = try Self.fragments(of: Self.message(cookie: 1, size: 3000))
        _ = r.receive(kept[0], from: other, now: Self.t0)
        // The flooding peer opens partial messages of 1000 bytes (first fragments only) under ever new cookies.
        for cookie in UInt64(100)..<UInt64(400) {
            _ = r.receive(try Self.fragments(of: Self.message(cookie: cookie, size: 4000))[0], from: Self.peer, now: Self.t0)
            #expect(r.storedBytes(from: Self.peer.address) <= limits.bytesPerPeer)
        }
        #expect(r.counters.dropped[.evicted, default: 0] > 200)
        // The other peer's message was not touched and completes.
        let outcomes = kept.dropFirst().map { r.receive($0, from: other, now: Self.t0) }
        #expect(outcomes.last == .complete(Self.message(cookie: 1, size: 3000)))
    }

    /// A flood of first fragments from 60,000 addresses: the bytes held never pass the total
    /// cap, and a real peer whose fragments arrive back to back still gets its message through.
    @Test func aFloodOfPartialMessagesFromManyAddressesStaysWithinTheCap() throws {
        let limits = FragmentReassemblyLimits(totalBytes: 1 << 20)
        var r = try IKEFragmentReassembler(limits: limits)
        let bait = try Self.fragments(of: Self.message(cookie: 0xf00d, size: 2000))[0]
        let real = Self.message(cookie: 0xbeef, size: 3000)
        let realFragments = try Self.fragments(of: real)
        var most = 0, completed = 0
        for i in 0..<60_000 {
            let from = SocketAddress(address: [10, UInt8(i >> 16 & 0xff), UInt8(i >> 8 & 0xff), UInt8(i & 0xff)], port: 500)
            let now = EngineTime(milliseconds: Int64(i / 10))
            _ = r.receive(bait, from: from, now: now)
            most = max(most, r.storedBytes)
            if i % 15_000 == 7_500 {
                for f in realFragments {
                    if case .complete(let m) = r.receive(f, from: Self.peer, now: now), m == real { completed += 1 }
                }
            }
        }
        #expect(most <= limits.totalBytes)
        #expect(r.partialMessages <= limits.totalBytes / (FragmentReassemblyLimits.bytesPerMessage + FragmentReassemblyLimits.bytesPerFragment))
        #expect(completed == 4)
        #expect(r.counters.dropped[.evicted, default: 0] > 55_000)
    }

    @Test func limitsThatCannotHoldOneWholeMessageAreRefused() {
        for limits in [FragmentReassemblyLimits(bytesPerPeer: 10_000), FragmentReassemblyLimits(bytesPerPeer: 40_000, totalBytes: 39_000),
                       FragmentReassemblyLimits(maxFragments: 0), FragmentReassemblyLimits(timeout: 0)] {
            #expect(throws: IKEv1Error(.configuration, "")) { try IKEFragmentReassembler(limits: limits) }
        }
    }
}
