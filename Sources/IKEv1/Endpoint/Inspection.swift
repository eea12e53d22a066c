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
        guard let s = sessions[message.header.initiatorCookie], s.cipher != nil else { return nil }
        return try? s.decrypt(message, iv: s.expectedIV(message.header)).payloads
    }
}

extension ISAKMPSession {
    /// The IV the next message with this header decrypts with (RFC 2409 Appendix B): Phase 1's
    /// running IV, a Quick Mode's own chain, or a new one from the message ID.
    func expectedIV(_ header: ISAKMPHeader) -> [UInt8] {
        let mid = header.messageID
        let base = lastPhase1Block.isEmpty ? phase1IV : lastPhase1Block
        switch header.exchangeType {
        case .mainMode, .aggressive: return phase1IV
        case .quickMode: return quickModes[mid]?.iv ?? IKEv1IV.phase2(hash: hash, lastPhase1Block: base, messageID: mid, blockSize: blockSize)
        default: return IKEv1IV.phase2(hash: hash, lastPhase1Block: base, messageID: mid, blockSize: blockSize)
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
        guard let s = sessions[header.initiatorCookie], let cipher = s.cipher else { return nil }
        let mid = header.messageID
        let qm = s.quickModes[mid]
        var plain = chain
        if authenticate, mid != 0, header.nextPayload == .hash, let keys = s.keys, chain.count >= 4 {
            let length = min(max(Int(chain[2]) << 8 | Int(chain[3]), 4), chain.count)
            let rest = Array(chain[length...])
            let hash: [UInt8]
            switch (header.exchangeType, qm) {
            case (.quickMode, let qm?) where qm.isInitiator: hash = keys.quickModeHash2(messageID: mid, nonceI: qm.nonceI, afterHash: rest)
            case (.quickMode, let qm?): hash = keys.quickModeHash3(messageID: mid, nonceI: qm.nonceI, nonceR: qm.nonceR)
            case (.quickMode, nil): hash = keys.quickModeHash1(messageID: mid, afterHash: rest)
            default: hash = keys.informationalHash(messageID: mid, payloads: rest)
            }
            let total = 4 + hash.count
            plain = [chain[0], chain[1], UInt8(total >> 8), UInt8(total & 0xff)] + hash + rest
        } else if authenticate, mid == 0, s.keys != nil {
            plain = s.withPeerAuthHash(chain, first: header.nextPayload)
        }
        plain += [UInt8](repeating: 0, count: s.blockSize - plain.count % s.blockSize)
        guard let ct = try? cipher.encrypt(plain, iv: s.expectedIV(header)) else { return nil }
        return ISAKMPMessage(header: header, body: .encrypted(ct)).encode()
    }
}

extension ISAKMPSession {
    /// The chain with its first HASH payload's data replaced by the peer's HASH_I or HASH_R over
    /// the body of the chain's first ID payload, or of the peer's ID received earlier (Aggressive
    /// Mode message 3); unchanged without a HASH payload or an ID.
    func withPeerAuthHash(_ chain: [UInt8], first: PayloadType) -> [UInt8] {
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
        guard let idBody = idBody ?? peerIDPayload.map({ Payload.identification($0).body }), let hashAt else { return chain }
        let hash = authHash(byInitiator: !isInitiator, idBody: idBody)
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
        sessions[sa]?.keys?.encryptionKey
    }
}
