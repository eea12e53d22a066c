import Foundation
@testable import IKEv1
import IPsecCrypto
@testable import IPsecNode
import ISAKMPWire
import Testing

/// Several data threads seal into one SA (one TUN queue each, flows spread by the kernel): every
/// ESP sequence number is used once (RFC 4303 §3.3.3), whatever the interleaving.
struct DataThreadTests {
    @Test func twoThreadsSealingIntoOneSANeverReuseASequenceNumber() throws {
        let key = ChildSAKeys(spi: 0x1000, encryptionKey: SecretBytes([UInt8](repeating: 7, count: 20)), integrityKey: SecretBytes([]))
        let child = IKEv1.ChildSA(isakmpSA: .zero, messageID: 1, ipsecProtocol: .esp,
                                  proposal: try ChildProposal.proposals(notation: "aes128gcm16")[0], mode: .tunnel,
                                  udpEncapsulated: false, local: SocketAddress(address: [127, 0, 0, 1], port: 500),
                                  remote: SocketAddress(address: [127, 0, 0, 2], port: 500),
                                  localTrafficSelector: SelectorTests.ours, remoteTrafficSelector: SelectorTests.theirs,
                                  inbound: key, outbound: ChildSAKeys(spi: 0x2000, encryptionKey: key.encryptionKey, integrityKey: key.integrityKey),
                                  lifetime: Lifetime(seconds: 3600), installed: EngineTime(milliseconds: 0), peerOriginalAddress: nil)
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
                var mine: [UInt32] = []
                mine.reserveCapacity(perThread)
                for _ in 0..<perThread {
                    UnsafeMutableRawBufferPointer(rebasing: buffer[128..<(128 + packet.count)]).copyBytes(from: packet)
                    guard case .send(let sealed, _) = database.seal(buffer, packet: 128..<(128 + packet.count)) else { continue }
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
}
