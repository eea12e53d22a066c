import Testing
import IPsecCrypto
@testable import ESP

/// Anti-replay (RFC 4303 §3.4.3), ICV, padding, length, SPI and lifetime errors: each is a
/// typed error and leaves the SA exactly as it was.
@Suite struct ErrorTests {
    static let gcm = RoundTripTests.Case(encryption: .aesGCM(keyBits: 128, icvLength: 16), integrity: nil)
    static let cbc = RoundTripTests.Case(encryption: .aesCBC(keyBits: 128), integrity: .sha1)

    /// Seals packets with the given sequence numbers.
    static func packets(_ out: ESPOutboundSA, _ sequences: [UInt64]) throws -> [UInt64: [UInt8]] {
        var result: [UInt64: [UInt8]] = [:]
        for s in sequences {
            out.nextSequence = s
            result[s] = try out.seal(RoundTripTests.ipv4Packet(length: 48))
        }
        return result
    }

    struct State: Equatable {
        let top: UInt64, packets: UInt64, bytes: UInt64
        init(_ sa: ESPInboundSA) { top = sa.highestSequenceNumber; packets = sa.packetsProcessed; bytes = sa.bytesProcessed }
    }

    @Test("replay window edges: first packet, window edge, far ahead, too old, duplicate", arguments: [64, 4096])
    func replayEdges(window: Int) throws {
        var entropy = SeededEntropy(seed: 9)
        let key = entropy.bytes(20)
        let out = try ESPOutboundSA(childSA(direction: .outbound, encryption: Self.gcm.encryption, key: key))
        let inbound = try ESPInboundSA(childSA(direction: .inbound, encryption: Self.gcm.encryption, key: key, window: window))
        let w = UInt64(window)
        let far = 10 * w + 5
        let p = try Self.packets(out, [1, 2, far, far - w + 1, far - w, far + 1, 3 * w])

        #expect(try inbound.open(p[1]!).sequence == 1)                       // first packet
        #expect(espError { try inbound.open(p[1]!) } == .replayed(1))        // duplicate
        #expect(try inbound.open(p[far]!).sequence == far)                   // far ahead
        var before = State(inbound)
        #expect(espError { try inbound.open(p[2]!) } == .tooOld(2))          // too old
        #expect(espError { try inbound.open(p[far - w]!) } == .tooOld(far - w))  // just left of the window
        #expect(State(inbound) == before)
        #expect(try inbound.open(p[far - w + 1]!).sequence == far - w + 1)   // oldest in the window
        #expect(espError { try inbound.open(p[far - w + 1]!) } == .replayed(far - w + 1))
        #expect(espError { try inbound.open(p[far]!) } == .replayed(far))
        #expect(try inbound.open(p[far + 1]!).sequence == far + 1)
        before = State(inbound)
        #expect(espError { try inbound.open(p[3 * w]!) } == .tooOld(3 * w))
        #expect(State(inbound) == before)
    }

    @Test("every sequence number in a window accepted once, in any order")
    func windowFill() throws {
        let window = ReplayWindow(size: 4096)
        var order = Array(UInt64(1)...5000)
        var rng = SeededEntropy(seed: 3)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let j = Int(rng.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % UInt32(i + 1))
            order.swapAt(i, j)
        }
        var accepted = 0
        for s in order {
            if (try? window.check(s)) != nil { window.accept(s); accepted += 1 }
            #expect(throws: ESPError.self) { try window.check(s) }
        }
        #expect(window.top == 5000 && accepted >= 4096)
    }

    @Test("ESN inference across a 2^32 wrap, and a replay of the pre-wrap packet")
    func esnWrap() throws {
        let window = ReplayWindow(size: 64)
        window.accept(UInt64(UInt32.max) - 5)
        #expect(window.inferESN(low: 3) == (1 << 32) + 3)              // just past the wrap
        #expect(window.inferESN(low: UInt32.max - 10) == UInt64(UInt32.max) - 10)
        window.accept((1 << 32) + 3)
        #expect(window.inferESN(low: UInt32.max - 2) == UInt64(UInt32.max) - 2)   // late, before the wrap
        #expect(throws: ESPError.replayed((1 << 32) + 3)) { try window.check(window.inferESN(low: 3)) }
        // Left of the window: RFC 4303 A2.2 places it in the next subspace, where the ICV fails.
        #expect(window.inferESN(low: UInt32.max - 70) == (1 << 32) | UInt64(UInt32.max - 70))
    }

    @Test("wrong ICV, bad padding, truncated packet, unknown SPI", arguments: [gcm, cbc])
    func packetErrors(c: RoundTripTests.Case) throws {
        let (out, inbound) = try RoundTripTests.pair(c)
        let good = try out.seal(RoundTripTests.ipv4Packet(length: 64))
        let state = State(inbound)

        var flipped = good; flipped[flipped.count - 1] ^= 1
        #expect(espError { try inbound.open(flipped) } == .authenticationFailed)
        var body = good; body[30] ^= 0x80
        #expect(espError { try inbound.open(body) } == .authenticationFailed)
        #expect(espError { try inbound.open(Array(good.prefix(20))) } == .truncated)
        #expect(espError { try inbound.open(Array(good.dropLast(1))) } != nil)
        var spi = good; spi[0] ^= 0xFF
        #expect(spi.withUnsafeBytes { ESPInboundSA.spi(of: $0) } == 0xFF00_1000)
        #expect([UInt8]([1, 2, 3]).withUnsafeBytes { ESPInboundSA.spi(of: $0) } == nil)
        #expect(espError { try inbound.open(spi) } == .unknownSPI(0xFF00_1000))
        #expect(State(inbound) == state)
        #expect(try inbound.open(good).sequence == 1)
    }

    @Test("padding other than 1, 2, 3… is refused after the ICV verifies")
    func badPadding() throws {
        // NULL encryption + HMAC lets the test write a trailer with wrong padding and a valid ICV.
        let c = RoundTripTests.Case(encryption: .null, integrity: .sha256)
        let (out, inbound) = try RoundTripTests.pair(c, mode: .transport)
        let sealed = try out.seal([1, 2, 3, 4, 5], nextHeader: 17)     // 5 + pad 1 + 2 = 8
        #expect(sealed[8 + 5] == 1 && sealed[8 + 6] == 1)
        var bad = sealed
        bad[8 + 5] = 9
        var entropy = SeededEntropy(seed: 1)
        _ = entropy.bytes(c.encryption.keyingMaterialLength)
        let mac = HMACContext(hash: .sha256, key: entropy.bytes(32))
        let icv = mac.authenticate(Array(bad[0..<16]), length: 16)
        bad.replaceSubrange(16..<32, with: icv)
        let state = State(inbound)
        #expect(espError { try inbound.open(bad) } == .invalidPadding)
        var overlong = sealed
        overlong[8 + 6] = 200
        overlong.replaceSubrange(16..<32, with: mac.authenticate(Array(overlong[0..<16]), length: 16))
        #expect(espError { try inbound.open(overlong) } == .invalidPadding)
        #expect(State(inbound) == state)
        #expect(try inbound.open(sealed).payload == [1, 2, 3, 4, 5])
    }

    @Test("without ESN, sealing stops after sequence number 2^32 - 1")
    func exhaustion() throws {
        let (out, _) = try RoundTripTests.pair(Self.gcm)
        out.nextSequence = UInt64(UInt32.max)
        _ = try out.seal(RoundTripTests.ipv4Packet(length: 40))
        #expect(espError { try out.seal(RoundTripTests.ipv4Packet(length: 40)) } == .sequenceNumberExhausted)
        #expect(out.sequenceNumber == UInt64(UInt32.max) + 1 && out.packetsProcessed == 1)
    }

    @Test("soft lifetime is reported once, hard lifetime stops the SA")
    func lifetimes() throws {
        var entropy = SeededEntropy(seed: 5)
        let key = entropy.bytes(20)
        let limits = LifetimeLimits(softBytes: 150, hardBytes: nil, softPackets: nil, hardPackets: 4)
        let out = try ESPOutboundSA(childSA(direction: .outbound, encryption: Self.gcm.encryption, key: key, lifetime: limits))
        let inner = RoundTripTests.ipv4Packet(length: 60)
        var soft: [Bool] = []
        for _ in 0..<4 {
            var buffer = [UInt8](repeating: 0, count: out.headroom + 60 + out.maximumTailroom)
            buffer.replaceSubrange(out.headroom..<(out.headroom + 60), with: inner)
            let h = out.headroom
            soft.append(try mutating(&buffer) { b throws(ESPError) in try out.seal(b, payload: h..<(h + 60)).softLifetimeReached })
        }
        #expect(soft == [false, false, true, false])
        #expect(espError { try out.seal(inner) } == .lifetimeExpired)
        #expect(out.packetsProcessed == 4 && out.bytesProcessed == 240)
    }

    @Test("not enough headroom or tailroom is a typed error")
    func room() throws {
        let (out, _) = try RoundTripTests.pair(Self.cbc)
        var buffer = [UInt8](repeating: 0x45, count: 100)
        #expect(espError { try mutating(&buffer) { b throws(ESPError) in try out.seal(b, payload: 4..<50) } } == .insufficientRoom)
        #expect(espError { try mutating(&buffer) { b throws(ESPError) in try out.seal(b, payload: 40..<100) } } == .insufficientRoom)
        #expect(out.sequenceNumber == 1)
    }
}
