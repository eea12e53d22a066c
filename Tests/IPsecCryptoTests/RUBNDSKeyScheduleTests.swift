import IPsecCrypto
import Testing
import TestSupport

/// Main Mode PSK secrets from RUB-NDS IPsec-StateMachineExtractor (Apache-2.0,
/// commit 7f2b969), transcribed into
/// Fixtures/rub-nds-ipsec-statemachineextractor/ikev1_psk_keys_and_messages.json
/// (copied from shared/fixtures/public): an implementation nobody on this
/// project wrote, HMAC-SHA1 / AES-128 / group 2.
@Suite struct RUBNDSKeyScheduleTests {
    static let file = "rub-nds-ipsec-statemachineextractor/ikev1_psk_keys_and_messages.json"

    @Test func phase1KeysIVAndHashR() throws {
        let json = try Fixtures.json(Self.file)
        let vectors = json.objects("key_derivation_vectors")
        #expect(vectors.count == 2)
        for v in vectors {
            let expected = v.object("expected")
            // AES-128-CBC, HMAC-SHA1, group 2: Ka is 16 bytes.
            let k = IKEv1Phase1Keys(prf: IKEv1PRF(hash: .sha1), input: .preSharedKey(SecretBytes(v.bytes("psk"))),
                                    nonceI: v.bytes("ni"), nonceR: v.bytes("nr"), sharedSecret: SecretBytes(v.bytes("g_xy")),
                                    cookieI: v.bytes("cky_i"), cookieR: v.bytes("cky_r"), encryptionKeyLength: 16)
            #expect(k.skeyid.bytes == expected.bytes("skeyid"), "\(v.string("name"))")
            #expect(k.skeyidD.bytes == expected.bytes("skeyid_d"))
            #expect(k.skeyidA.bytes == expected.bytes("skeyid_a"))
            #expect(k.skeyidE.bytes == expected.bytes("skeyid_e"))
            #expect(k.encryptionKey.bytes == expected.bytes("ka"))
            let chain = IKEv1IVChain(hash: .sha1, blockSize: 16, gxi: v.bytes("g_xi"), gxr: v.bytes("g_xr"))
            #expect(chain.iv(messageID: 0) == expected.bytes("phase1_iv"))
            #expect(k.hashR(gxi: v.bytes("g_xi"), gxr: v.bytes("g_xr"), cookieI: v.bytes("cky_i"), cookieR: v.bytes("cky_r"),
                            saiB: v.bytes("sai_b"), idirB: v.bytes("idir_b")) == expected.bytes("hash_r"))
            if let mid = expected["informational_message_id"] as? String {
                #expect(chain.iv(messageID: UInt32(mid, radix: 16)!) == expected.bytes("informational_iv"))
            }
        }
    }

    @Test func encryptedInformationalDecrypts() throws {
        let json = try Fixtures.json(Self.file)
        let v = json.object("encrypted_informational")
        let message = v.bytes("message")
        let cbc = try CBCCipher(algorithm: .aes(keyBits: 128), key: v.bytes("aes128_key"))
        let plain = try cbc.decrypt(Array(message[28...]), iv: v.bytes("iv"))  // after the 28-byte ISAKMP header
        let prefix = v.bytes("expected_plaintext_prefix")
        #expect(Array(plain.prefix(prefix.count)) == prefix)
    }
}
