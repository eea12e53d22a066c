/// The CBC IV state of one ISAKMP SA (RFC 2409 Appendix B), per message ID:
/// message ID 0 starts at the Phase 1 IV `hash(g^xi | g^xr)`; any other
/// exchange starts at `hash(last Phase 1 CBC block | M-ID)` and then each
/// message's IV is the last ciphertext block of the previous message of that
/// exchange. A plain value; `ikev1 decode` keeps one per ISAKMP SA of a capture.
///
///     var chain = IKEv1IVChain(hash: .sha256, blockSize: 16, gxi: gxi, gxr: gxr)
///     let iv = chain.iv(messageID: mid)                // before encrypting/decrypting
///     chain.advance(messageID: mid, ciphertext: body)  // after each message
public struct IKEv1IVChain: Hashable, Sendable {
    /// The negotiated hash.
    public let hash: HashAlgorithm
    /// The cipher block size (IV length).
    public let blockSize: Int
    /// The IV of the next Phase 1 message: `hash(g^xi | g^xr)`, then the last ciphertext
    /// block of each encrypted Phase 1 message; after Phase 1, the seed of every other exchange.
    public private(set) var phase1: [UInt8]
    /// Per message ID other than 0, the IV of that exchange's next message.
    private var exchanges: [UInt32: [UInt8]] = [:]

    /// Starts the chain of an ISAKMP SA from the KE payload data of both sides.
    public init(hash: HashAlgorithm, blockSize: Int, gxi: [UInt8], gxr: [UInt8]) {
        self.hash = hash
        self.blockSize = blockSize
        phase1 = IKEv1IV.phase1(hash: hash, gxi: gxi, gxr: gxr, blockSize: blockSize)
    }

    /// The IV for the next message of exchange `messageID` (derived from the
    /// last Phase 1 block the first time a message ID is seen).
    public func iv(messageID: UInt32) -> [UInt8] {
        if messageID == 0 { return phase1 }
        return exchanges[messageID] ?? IKEv1IV.phase2(hash: hash, lastPhase1Block: phase1, messageID: messageID,
                                                      blockSize: blockSize)
    }

    /// Records a message of exchange `messageID` (sent or received): its last
    /// ciphertext block becomes that exchange's next IV.
    public mutating func advance(messageID: UInt32, ciphertext: [UInt8]) {
        let next = IKEv1IV.next(afterCiphertext: ciphertext, blockSize: blockSize)
        if messageID == 0 { phase1 = next } else { exchanges[messageID] = next }
    }

    /// Forgets a finished exchange (its next message would start afresh).
    public mutating func finish(messageID: UInt32) {
        if messageID != 0 { exchanges[messageID] = nil }
    }
}
