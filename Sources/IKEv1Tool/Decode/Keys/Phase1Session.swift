import IPsecCrypto
import ISAKMPWire

/// What a passive observer learns of one ISAKMP SA from its messages and the
/// secrets, enough to decrypt and verify everything it protects (RFC 2409 §5).
struct Phase1Session {
    /// One Quick Mode's nonces, SPIs and chosen transform (RFC 2409 §5.5).
    struct QuickMode {
        var nonceI: [UInt8]?
        var nonceR: [UInt8]?
        var spiI: [UInt8]?
        var spiR: [UInt8]?
        var chosen: TransformPayload?
        var protocolID: ProtocolID = .esp
        var hasKE = false
        var keysDerived = false
    }

    var cookieI: [UInt8]
    var cookieR: [UInt8] = Array(repeating: 0, count: 8)
    /// Address (without port) of the initiator, from the first message.
    var initiatorAddress: String
    var responderAddress: String
    var exchange: ExchangeType

    var saiB: [UInt8]?
    var chosen: TransformPayload?
    var gxi: [UInt8]?
    var gxr: [UInt8]?
    var nonceI: [UInt8]?
    var nonceR: [UInt8]?
    var idiiB: [UInt8]?
    var idirB: [UInt8]?

    var keys: IKEv1Phase1Keys?
    var encryptionKey: [UInt8]?
    var cipher: CBCAlgorithm?
    var hash: HashAlgorithm?

    /// The CBC IV chains (RFC 2409 Appendix B), from when both KE values and the cipher are known.
    var ivChain: IKEv1IVChain?
    /// Ciphertexts already decrypted, so a retransmission neither advances an IV nor fails.
    var decrypted: [[UInt8]: (payloads: [Payload], hashValid: Bool?)] = [:]
    var quickModes: [UInt32: QuickMode] = [:]

    init(cookieI: [UInt8], initiator: String, responder: String, exchange: ExchangeType) {
        self.cookieI = cookieI
        initiatorAddress = initiator
        responderAddress = responder
        self.exchange = exchange
    }

    /// Derives the keys once the exchange has shown everything they depend on.
    mutating func deriveKeys(psk: [UInt8]?, gxy: [UInt8]?, givenKa: [UInt8]?) {
        guard keys == nil, let chosen, let (cipher, hash, auth) = NegotiatedAlgorithms.phase1(chosen),
              let gxi, let gxr else { return }
        self.cipher = cipher
        self.hash = hash
        if ivChain == nil { ivChain = IKEv1IVChain(hash: hash, blockSize: cipher.blockSize, gxi: gxi, gxr: gxr) }
        if let givenKa { encryptionKey = givenKa }
        guard let gxy, let nonceI, let nonceR else { return }
        // RFC 2409 §5: PSK (1) and its XAUTH variants key SKEYID with the PSK; signatures with the nonces.
        let isPSK = auth == 1 || auth == 65001 || auth == 65002
        let input: IKEv1SKEYIDInput
        if isPSK {
            guard let psk else { return }
            input = .preSharedKey(SecretBytes(psk))
        } else {
            input = .signature
        }
        let k = IKEv1Phase1Keys(prf: IKEv1PRF(hash: hash), input: input, nonceI: nonceI, nonceR: nonceR,
                                sharedSecret: SecretBytes(gxy), cookieI: cookieI, cookieR: cookieR,
                                encryptionKeyLength: cipher.keyLength)
        keys = k
        if givenKa == nil { encryptionKey = k.encryptionKey.bytes }
    }

    /// The IV to decrypt a message of this exchange with, or nil while unknown. (With a cleartext
    /// last Phase 1 message, as in Aggressive Mode, Phase 2 IVs still start from the Phase 1 IV.)
    func iv(for messageID: UInt32) -> [UInt8]? { ivChain?.iv(messageID: messageID) }

    /// Records the ciphertext's last block as the next IV of its exchange.
    mutating func advance(messageID: UInt32, ciphertext: [UInt8]) {
        ivChain?.advance(messageID: messageID, ciphertext: ciphertext)
    }
}
