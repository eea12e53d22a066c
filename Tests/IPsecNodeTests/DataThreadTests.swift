import Foundation
@testable import IKEv1
import IPsecCrypto
@testable import IPsecNode
import ISAKMPWire
import Testing

/// Several data threads seal into one SA (one TUN queue each, flows spread by the kernel): every
/// ESP sequence number is used once (RFC 4303 §3.3.3), whatever the interleaving.
struct DataThreadTests {
    static func child(outboundSPI: UInt32 = 0x2000, inboundSPI: UInt32 = 0x1000, ah: Bool = false,
                      theirs: TrafficSelector = SelectorTests.theirs) throws -> IKEv1.ChildSA {
        let key = ah ? ChildSAKeys(spi: inboundSPI, encryptionKey: SecretBytes([]), integrityKey: SecretBytes([UInt8](repeating: 7, count: 32)))
                     : ChildSAKeys(spi: inboundSPI, encryptionKey: SecretBytes([UInt8](repeating: 7, count: 20)), integrityKey: SecretBytes([]))
        return IKEv1.ChildSA(isakmpSA: .zero, messageID: 1, ipsecProtocol: ah ? .ah : .esp,
                             proposal: try ChildProposal.proposals(notation: ah ? "ah-sha256" : "aes128gcm16")[0], mode: .tunnel,
                             udpEncapsulated: false, local: SocketAddress(address: [127, 0, 0, 1], port: 500),
                             remote: SocketAddress(address: [127, 0, 0, 2], port: 500),
                             localTrafficSelector: SelectorTests.ours, remoteTrafficSelector: theirs,
                             inbound: key, outbound: ChildSAKeys(spi: outboundSPI, encryptionKey: key.encryptionKey, integrityKey: key.integrityKey),
                             lifetime: Lifetime(seconds: 3600), installed: EngineTime(milliseconds: 0), peerOriginalAddress: nil)
    }

    @Test func twoThreadsSealingIntoOneSANeverReuseASequenceNumber() throws {
        let child = try Self.child()
        let database = SADatabase()
        var entropy = SystemEntropy()
        try database.install(child, entropy: &entropy)
        let perThread = 20_000
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var numbers: [UInt32] = []
        }
        let collected = Collected()
        let done = DispatchGroup()
        for thread in 0..<2 {
            done.enter()
            Thread {
                defer { done.leave() }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                defer { buffer.deallocate() }
                let packet = SelectorTests.ipv4([198, 51, 100, UInt8(1 + thread)], [203, 0, 113, 1], proto: 17, ports: (1000, 2000))
                let sealer = Sealer(database)
                var mine: [UInt32] = []
                mine.reserveCapacity(perThread)
                for _ in 0..<perThread {
                    UnsafeMutableRawBufferPointer(rebasing: buffer[128..<(128 + packet.count)]).copyBytes(from: packet)
                    guard case .send(let sealed, _) = sealer.seal(buffer, packet: 128..<(128 + packet.count)) else { continue }
                    mine.append(UnsafeRawPointer(buffer.baseAddress!).loadBigEndian32(at: sealed.lowerBound + 4))
                }
                collected.lock.withLock { collected.numbers += mine }
            }.start()
        }
        done.wait()
        let sequenceNumbers = collected.numbers
        #expect(sequenceNumbers.count == 2 * perThread)
        #expect(Set(sequenceNumbers).count == sequenceNumbers.count, "a sequence number was used twice")
        #expect(sequenceNumbers.min() == 1 && sequenceNumbers.max() == UInt32(2 * perThread))
    }

    /// A data thread's sealer made before an SA was installed picks it up on its next packet, as it
    /// does a new destination and a removal; every packet goes out under the SA's SPI.
    @Test func aSealerFollowsInstallsMovesAndRemovals() throws {
        let database = SADatabase()
        let sealer = Sealer(database)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        let packet = SelectorTests.ipv4([198, 51, 100, 1], [203, 0, 113, 1], proto: 17, ports: (1000, 2000))
        func seal() -> SADatabase.Sealed {
            UnsafeMutableRawBufferPointer(rebasing: buffer[128..<(128 + packet.count)]).copyBytes(from: packet)
            return sealer.seal(buffer, packet: 128..<(128 + packet.count))
        }
        #expect(seal() == .noSA)
        var entropy = SystemEntropy()
        try database.install(try Self.child(), entropy: &entropy)
        guard case .send(let first, let destination) = seal() else { Issue.record("not sealed after install"); return }
        #expect(UnsafeRawPointer(buffer.baseAddress!).loadBigEndian32(at: first.lowerBound) == 0x2000)
        #expect(destination.peer == SocketAddress(address: [127, 0, 0, 2], port: 500) && destination.carrier == .rawESP)
        let moved = SocketAddress(address: [127, 0, 0, 3], port: 4500)
        database.peerMoved(from: destination.peer, to: moved)
        guard case .send(_, let after) = seal() else { Issue.record("not sealed after the move"); return }
        #expect(after.peer == moved)
        // A rekey: the new SA (a new outbound SPI) wins at once, the old one is then removed.
        try database.install(try Self.child(outboundSPI: 0x2001, inboundSPI: 0x1001), entropy: &entropy)
        guard case .send(let rekeyed, _) = seal() else { Issue.record("not sealed after the rekey"); return }
        #expect(UnsafeRawPointer(buffer.baseAddress!).loadBigEndian32(at: rekeyed.lowerBound) == 0x2001)
        let idle = Sealer(database)
        idle.followChanges()
        #expect(idle.held == 2 && sealer.held == 2)
        database.remove(inboundSPI: 0x1001, outboundSPI: 0x2001)
        database.remove(inboundSPI: 0x1000, outboundSPI: 0x2000)
        // A sealer with nothing to seal lets go of the removed SAs when its thread wakes.
        idle.followChanges()
        #expect(idle.held == 0)
        #expect(seal() == .noSA)
        #expect(sealer.held == 0)
        #expect(database.dropCounters.noOutboundSA == 2)
        #expect(database.counters(inboundSPI: 0x1000) == nil)
    }

    /// A sealer remembers the last flow's SA, so each packet must still find its own: flows to
    /// three SAs alternate (one SA only for UDP port 53 in another's network, so that the ports
    /// decide), and a packet no SA covers comes between them.
    @Test func alternatingFlowsEachFindTheirOwnSA() throws {
        let database = SADatabase()
        var entropy = SystemEntropy()
        try database.install(try Self.child(), entropy: &entropy)
        try database.install(try Self.child(outboundSPI: 0x3000, inboundSPI: 0x1001,
                                            theirs: try TrafficSelector(notation: "192.0.2.0/24")), entropy: &entropy)
        try database.install(try Self.child(outboundSPI: 0x4000, inboundSPI: 0x1002,
                                            theirs: try TrafficSelector(notation: "203.0.113.0/24[udp/53]")), entropy: &entropy)
        let sealer = Sealer(database)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        func spi(to destination: [UInt8], port: UInt16) -> UInt32? {
            let packet = SelectorTests.ipv4([198, 51, 100, 1], destination, proto: 17, ports: (1000, port))
            UnsafeMutableRawBufferPointer(rebasing: buffer[128..<(128 + packet.count)]).copyBytes(from: packet)
            guard case .send(let sealed, _) = sealer.seal(buffer, packet: 128..<(128 + packet.count)) else { return nil }
            return UnsafeRawPointer(buffer.baseAddress!).loadBigEndian32(at: sealed.lowerBound)
        }
        for port: UInt16 in [2000, 2000, 2001] {
            #expect(spi(to: [203, 0, 113, 1], port: port) == 0x2000)
            #expect(spi(to: [203, 0, 113, 1], port: 53) == 0x4000)
            #expect(spi(to: [203, 0, 113, 1], port: port) == 0x2000)
            #expect(spi(to: [192, 0, 2, 9], port: port) == 0x3000)
            #expect(spi(to: [192, 0, 2, 9], port: port) == 0x3000)
            #expect(spi(to: [10, 0, 0, 1], port: port) == nil)
            #expect(spi(to: [203, 0, 113, 1], port: 53) == 0x4000)
        }
        #expect(database.dropCounters.noOutboundSA == 3)
    }

    /// AH is sealed with the database's own SA under its lock: whichever sealer a packet goes
    /// through, the AH sequence number and the outer IPv4 identification count on (RFC 4302 §3.3.3).
    @Test func ahCountsOnAcrossSealers() throws {
        let database = SADatabase()
        var entropy = SystemEntropy()
        try database.install(try Self.child(ah: true), entropy: &entropy)
        let sealers = [Sealer(database), Sealer(database)]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        let packet = SelectorTests.ipv4([198, 51, 100, 1], [203, 0, 113, 1], proto: 17, ports: (1000, 2000))
        var numbers: [UInt32] = [], identifications: [UInt16] = []
        for i in 0..<4 {
            UnsafeMutableRawBufferPointer(rebasing: buffer[128..<(128 + packet.count)]).copyBytes(from: packet)
            guard case .send(let sealed, let destination) = sealers[i % 2].seal(buffer, packet: 128..<(128 + packet.count)) else {
                Issue.record("AH packet \(i) not sealed")
                return
            }
            #expect(destination.carrier == .rawAH)
            let outer = UnsafeRawPointer(buffer.baseAddress!) + sealed.lowerBound
            #expect(outer.load(as: UInt8.self) == 0x45 && outer.load(fromByteOffset: 9, as: UInt8.self) == 51)
            identifications.append(UInt16(outer.load(fromByteOffset: 4, as: UInt8.self)) << 8 | UInt16(outer.load(fromByteOffset: 5, as: UInt8.self)))
            #expect(outer.loadBigEndian32(at: 24) == 0x2000)
            numbers.append(outer.loadBigEndian32(at: 28))
        }
        #expect(numbers == [1, 2, 3, 4])
        #expect(identifications == [1, 2, 3, 4])
    }
}
