import Foundation
import Testing
import IPsecCrypto
@testable import ESP

/// ``ESPOutboundSA/sibling()``: one SA sealed from several threads, each with contexts of its own,
/// never reuses a sequence number (RFC 4303 §3.3.3) and counts its lifetime once for all.
@Suite struct SiblingTests {
    @Test("siblings take sequence numbers from one counter and seal what the inbound SA opens",
          arguments: [ErrorTests.gcm, ErrorTests.cbc, RoundTripTests.Case(encryption: .aesCTR(keyBits: 128), integrity: .sha256)])
    func sharedSequence(_ c: RoundTripTests.Case) throws {
        let (first, inbound) = try RoundTripTests.pair(c)
        let second = try first.sibling()
        #expect(second !== first)
        var numbers: [UInt64] = []
        for i in 0..<6 {
            let sa = i % 3 == 0 ? first : second
            let payload = RoundTripTests.ipv4Packet(length: 40 + i)
            let opened = try inbound.open(try sa.seal(payload))
            #expect(opened.payload == payload)
            numbers.append(opened.sequence)
        }
        #expect(numbers == [1, 2, 3, 4, 5, 6])
        #expect(first.sequenceNumber == 7 && second.sequenceNumber == 7)
        #expect(first.packetsProcessed == 6 && second.packetsProcessed == 6)
        #expect(first.bytesProcessed == UInt64((40..<46).reduce(0, +)))
    }

    @Test("CBC siblings draw their IVs from generators of their own")
    func ownIVs() throws {
        let (first, _) = try RoundTripTests.pair(ErrorTests.cbc)
        let second = try first.sibling()
        let payload = RoundTripTests.ipv4Packet(length: 40)
        let a = try first.seal(payload), b = try second.seal(payload)
        #expect(a[8..<24] != b[8..<24], "two siblings produced the same IV")
    }

    @Test("a hard packet limit counts the packets of every sibling")
    func sharedLifetime() throws {
        var entropy = SeededEntropy(seed: 9)
        let key = entropy.bytes(20)
        let limits = LifetimeLimits(softPackets: 2, hardPackets: 3)
        let first = try ESPOutboundSA(childSA(direction: .outbound, encryption: ErrorTests.gcm.encryption, key: key, lifetime: limits))
        let second = try first.sibling()
        let payload = RoundTripTests.ipv4Packet(length: 40)
        var soft: [Bool] = []
        for sa in [first, second, first] {
            var buffer = [UInt8](repeating: 0, count: sa.headroom + 40 + sa.maximumTailroom)
            buffer.replaceSubrange(sa.headroom..<(sa.headroom + 40), with: payload)
            let h = sa.headroom
            soft.append(try mutating(&buffer) { b throws(ESPError) in try sa.seal(b, payload: h..<(h + 40)).softLifetimeReached })
        }
        #expect(soft == [false, true, false])
        #expect(espError { try second.seal(payload) } == .lifetimeExpired)
        #expect(espError { try first.seal(payload) } == .lifetimeExpired)
        #expect(first.sequenceNumber == 4)
    }

    @Test("four threads, each with its own sibling, never take one sequence number twice")
    func threads() throws {
        let (first, _) = try RoundTripTests.pair(ErrorTests.gcm)
        let siblings = try [first] + (1..<4).map { _ throws(ESPError) in try first.sibling() }
        let perThread = 5_000
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var numbers: [UInt64] = []
        }
        let collected = Collected()
        let done = DispatchGroup()
        for sa in siblings {
            nonisolated(unsafe) let sa = sa
            done.enter()
            Thread {
                defer { done.leave() }
                let payload = RoundTripTests.ipv4Packet(length: 64)
                let h = sa.headroom
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: h + 64 + sa.maximumTailroom, alignment: 16)
                defer { buffer.deallocate() }
                var mine: [UInt64] = []
                for _ in 0..<perThread {
                    UnsafeMutableRawBufferPointer(rebasing: buffer[h..<(h + 64)]).copyBytes(from: payload)
                    guard let sealed = try? sa.seal(buffer, payload: h..<(h + 64)) else { continue }
                    mine.append(sealed.sequenceNumber)
                }
                collected.lock.withLock { collected.numbers += mine }
            }.start()
        }
        done.wait()
        let numbers = collected.numbers
        #expect(numbers.count == 4 * perThread)
        #expect(Set(numbers).count == numbers.count, "a sequence number was taken twice")
        #expect(numbers.min() == 1 && numbers.max() == UInt64(4 * perThread))
        #expect(first.packetsProcessed == UInt64(4 * perThread))
    }
}
