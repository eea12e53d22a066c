public import IPsecCrypto
public import ISAKMPWire

/// Read-only looks into what the endpoint holds, for status output and diagnostics.
extension IKEv1Endpoint {
    /// The payloads of a message addressed to this endpoint, decrypted with the keys and IV
    /// its ISAKMP SA holds now (call before ``handle(_:_:)`` delivers it). Nil when the
    /// message is not for a known SA or does not decrypt. Changes nothing.
    public func inspect(_ ikeMessage: [UInt8]) -> [Payload]? {
        guard let message = try? ISAKMPMessage.decode(ikeMessage) else { return nil }
        if let clear = message.payloads { return clear }
        guard let s = sessions[message.header.initiatorCookie], let protection = s.phase1.protection,
              let base = s.phase1.ivBase else { return nil }
        return try? protection.decrypt(message, iv: s.expectedIV(message.header, protection, base: base)).payloads
    }
}

extension ISAKMPSession {
    /// The IV the next message with this header decrypts with (RFC 2409 Appendix B): Phase 1's
    /// running IV (the base), a Quick Mode's own chain, or a new one from the message ID.
    func expectedIV(_ header: ISAKMPHeader, _ protection: ISAKMPProtection, base: [UInt8]) -> [UInt8] {
        let mid = header.messageID
        switch header.exchangeType {
        case .mainMode, .aggressive: return base
        case .quickMode: return established?.quickModes[mid]?.iv ?? protection.phase2IV(base: base, messageID: mid)
        case .transaction:
            let ours = established?.remoteAccess.outstanding
            return ours?.messageID == mid ? ours?.iv ?? base : protection.phase2IV(base: base, messageID: mid)
        default: return protection.phase2IV(base: base, messageID: mid)
        }
    }
}

extension IKEv1Endpoint {
    /// The message a peer would send this endpoint: the raw payload chain `chain` (whose first
    /// payload is `header.nextPayload`) under `header`, encrypted when `header.flags` has the E
    /// flag with the key and IV this endpoint's ISAKMP SA will decrypt it with (the dual of
    /// ``inspect(_:)``). With `authenticate`, a leading HASH payload of a Quick Mode or
    /// Informational message is replaced by the HASH(1), HASH(2) or HASH(3) this endpoint expects
    /// (RFC 2409 §5.5, §5.7), and the HASH payload of a Phase 1 message by the peer's HASH_I or
    /// HASH_R over the chain's first ID payload (§5.4), so crafted payloads reach the checks
    /// after authentication.
    /// For fuzzing and tests. Nil when the E flag is set and the SA has no keys. Changes nothing.
    public func seal(_ header: ISAKMPHeader, chain: [UInt8], authenticate: Bool = false) -> [UInt8]? {
        var header = header
        guard header.flags.contains(.encryption) else {
            header.flags.insert(.encryption)
            var bytes = ISAKMPMessage(header: header, body: .encrypted(chain)).encode()
            bytes[19] &= ~HeaderFlags.encryption.rawValue
            return bytes
        }
        guard let s = sessions[header.initiatorCookie], let protection = s.phase1.protection, let base = s.phase1.ivBase else {
            return nil
        }
        let mid = header.messageID, keys = protection.keys
        var plain = chain
        if authenticate, mid != 0, header.nextPayload == .hash, chain.count >= 4 {
            let length = min(max(Int(chain[2]) << 8 | Int(chain[3]), 4), chain.count)
            let rest = Array(chain[length...])
            let hash: [UInt8]
            let pending = header.exchangeType == .quickMode ? s.established?.quickModes[mid] : nil
            if let qm = pending as? QuickModeInitiated {
                hash = keys.quickModeHash2(messageID: mid, nonceI: qm.nonceI, afterHash: rest)
            } else if let qm = pending as? QuickModeReplied {
                hash = keys.quickModeHash3(messageID: mid, nonceI: qm.nonceI, nonceR: qm.nonceR)
            } else if header.exchangeType == .quickMode {
                hash = keys.quickModeHash1(messageID: mid, afterHash: rest)
            } else {
                hash = keys.informationalHash(messageID: mid, payloads: rest)
            }
            let total = 4 + hash.count
            plain = [chain[0], chain[1], UInt8(total >> 8), UInt8(total & 0xff)] + hash + rest
        } else if authenticate, mid == 0, let keyed = s.phase1.keyed {
            plain = s.withPeerAuthHash(chain, first: header.nextPayload, keyed)
        }
        plain += [UInt8](repeating: 0, count: protection.blockSize - plain.count % protection.blockSize)
        guard let ct = try? protection.cipher.encrypt(plain, iv: s.expectedIV(header, protection, base: base)) else { return nil }
        return ISAKMPMessage(header: header, body: .encrypted(ct)).encode()
    }
}

extension ISAKMPSession {
    /// The chain with its first HASH payload's data replaced by the peer's HASH_I or HASH_R over
    /// the body of the chain's first ID payload, or of the peer's ID received earlier (Aggressive
    /// Mode message 3); unchanged without a HASH payload or an ID.
    func withPeerAuthHash(_ chain: [UInt8], first: PayloadType, _ keyed: KeyedState) -> [UInt8] {
        var offset = 0, type = first
        var idBody: [UInt8]?, hashAt: Range<Int>?
        while type != .none, offset + 4 <= chain.count {
            let length = Int(chain[offset + 2]) << 8 | Int(chain[offset + 3])
            guard length >= 4, offset + length <= chain.count else { break }
            if type == .identification, idBody == nil { idBody = Array(chain[offset + 4 ..< offset + length]) }
            if type == .hash, hashAt == nil { hashAt = offset ..< offset + length }
            type = PayloadType(rawValue: chain[offset])
            offset += length
        }
        let earlierID: [UInt8]? = if case .aggressiveReplied(let a) = phase1 { a.peerID.body } else { nil }
        guard let idBody = idBody ?? earlierID, let hashAt else { return chain }
        let hash = authHash(keyed, byInitiator: !isInitiator, idBody: idBody)
        let total = 4 + hash.count
        var sealed = chain
        sealed.replaceSubrange(hashAt, with: [chain[hashAt.lowerBound], chain[hashAt.lowerBound + 1],
                                              UInt8(total >> 8), UInt8(total & 0xff)] + hash)
        return sealed
    }
}

extension IKEv1Endpoint {
    /// Ka, the Phase 1 encryption key of an ISAKMP SA (RFC 2409 Appendix B), once derived;
    /// nil for an unknown SA or before message 3/4. Only for key export to a decoder
    /// (Wireshark's `ikev1_decryption_table` pairs it with CKY-I); the other keys stay inside.
    public func phase1EncryptionKey(_ sa: ISAKMPSAID) -> SecretBytes? {
        sessions[sa]?.phase1.protection?.keys.encryptionKey
    }
}
