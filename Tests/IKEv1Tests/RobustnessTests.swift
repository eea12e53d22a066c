@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Mutated, truncated and re-ordered real messages never trap the engine, never install an
/// SA, and leave an established SA established.
@Suite struct RobustnessTests {
    typealias Complete = PairExchangeTests

    /// Every datagram of a seeded exchange (each taken at the state that expects it),
    /// with random byte flips, truncations and extensions, fed to copies of the receiver.
    @Test(arguments: [false, true])
    func mutatedMessages(aggressive: Bool) throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256-modp2048", aggressive: aggressive)
        var pair = try Pair(a: a, b: b, seed: 11)
        var rng = SeededEntropy(seed: 99)
        var checked = 0
        pair.onDeliver = { delivery, receiver in
            for round in 0..<40 {
                var bytes = delivery.bytes
                let r = rng.bytes(4)
                let position = (Int(r[0]) << 8 | Int(r[1])) % bytes.count
                switch round % 4 {
                case 0, 1: bytes[position] ^= r[2] | 1
                case 2: bytes = Array(bytes.prefix(position))
                default: bytes += rng.bytes(Int(r[0] % 40) + 1)
                }
                var copy = receiver
                var env = Environment(now: delivery.at, entropy: SeededEntropy(seed: UInt64(round)))
                let before = copy.childSAs.count
                let actions = copy.handle(.datagram(bytes: bytes, from: delivery.from, to: delivery.destination), &env)
                #expect(copy.childSAs.count <= before + 1)
                #expect(!actions.contains { if case .installChildSA = $0 { bytes != delivery.bytes } else { false } }
                        || bytes.count > delivery.bytes.count)   // trailing bytes after the declared length are ignored
                checked += 1
            }
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        Complete.expectMatchingChildren(pair)
        #expect(checked >= 40 * 6)
    }
}
