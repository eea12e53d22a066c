import IPsecCrypto
import ISAKMPWire

// The Phase 1 states once SKEYID exists (RFC 2409 §5): keys, the Phase 1 cipher and its IV
// chain (Appendix B), and what HASH_I/HASH_R bind, until the peer's authentication arrives.

/// What protects messages on an ISAKMP SA (RFC 2409 §5, Appendix B): the negotiated
/// proposal, SKEYID_d/a/e with Ka, and the Phase 1 cipher under Ka. Immutable, and shared by
/// reference: the states that hold it and the handlers that read it copy one pointer instead of
/// the keys and the proposal.
final class ISAKMPProtection {
    /// The negotiated transform, with the lifetime in force.
    let proposal: IKEProposal
    let keys: IKEv1Phase1Keys
    let cipher: CBCCipher

    init(proposal: IKEProposal, keys: IKEv1Phase1Keys) throws(IKEv1Error) {
        self.proposal = proposal
        self.keys = keys
        do { cipher = try CBCCipher(algorithm: proposal.encryption, key: keys.encryptionKey) } catch {
            throw IKEv1Error(.crypto, "Phase 1 cipher: \(error.reason)")
        }
    }

    var blockSize: Int { proposal.encryption.blockSize }
    var hash: HashAlgorithm { proposal.hash }

    /// The first IV of the Quick Mode or Informational exchange `messageID` (RFC 2409 Appendix B).
    func phase2IV(base: [UInt8], messageID: UInt32) -> [UInt8] {
        IKEv1IV.phase2(hash: hash, lastPhase1Block: base, messageID: messageID, blockSize: blockSize)
    }

    /// Pads with zero bytes (1..block, as charon does) and encrypts; returns ciphertext.
    func encrypt(_ payloads: [Payload], iv: [UInt8]) throws(IKEv1Error) -> [UInt8] {
        var text = ISAKMPMessage.encodePayloads(payloads)
        text.append(contentsOf: repeatElement(0, count: blockSize - text.count % blockSize))
        // In place: the padded chain becomes the ciphertext.
        do { try cipher.encrypt(inPlace: &text, iv: iv) } catch { throw IKEv1Error(.crypto, "\(error)") }
        return text
    }

    /// An encrypted message: header plus ciphertext; returns the bytes and the IV after it.
    func encryptedMessage(_ h: ISAKMPHeader, _ payloads: [Payload], iv: [UInt8]) throws(IKEv1Error) -> ([UInt8], [UInt8]) {
        var h = h
        h.nextPayload = payloads.first?.type ?? .none
        let ct = try encrypt(payloads, iv: iv)
        let bytes = ISAKMPMessage(header: h, body: .encrypted(ct)).encode()
        return (bytes, IKEv1IV.next(afterCiphertext: ct, blockSize: blockSize))
    }

    /// Decrypts a message body: payloads, the exact bytes of the payload chain, and the next IV.
    func decrypt(_ message: ISAKMPMessage, iv: [UInt8]) throws(IKEv1Error) -> Decrypted {
        guard case .encrypted(let ct) = message.body else {
            throw IKEv1Error(.unexpectedMessage, "a cleartext message where an encrypted one is expected")
        }
        guard !ct.isEmpty, ct.count % blockSize == 0 else {
            throw IKEv1Error(.payloadMalformed, "ciphertext of \(ct.count) bytes is not whole \(blockSize)-byte blocks")
        }
        let plain: [UInt8]
        do { plain = try cipher.decrypt(ct, iv: iv) } catch { throw IKEv1Error(.crypto, "\(error)") }
        do {
            let (payloads, padding) = try message.decodeDecrypted(plain)
            var chain = plain
            chain.removeLast(padding.count)   // in place: `plain` is not used after this
            return Decrypted(payloads: payloads, chain: chain, nextIV: IKEv1IV.next(afterCiphertext: ct, blockSize: blockSize))
        } catch {
            throw IKEv1Error(.payloadMalformed, "decrypted payloads: \(error)")
        }
    }
}

/// A decrypted message.
struct Decrypted {
    var payloads: [Payload]
    /// The payload chain bytes without padding (hashes are computed over slices of it).
    var chain: [UInt8]
    var nextIV: [UInt8]

    /// The bytes after the first (HASH) payload: what HASH(1)/(2) and Informational hashes cover;
    /// nil when the chain holds no payload.
    var afterFirstPayload: [UInt8]? {
        guard chain.count >= 4 else { return nil }
        let len = Int(chain[2]) << 8 | Int(chain[3])
        return len <= chain.count ? Array(chain[len...]) : nil
    }
}

/// Keys derived, the peer's authentication outstanding: Main Mode initiator after MM5 or
/// responder after MM4, and (inside ``AggressiveRepliedState``) the Aggressive Mode responder.
struct KeyedState {
    /// SAi_b as it travelled.
    let saiB: [UInt8]
    /// g^xi and g^xr, the KE payload data of both sides.
    let gxi: [UInt8]
    let gxr: [UInt8]
    let protection: ISAKMPProtection
    /// The Phase 1 CBC IV chain: the IV the next Phase 1 message uses.
    var iv: [UInt8]
    /// What the peer asked certificates of so far.
    var peerCertificateRequests: CertificateRequests

    /// g^xy, SKEYID..., Ka, the first Phase 1 IV and the cipher from both sides' KE values and
    /// nonces (RFC 2409 §5, Appendix B). `peerKE` must have passed ``ISAKMPSession/validatePeerKE(_:group:what:)``
    /// or fails here.
    init(saiB: [UInt8], chosen: IKEProposal, dh: DHKeyPair, peerKE: [UInt8], isInitiator: Bool,
         nonceI: [UInt8], nonceR: [UInt8], authentication: PeerAuthentication, cookieI: Cookie, cookieR: Cookie,
         certificateRequests: CertificateRequests) throws(IKEv1Error) {
        let shared: SecretBytes
        do { shared = try dh.sharedSecret(peer: peerKE) } catch {
            throw IKEv1Error(.invalidKey, "peer's KE value rejected: \(error.reason)")
        }
        let input: IKEv1SKEYIDInput
        switch (authentication, chosen.authMethod.isSignature) {
        case (.preSharedKey(let key), false): input = .preSharedKey(key)
        case (.signatures, true): input = .signature
        default: throw IKEv1Error(.configuration, "the chosen proposal's \(chosen.authMethod) is not the connection's method")
        }
        let keys = IKEv1Phase1Keys(prf: IKEv1PRF(hash: chosen.hash), input: input, nonceI: nonceI, nonceR: nonceR,
                                   sharedSecret: shared, cookieI: cookieI.bytes, cookieR: cookieR.bytes,
                                   encryptionKeyLength: chosen.encryption.keyLength)
        // Everything is computed before `self` is touched, then one delegating init: a throw
        // between stored-property assignments leaked them (LeakSanitizer, Swift 6.3 typed throws).
        let (gxi, gxr) = isInitiator ? (dh.publicValue, peerKE) : (peerKE, dh.publicValue)
        let protection = try ISAKMPProtection(proposal: chosen, keys: keys)
        self.init(saiB: saiB, gxi: gxi, gxr: gxr, protection: protection,
                  iv: IKEv1IV.phase1(hash: chosen.hash, gxi: gxi, gxr: gxr, blockSize: chosen.encryption.blockSize),
                  peerCertificateRequests: certificateRequests)
    }

    /// Built from held parts (tests that resume a peer's recorded state).
    init(saiB: [UInt8], gxi: [UInt8], gxr: [UInt8], protection: ISAKMPProtection, iv: [UInt8],
         peerCertificateRequests: CertificateRequests = CertificateRequests()) {
        self.saiB = saiB
        self.gxi = gxi
        self.gxr = gxr
        self.protection = protection
        self.iv = iv
        self.peerCertificateRequests = peerCertificateRequests
    }

    var chosen: IKEProposal { protection.proposal }
    var usesSignatures: Bool { chosen.authMethod.isSignature }

    /// `HASH_I` or `HASH_R` as sent by the initiator or responder over the given ID body
    /// (RFC 2409 §5); ECDSA methods use HMAC over their own hash (RFC 4754 §3, as strongSwan).
    func authHash(byInitiator: Bool, idBody: [UInt8], cookieI: Cookie, cookieR: Cookie) -> [UInt8] {
        let keys = protection.keys, prf = chosen.authMethod.authPRF
        return byInitiator
            ? keys.hashI(gxi: gxi, gxr: gxr, cookieI: cookieI.bytes, cookieR: cookieR.bytes, saiB: saiB, idiiB: idBody, authPRF: prf)
            : keys.hashR(gxi: gxi, gxr: gxr, cookieI: cookieI.bytes, cookieR: cookieR.bytes, saiB: saiB, idirB: idBody, authPRF: prf)
    }

    var storedBytes: Int {
        saiB.count + gxi.count + gxr.count + iv.count + peerCertificateRequests.authorities.reduce(0) { $0 + $1.count }
    }
}

/// Responder, Aggressive Mode: AM2 is out; the initiator's identity came in AM1, its
/// authentication comes in AM3.
struct AggressiveRepliedState {
    var keyed: KeyedState
    /// The initiator's ID payload as received (its body is IDii_b).
    let peerID: IdentificationPayload
    /// The identity it names, already checked against the configuration.
    let peerIdentity: Identity
}
