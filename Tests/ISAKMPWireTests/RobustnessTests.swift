import ISAKMPWire
import Testing
import TestSupport

/// Decoding is total (DESIGN.md): every prefix of every fixture datagram, and
/// seeded random corruptions of each, give a message or a WireError, never a
/// trap or a hang. A trap would crash the test process, so passing means none.
struct RobustnessTests {
    static let datagrams: [[UInt8]] = (try? CaptureFixtures.allDatagrams()) ?? []

    /// Decodes as a receiver would: 4500 payloads may start with the non-ESP marker.
    static func decodeAnything(_ bytes: ArraySlice<UInt8>) -> Bool {
        var body = bytes
        if case .ike(let ike) = UDPEncapsulated.classify(bytes) { body = ike }
        do {
            let m = try ISAKMPMessage.decode(body)
            _ = m.encode()
            return true
        } catch {
            #expect(!error.reason.isEmpty && !error.field.isEmpty)
            return false
        }
    }

    @Test func everyPrefixOfEveryDatagram() {
        #expect(Self.datagrams.count > 300)
        var decoded = 0
        for d in Self.datagrams {
            for n in 0...d.count where Self.decodeAnything(d.prefix(n)) { decoded += 1 }
        }
        #expect(decoded > 0)
    }

    @Test func seededByteFlips() {
        var rng = SeededGenerator(seed: 0x1b2c_3d4e)
        var decodedAfterFlip = 0
        for d in Self.datagrams where !d.isEmpty {
            for _ in 0..<64 {
                var copy = d
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let i = Int(rng.next() % UInt64(copy.count))
                    copy[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
                if Self.decodeAnything(copy[...]) { decodedAfterFlip += 1 }
            }
        }
        #expect(decodedAfterFlip > 0)
    }

    @Test func decodedMessagesReencodeExactlyEvenWhenCorrupted() {
        // Whatever the decoder accepts must re-encode to the same bytes: nothing is silently normalised.
        var rng = SeededGenerator(seed: 7)
        for d in Self.datagrams where d.count > 28 {
            var copy = d
            let i = 28 + Int(rng.next() % UInt64(copy.count - 28))
            copy[i] ^= 0x40
            var body = copy[...]
            if case .ike(let ike) = UDPEncapsulated.classify(body) { body = ike }
            if let m = try? ISAKMPMessage.decode(body) {
                #expect(m.encode() == Array(body))
            }
        }
    }
}
