import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// Reproduces every value of Fixtures/captures/strongswan/*/keys.json that keys.json
/// alone determines. Data: real exchanges between two strongSwan 5.9.8
/// charon daemons, copied from shared/fixtures/strongswan/<folder>/keys.json
/// (see shared/fixtures/strongswan/README.md); the values were cross-checked
/// there by tshark decryption.
@Suite struct StrongSwanKeyScheduleTests {
    /// The ISAKMP SA parameters from charon's `proposal_chosen`, e.g.
    /// `IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048`.
    static func phase1Parameters(_ chosen: String) -> (hash: HashAlgorithm, keyLength: Int, blockSize: Int) {
        let hash: HashAlgorithm =
            chosen.contains("PRF_HMAC_SHA2_512") ? .sha512 :
            chosen.contains("PRF_HMAC_SHA2_384") ? .sha384 :
            chosen.contains("PRF_HMAC_SHA2_256") ? .sha256 :
            chosen.contains("PRF_HMAC_SHA1") ? .sha1 : .md5
        if chosen.contains("3DES") { return (hash, 24, 8) }
        if chosen.contains("AES_CBC_256") { return (hash, 32, 16) }
        if chosen.contains("AES_CBC_192") { return (hash, 24, 16) }
        return (hash, 16, 16)
    }

    static func load(_ folder: String) throws -> [String: Any] {
        try Fixtures.json("captures/strongswan/\(folder)/keys.json")
    }

    /// Every ISAKMP SA of a fixture: `phase1` plus `phase1_additional[]`.
    static func phase1s(_ keys: [String: Any]) -> [[String: Any]] {
        [keys.object("phase1")] + keys.objects("phase1_additional")
    }

    static func derive(_ keys: [String: Any], _ p1: [String: Any]) -> (IKEv1Phase1Keys, HashAlgorithm, Int) {
        let (hash, keyLength, blockSize) = phase1Parameters(p1.string("proposal_chosen"))
        let phase1 = IKEv1Phase1Keys(
            prf: IKEv1PRF(hash: hash), input: .preSharedKey(SecretBytes(keys.bytes("psk_hex"))),
            nonceI: p1.bytes("nonce_i"), nonceR: p1.bytes("nonce_r"),
            sharedSecret: SecretBytes(p1.bytes("g_xy")),
            cookieI: p1.bytes("cookie_i"), cookieR: p1.bytes("cookie_r"),
            encryptionKeyLength: keyLength)
        return (phase1, hash, blockSize)
    }

    @Test(arguments: try nonEmpty(Fixtures.strongSwanScenarios()))
    func phase1KeysIVAndAuthenticationHashes(folder: String) throws {
        let keys = try Self.load(folder)
        for p1 in Self.phase1s(keys) {
            let (k, hash, blockSize) = Self.derive(keys, p1)
            #expect(k.skeyid.bytes == p1.bytes("skeyid"))
            #expect(k.skeyidD.bytes == p1.bytes("skeyid_d"))
            #expect(k.skeyidA.bytes == p1.bytes("skeyid_a"))
            #expect(k.skeyidE.bytes == p1.bytes("skeyid_e"))
            #expect(k.encryptionKey.bytes == p1.bytes("encryption_key"), "Ka (Appendix B when needed)")
            #expect(IKEv1IV.phase1(hash: hash, gxi: p1.bytes("g_xi"), gxr: p1.bytes("g_xr"),
                                   blockSize: blockSize) == p1.bytes("iv_initial"))
            let cookieI = p1.bytes("cookie_i"), cookieR = p1.bytes("cookie_r")
            let saiB = p1.bytes("sa_i_b")
            let idiiB = keys.object("initiator").object("id").bytes("body_hex")
            let idirB = keys.object("responder").object("id").bytes("body_hex")
            #expect(idiiB == p1.bytes("id_i_b") || p1["id_i_b"] == nil)
            let hashI = k.hashI(gxi: p1.bytes("g_xi"), gxr: p1.bytes("g_xr"), cookieI: cookieI, cookieR: cookieR,
                                saiB: saiB, idiiB: idiiB)
            let hashR = k.hashR(gxi: p1.bytes("g_xi"), gxr: p1.bytes("g_xr"), cookieI: cookieI, cookieR: cookieR,
                                saiB: saiB, idirB: idirB)
            #expect(constantTimeEqual(hashI, p1.bytes("hash_i")))
            #expect(constantTimeEqual(hashR, p1.bytes("hash_r")))
        }
    }

    @Test(arguments: try nonEmpty(Fixtures.strongSwanScenarios()))
    func natDiscoveryHashes(folder: String) throws {
        let keys = try Self.load(folder)
        for p1 in Self.phase1s(keys) {
            let (hash, _, _) = Self.phase1Parameters(p1.string("proposal_chosen"))
            // charon's libipsec backend fakes the NAT-D it sends, so check the
            // hashes its log shows over the real CKY-I | CKY-R | IP | port.
            for entry in p1.objects("nat_d_inputs_initiator_log") {
                let chunk = entry.bytes("chunk")  // CKY-I | CKY-R | IPv4 | port
                let computed = natDiscoveryHash(
                    hash: hash, cookieI: Array(chunk[0..<8]), cookieR: Array(chunk[8..<16]),
                    address: Array(chunk[16..<20]), port: UInt16(chunk[20]) << 8 | UInt16(chunk[21]))
                #expect(computed == entry.bytes("hash"))
                #expect(Array(chunk[0..<16]) == p1.bytes("cookie_i") + p1.bytes("cookie_r"))
            }
        }
    }

    @Test(arguments: try nonEmpty(Fixtures.strongSwanScenarios()))
    func quickModeIVHash3AndKEYMAT(folder: String) throws {
        let keys = try Self.load(folder)
        let phase1s = Self.phase1s(keys)
        // Last Phase 1 CBC blocks: the initiator logs each message-ID-0 IV; the
        // last one of each ISAKMP SA seeds its Phase 2 IVs.
        let mid0 = keys.objects("ivs_by_message_id_initiator_log")
            .filter { ($0["message_id_decimal"] as? Int) == 0 }.map { $0.bytes("iv") }
        let perSA = mid0.count / phase1s.count
        for qm in keys.objects("quick_modes") {
            let saIndex = phase1s.firstIndex { $0.string("cookie_i") == qm.string("cookie_i") } ?? 0
            let (k, hash, blockSize) = Self.derive(keys, phase1s[saIndex])
            let messageID = UInt32(qm.string("message_id"), radix: 16)!
            let nonceI = qm.bytes("nonce_i"), nonceR = qm.bytes("nonce_r")

            let lastBlock = mid0[(saIndex + 1) * perSA - 1]
            #expect(IKEv1IV.phase2(hash: hash, lastPhase1Block: lastBlock, messageID: messageID,
                                   blockSize: blockSize) == qm.bytes("iv_first"))
            if !qm.string("hash_3").isEmpty {  // empty where the responder never got QM3
                #expect(k.quickModeHash3(messageID: messageID, nonceI: nonceI, nonceR: nonceR) == qm.bytes("hash_3"))
            }

            let pfs: SecretBytes? = (qm["pfs"] as? Bool == true) ? SecretBytes(qm.bytes("g_xy")) : nil
            let encLength = qm.bytes("encryption_initiator_key").count
            let integLength = qm.bytes("integrity_initiator_key").count
            // initiator -> responder SA: keyed with the responder's SPI; and vice versa.
            for (spi, seedKey, encKey, integKey) in [
                (qm.bytes("spi_r"), "initiator_sa_seed", "encryption_initiator_key", "integrity_initiator_key"),
                (qm.bytes("spi_i"), "responder_sa_seed", "encryption_responder_key", "integrity_responder_key"),
            ] {
                #expect(k.keymatSeed(protocolID: 3, spi: spi, nonceI: nonceI, nonceR: nonceR,
                                     pfsSharedSecret: pfs) == qm.bytes(seedKey))
                let keymat = k.keymat(protocolID: 3, spi: spi, nonceI: nonceI, nonceR: nonceR,
                                      pfsSharedSecret: pfs, length: encLength + integLength)
                let split = ESPKeyMaterial(keymat: keymat, encryptionKeyLength: encLength,
                                           integrityKeyLength: integLength)
                #expect(split.encryptionKey.bytes == qm.bytes(encKey), "\(encKey)")
                #expect(split.integrityKey.bytes == qm.bytes(integKey), "\(integKey)")
            }
        }
        // Every ESP SA listed by SPI carries the keys of its Quick Mode.
        for sa in keys.objects("esp_sas") {
            let qm = keys.objects("quick_modes").first { ($0["index"] as? Int) == (sa["quick_mode"] as? Int) }
            let outbound = sa.string("direction") == "initiator->responder"
            #expect(sa.bytes("encryption_key") == qm?.bytes(outbound ? "encryption_initiator_key" : "encryption_responder_key"))
        }
    }
}
