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
        let mid = message.header.messageID
        let base = s.lastPhase1Block.isEmpty ? s.phase1IV : s.lastPhase1Block
        let iv: [UInt8]
        switch message.header.exchangeType {
        case .mainMode, .aggressive: iv = s.phase1IV
        case .quickMode:
            iv = s.quickModes[mid]?.iv ?? IKEv1IV.phase2(hash: s.hash, lastPhase1Block: base, messageID: mid, blockSize: s.blockSize)
        default: iv = IKEv1IV.phase2(hash: s.hash, lastPhase1Block: base, messageID: mid, blockSize: s.blockSize)
        }
        return try? s.decrypt(message, iv: iv).payloads
    }

    /// Ka, the Phase 1 encryption key of an ISAKMP SA (RFC 2409 Appendix B), once derived;
    /// nil for an unknown SA or before message 3/4. Only for key export to a decoder
    /// (Wireshark's `ikev1_decryption_table` pairs it with CKY-I); the other keys stay inside.
    public func phase1EncryptionKey(_ sa: ISAKMPSAID) -> SecretBytes? {
        sessions[sa]?.keys?.encryptionKey
    }
}
