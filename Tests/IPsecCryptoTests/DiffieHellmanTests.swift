import Foundation
@testable import IPsecCrypto
import Testing
import TestSupport

/// Diffie-Hellman groups: known answers, agreement for every group, and
/// RFC 6989 validation of peer public values.
@Suite struct DiffieHellmanTests {
    /// Fixtures/misc/dh-known-answers.json (copied from shared/fixtures/public/misc):
    /// group 2 from RUB-NDS IPsec-StateMachineExtractor, group 14 from Openswan.
    @Test func knownAnswersForGroups2And14() throws {
        let json = try Fixtures.json("misc/dh-known-answers.json")
        let vectors = json.objects("vectors")
        #expect(vectors.count == 2)
        for v in vectors {
            let group = DHGroup(id: UInt16(v["group"] as! Int))!
            let pair = try DHKeyPair(group: group, privateKey: SecretBytes(v.bytes("private_x")))
            let publicKey = v["public_y"] != nil ? v.bytes("public_y") : v.bytes("public_gi")
            let peer = v["peer_public"] != nil ? v.bytes("peer_public") : v.bytes("peer_public_gr")
            let shared = v.keys.first { $0.hasPrefix("shared_secret") }.map { v.bytes($0) }
            #expect(pair.publicValue == publicKey, "group \(group.id) public value")
            #expect(try pair.sharedSecret(peer: peer).bytes == shared, "group \(group.id) shared secret, left-padded")
            if let p = v["p"] as? String { #expect(group.modpPrime == hex(p)) }
        }
    }

    /// RFC 5903 §8.1 (256-bit random ECP group) test vector.
    @Test func rfc5903ECP256Vector() throws {
        let i = try DHKeyPair(group: .ecp256, privateKey: SecretBytes(hex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433")))
        let gi = hex("DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
                     + "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3")
        let gr = hex("D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
                     + "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB")
        #expect(i.publicValue == gi)
        #expect(try i.sharedSecret(peer: gr).bytes == hex("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"))
    }

    /// The ECP operations share scratch between threads (a pool): many threads at once still get
    /// RFC 5903's answer and agreeing pairs, and scratch back in the pool holds no scalar or secret.
    /// A pool of its own, so that no other test's operation is under way when it is inspected.
    @Test func ecpScratchIsSharedSafelyAndWiped() throws {
        let math = try ECPGroupMath(.ecp256)
        let i = SecretBytes(hex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"))
        let expected = hex("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE")
        let gr = hex("D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
                     + "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB")
        let failures = FailureCount()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            var entropy = SeededEntropy(seed: UInt64(t + 1))
            for _ in 0..<25 {
                do {
                    let (a, ga) = try math.generate(entropy: &entropy), b = try math.generate(entropy: &entropy).privateKey
                    let gb = try math.publicValue(privateKey: b)
                    try math.validate(peer: gb)
                    guard try math.sharedSecret(privateKey: i, peer: gr).bytes == expected,
                          try math.sharedSecret(privateKey: a, peer: gb) == math.sharedSecret(privateKey: b, peer: ga) else {
                        failures.add()
                        continue
                    }
                } catch {
                    failures.add()
                }
            }
        }
        #expect(failures.value == 0)
        let idle = math.idleScratch
        #expect(!idle.isEmpty && idle.count <= 8)
        for s in idle {
            #expect(s.k.byteCount == 0 && s.x.byteCount == 0 && s.y.byteCount == 0)
            #expect(math.isGenerator(s.product), "the product of the last derivation is overwritten")
        }
    }

    /// RFC 7748 §6.1 X25519 key pairs.
    @Test func rfc7748X25519Vector() throws {
        let alice = try DHKeyPair(group: .curve25519, privateKey: SecretBytes(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")))
        let bob = try DHKeyPair(group: .curve25519, privateKey: SecretBytes(hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")))
        #expect(alice.publicValue == hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        #expect(bob.publicValue == hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
        #expect(try alice.sharedSecret(peer: bob.publicValue) == bob.sharedSecret(peer: alice.publicValue))
    }

    /// strongSwan's real KE payloads (Fixtures/captures/strongswan/*/keys.json) pass validation.
    @Test(arguments: try nonEmpty(Fixtures.strongSwanScenarios()))
    func strongSwanPublicValuesValidate(folder: String) throws {
        let keys = try Fixtures.json("captures/strongswan/\(folder)/keys.json")
        let p1 = keys.object("phase1")
        let chosen = p1.string("proposal_chosen")
        let group: DHGroup = chosen.contains("ECP_384") ? .ecp384 : chosen.contains("MODP_1024") ? .modp1024 : .modp2048
        try group.validatePublicValue(p1.bytes("g_xi"))
        try group.validatePublicValue(p1.bytes("g_xr"))
        #expect(p1.bytes("g_xy").count == group.sharedSecretLength)
    }

    @Test(arguments: try nonEmpty(DHGroup.all))
    func seededPeersAgreeWithPaddedLengths(group: DHGroup) throws {
        var e1 = SeededEntropy(seed: UInt64(group.id)), e2 = SeededEntropy(seed: 1000 + UInt64(group.id))
        let a = try DHKeyPair.generate(group: group, entropy: &e1)
        let b = try DHKeyPair.generate(group: group, entropy: &e2)
        #expect(a.publicValue.count == group.publicValueLength)
        let s1 = try a.sharedSecret(peer: b.publicValue), s2 = try b.sharedSecret(peer: a.publicValue)
        #expect(s1 == s2)
        #expect(s1.count == group.sharedSecretLength)
        var again = SeededEntropy(seed: UInt64(group.id))
        #expect(try DHKeyPair.generate(group: group, entropy: &again).publicValue == a.publicValue, "seeded runs reproduce")
        #expect(DHGroup(id: group.id) == group)
    }

    static func bigEndian(_ value: [UInt8], adding delta: Int) -> [UInt8] {
        var out = value
        var carry = delta
        var i = out.count - 1
        while carry != 0 && i >= 0 {
            let sum = Int(out[i]) + carry
            out[i] = UInt8(truncatingIfNeeded: sum)
            carry = sum >> 8
            i -= 1
        }
        return out
    }

    /// RFC 6989: every group refuses bad public values with `invalidPublicValue`.
    @Test(arguments: try nonEmpty(DHGroup.all))
    func invalidPublicValuesAreRefused(group: DHGroup) throws {
        var entropy = SeededEntropy(seed: 7)
        let mine = try DHKeyPair.generate(group: group, entropy: &entropy)
        let n = group.publicValueLength
        var bad: [(String, [UInt8])] = [
            ("too short", [UInt8](repeating: 1, count: n - 1)),
            ("too long", [UInt8](repeating: 1, count: n + 1)),
            ("empty", []),
        ]
        if let p = group.modpPrime {
            bad += [
                ("0", [UInt8](repeating: 0, count: n)),
                ("1", [UInt8](repeating: 0, count: n - 1) + [1]),
                ("p-1", Self.bigEndian(p, adding: -1)),
                ("p", p),
                ("p+1", Self.bigEndian(p, adding: 1)),
            ]
            if [22, 23, 24].contains(group.id) {
                bad.append(("2, outside the order-q subgroup", [UInt8](repeating: 0, count: n - 1) + [2]))
                bad.append(("p-2", Self.bigEndian(p, adding: -2)))
            }
        } else if group == .curve25519 {
            // Small-order u-coordinates give an all-zero shared secret.
            bad += [
                ("u = 0", [UInt8](repeating: 0, count: 32)),
                ("u = 1", [1] + [UInt8](repeating: 0, count: 31)),
                ("order-8 point", hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")),
            ]
        } else {
            var offCurve = mine.publicValue
            offCurve[n - 1] ^= 1  // y + 1: not on the curve
            bad += [
                ("(0, 0)", [UInt8](repeating: 0, count: n)),
                ("off-curve point", offCurve),
                ("coordinates all ones (>= p)", [UInt8](repeating: 0xff, count: n)),
            ]
        }
        for (label, value) in bad {
            #expect(throws: CryptoError(.invalidPublicValue, ""), "\(group.name): \(label)") {
                _ = try mine.sharedSecret(peer: value)
            }
        }
    }
}

/// A count that threads add to.
private final class FailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
