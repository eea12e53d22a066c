internal import COpenSSL
import IPsecCrypto

/// The yardstick for handshake benchmarks: the public-key operations of one Main Mode +
/// Quick Mode handshake, both sides, done with direct libcrypto EVP calls and nothing
/// else — no encoding, hashing, state or allocation of ours.
///
/// Per handshake: a Diffie-Hellman key pair per side and exchange (generated, its public value
/// read out as KE data), and per side and exchange the peer's KE data made a key (checked as the
/// engine checks it: the range 1 < y < p-1 for MODP, on the curve for ECP) and the shared secret
/// derived. Phase 1 and, with PFS, Quick Mode: 4 key pairs and 4 derivations. With signatures,
/// per side: HASH_I or HASH_R signed, the peer's SIG verified with its certificate's key, and
/// each certificate the peer sent verified with its issuer's key (leaf → intermediate → anchor).
/// Certificates and keys are parsed once, before timing: parsing is not counted.
///
/// Each step as fast as libcrypto 3.0's EVP interface allows: the keygen context and the sign
/// and verify contexts are set up once and reused; derivation needs a fresh context per key.
/// For ECP groups the engine's own arithmetic (`EC_POINT_mul` on a group built once) spends
/// less time per operation than these EVP calls, so there the bound is EVP's speed, not the
/// curve's. For measurement only; not for concurrent use.
public final class RawHandshakeBaseline {
    private let keygen: OpaquePointer
    private let isMODP: Bool
    private let publicValueLength: Int
    /// p - 1, big-endian, for the MODP range check.
    private let pMinus1: [UInt8]
    private let exchanges: Int
    private let signatures: [SideSignatures]

    /// One side's signature work: its key signs, and what it verifies of the peer.
    private struct SideSignatures {
        let sign: OpaquePointer
        let verifyPeerSIG: OpaquePointer
        /// The peer's certificates: TBS bytes, signature, digest, issuer's key.
        let chain: [(tbs: [UInt8], signature: [UInt8], digest: OpaquePointer, issuerKey: OpaquePointer)]
    }

    private var heldKeys: [OpaquePointer] = []
    private let digestContext: OpaquePointer
    private var hash = [UInt8](repeating: 0xA5, count: 32)
    private var signature = [UInt8](repeating: 0, count: 1024)

    /// What one side needs for signature authentication: its private key and the certificate
    /// chain it sends (leaf first), and the anchor the peer's chain ends at.
    public struct Signer {
        /// The private key (RSA or EC).
        public var key: SigningKey
        /// The certificates this side sends, leaf first.
        public var chain: [Certificate]
        /// The anchor that issued the last certificate of `chain`.
        public var anchor: Certificate

        /// Bundles a side's key, sent chain and anchor.
        public init(key: SigningKey, chain: [Certificate], anchor: Certificate) {
            self.key = key
            self.chain = chain
            self.anchor = anchor
        }
    }

    /// A baseline for `group` in Phase 1 and, when `pfs`, again in Quick Mode; `signers` (two, the
    /// initiator's and the responder's) add the signature work, nil for a pre-shared key.
    public init(group: DHGroup, pfs: Bool, signers: (Signer, Signer)?) throws(CryptoError) {
        guard let name = Self.libcryptoName(group) else { throw CryptoError(.unsupportedAlgorithm, "no baseline for \(group)") }
        isMODP = name.type == "DH"
        publicValueLength = group.publicValueLength + (isMODP ? 0 : 1)
        exchanges = pfs ? 2 : 1
        pMinus1 = isMODP ? Self.minusOne(group.modpPrime!) : []
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, name.type, nil) else { throw .internalFailure("EVP_PKEY_CTX_new_from_name") }
        keygen = ctx
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_group_name(ctx, name.group) == 1 else {
            throw .internalFailure("EVP_PKEY_keygen_init(\(name.group))")
        }
        if let bits = name.privateBits {
            // The engine's exponent length (RFC 3526 §8), not libcrypto's default for the group.
            var length = Int32(bits)
            let key: StaticString = "priv_len"
            let ok = withUnsafeMutablePointer(to: &length) { p in
                var params = [OSSL_PARAM_construct_int(UnsafeRawPointer(key.utf8Start).assumingMemoryBound(to: CChar.self), p),
                              OSSL_PARAM_construct_end()]
                return EVP_PKEY_CTX_set_params(ctx, &params)
            }
            guard ok == 1 else { throw .internalFailure("priv_len") }
        }
        guard let md = EVP_MD_CTX_new() else { throw .internalFailure("EVP_MD_CTX_new") }
        digestContext = md
        if let (a, b) = signers {
            signatures = [try Self.side(a, peer: b, &heldKeys), try Self.side(b, peer: a, &heldKeys)]
        } else {
            signatures = []
        }
        // The work must succeed before it is timed.
        guard runOnce() else { throw .internalFailure("the raw handshake baseline failed") }
    }

    deinit {
        EVP_PKEY_CTX_free(keygen)
        EVP_MD_CTX_free(digestContext)
        for s in signatures { EVP_PKEY_CTX_free(s.sign); EVP_PKEY_CTX_free(s.verifyPeerSIG) }
        for k in heldKeys { EVP_PKEY_free(k) }
    }

    /// What one handshake's bound consists of, e.g. "4 DH keygen + 4 derive (modp_2048), 2 RSA sign + 6 verify".
    public var operations: String {
        let dh = "\(2 * exchanges) \(isMODP ? "DH" : "ECDH") keygen + \(2 * exchanges) derive"
        guard !signatures.isEmpty else { return dh }
        return dh + ", 2 sign + \(signatures.map { 1 + $0.chain.count }.reduce(0, +)) verify"
    }

    /// Runs the public-key work of `count` handshakes.
    @inline(never)
    public func run(count: Int) {
        for _ in 0..<count { precondition(runOnce(), "the raw handshake baseline failed") }
    }

    private func runOnce() -> Bool {
        for _ in 0..<exchanges {
            guard let a = generate() else { return false }
            defer { EVP_PKEY_free(a.key) }
            guard let b = generate() else { return false }
            defer { EVP_PKEY_free(b.key) }
            guard derive(a.key, peer: b.publicValue), derive(b.key, peer: a.publicValue) else { return false }
        }
        // Each side signs its HASH; the peer verifies that SIG with the key of the leaf it was
        // sent, and the chain of certificates it was sent.
        for (index, side) in signatures.enumerated() {
            var length = signature.count
            guard EVP_PKEY_sign(side.sign, &signature, &length, hash, hash.count) == 1,
                  EVP_PKEY_verify(signatures[1 - index].verifyPeerSIG, signature, length, hash, hash.count) == 1 else { return false }
            for c in signatures[1 - index].chain {
                // A reused digest context keeps its old key context unless reset.
                EVP_MD_CTX_reset(digestContext)
                guard EVP_DigestVerifyInit(digestContext, nil, c.digest, nil, c.issuerKey) == 1,
                      EVP_DigestVerify(digestContext, c.signature, c.signature.count, c.tbs, c.tbs.count) == 1 else { return false }
            }
        }
        return true
    }

    private func generate() -> (key: OpaquePointer, publicValue: [UInt8])? {
        var key: OpaquePointer?
        guard EVP_PKEY_generate(keygen, &key) == 1, let key else { return nil }
        var out = [UInt8](repeating: 0, count: publicValueLength)
        var length = 0
        guard EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, &out, out.count, &length) == 1,
              length == out.count else { EVP_PKEY_free(key); return nil }
        return (key, out)
    }

    private func derive(_ mine: OpaquePointer, peer publicValue: [UInt8]) -> Bool {
        if isMODP {
            // RFC 6989 §2.1: 1 < y < p - 1, big-endian of equal length.
            guard publicValue.dropLast().contains(where: { $0 != 0 }) || publicValue.last! > 1,
                  publicValue.lexicographicallyPrecedes(pMinus1) else { return false }
        }
        guard let peer = EVP_PKEY_new() else { return false }
        defer { EVP_PKEY_free(peer) }
        guard EVP_PKEY_copy_parameters(peer, mine) == 1,
              EVP_PKEY_set1_encoded_public_key(peer, publicValue, publicValue.count) == 1,
              let ctx = EVP_PKEY_CTX_new_from_pkey(nil, mine, nil) else { return false }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_derive_init(ctx) == 1, !isMODP || EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1,
              EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1 else { return false }
        var secret = [UInt8](repeating: 0, count: 1024)
        var length = secret.count
        return EVP_PKEY_derive(ctx, &secret, &length) == 1
    }

    /// libcrypto's key type and group name for `group`, and for MODP the engine's private exponent length in bits.
    private static func libcryptoName(_ group: DHGroup) -> (type: String, group: String, privateBits: Int?)? {
        switch group {
        case .modp1536, .modp2048: ("DH", "modp_\(group.publicValueLength * 8)", 256)
        case .modp3072: ("DH", "modp_3072", 384)
        case .modp4096, .modp6144, .modp8192: ("DH", "modp_\(group.publicValueLength * 8)", 512)
        case .ecp256: ("EC", "P-256", nil)
        case .ecp384: ("EC", "P-384", nil)
        case .ecp521: ("EC", "P-521", nil)
        default: nil
        }
    }

    /// p - 1 of an odd p, big-endian.
    private static func minusOne(_ p: [UInt8]) -> [UInt8] {
        var out = p
        out[out.count - 1] -= 1
        return out
    }

    /// The contexts and parsed certificates of `signer`'s side; keys it references go to `held`.
    private static func side(_ signer: Signer, peer: Signer, _ held: inout [OpaquePointer]) throws(CryptoError) -> SideSignatures {
        func parseCertificate(_ c: Certificate) throws(CryptoError) -> OpaquePointer {
            let x509: OpaquePointer? = c.der.withUnsafeBytes { b in
                var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
                return d2i_X509(nil, &p, b.count)
            }
            guard let x509 else { throw .internalFailure("d2i_X509") }
            return x509
        }
        func publicKey(_ c: Certificate) throws(CryptoError) -> OpaquePointer {
            let x509 = try parseCertificate(c)
            defer { X509_free(x509) }
            guard let key = X509_get_pubkey(x509) else { throw .internalFailure("X509_get_pubkey") }
            held.append(key)
            return key
        }
        func context(_ key: OpaquePointer, sign: Bool) throws(CryptoError) -> OpaquePointer {
            guard let ctx = EVP_PKEY_CTX_new(key, nil) else { throw .internalFailure("EVP_PKEY_CTX_new") }
            guard (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) == 1,
                  EVP_PKEY_is_a(key, "RSA") == 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 else {
                EVP_PKEY_CTX_free(ctx)
                throw .internalFailure("EVP_PKEY_sign_init / verify_init")
            }
            return ctx
        }
        let der = signer.key.der
        let privateKey: OpaquePointer? = der.withUnsafeBytes { b in
            var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_AutoPrivateKey(nil, &p, b.count)
        }
        guard let privateKey else { throw .internalFailure("d2i_AutoPrivateKey") }
        held.append(privateKey)
        var chain: [(tbs: [UInt8], signature: [UInt8], digest: OpaquePointer, issuerKey: OpaquePointer)] = []
        for (index, certificate) in peer.chain.enumerated() {
            let issuer = index + 1 < peer.chain.count ? peer.chain[index + 1] : peer.anchor
            let x509 = try parseCertificate(certificate)
            defer { X509_free(x509) }
            var tbsPointer: UnsafeMutablePointer<UInt8>?
            let tbsLength = i2d_re_X509_tbs(x509, &tbsPointer)
            guard tbsLength > 0, let tbsPointer else { throw .internalFailure("i2d_re_X509_tbs") }
            let tbs = Array(UnsafeBufferPointer(start: tbsPointer, count: Int(tbsLength)))
            swift_ikev1_openssl_free(tbsPointer)
            var bits: UnsafePointer<ASN1_BIT_STRING>?
            X509_get0_signature(&bits, nil, x509)
            guard let bits, let data = ASN1_STRING_get0_data(bits) else { throw .internalFailure("X509_get0_signature") }
            let signature = Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(bits))))
            var digestNID: Int32 = 0
            guard OBJ_find_sigid_algs(X509_get_signature_nid(x509), &digestNID, nil) == 1,
                  let digest = EVP_get_digestbyname(OBJ_nid2sn(digestNID)) else { throw .internalFailure("certificate digest") }
            chain.append((tbs, signature, digest, try publicKey(issuer)))
        }
        return SideSignatures(sign: try context(privateKey, sign: true),
                              verifyPeerSIG: try context(try publicKey(peer.chain[0]), sign: false), chain: chain)
    }
}
