import IPsecCrypto
import ISAKMPWire

// The state of one Quick Mode in flight (RFC 2409 §5.5; diagram in QuickModeSupport.swift):
//
//   initiator: QuickModeInitiated  -- QM1 -->   (none: QM1 is answered at once)
//                                  <-- QM2 --   QuickModeReplied
//   (child installed, exchange gone) -- QM3 --> (child installed, exchange gone)

/// One Quick Mode on an established ISAKMP SA, keyed by its message ID: a ``QuickModeInitiated``
/// or a ``QuickModeReplied``. Immutable and shared by reference: the table of exchanges, the
/// routing of a message and its handler pass one pointer instead of copying nonces, IVs and (for
/// the responder) a child SA with its keys, a retain and release each. Classes rather than an enum
/// of the two: an enum of class payloads keeps its case in the spare bits of the reference, which
/// LeakSanitizer then no longer recognises as one (an exchange held in a long-lived copy of an
/// endpoint was reported as leaked).
class QuickModeExchange {
    let messageID: UInt32
    /// The IV the next message of this exchange decrypts with.
    let iv: [UInt8]
    let nonceI: [UInt8]
    /// Our inbound SPI of the child it negotiates.
    let mySPI: UInt32

    fileprivate init(messageID: UInt32, iv: [UInt8], nonceI: [UInt8], mySPI: UInt32) {
        self.messageID = messageID
        self.iv = iv
        self.nonceI = nonceI
        self.mySPI = mySPI
    }

    /// We started it.
    var isInitiator: Bool { self is QuickModeInitiated }

    /// Bytes held beyond the object itself (the endpoint's memory accounting).
    var storedBytes: Int { iv.count + nonceI.count }
}

/// Initiator: QM1 (HASH(1), SA, Ni [, KE] [, IDci, IDcr]) is out; `iv` is the CBC IV after QM1,
/// which QM2 decrypts with, and `mySPI` the inbound SPI we offered.
final class QuickModeInitiated: QuickModeExchange {
    /// The inbound SPI of the child this Quick Mode replaces; nil when it adds one.
    let rekeying: UInt32?
    let pfs: QuickModePFS

    init(messageID: UInt32, iv: [UInt8], nonceI: [UInt8], mySPI: UInt32, rekeying: UInt32?, pfs: QuickModePFS) {
        self.rekeying = rekeying
        self.pfs = pfs
        super.init(messageID: messageID, iv: iv, nonceI: nonceI, mySPI: mySPI)
    }

    override var storedBytes: Int { super.storedBytes + pfs.storedBytes }
}

/// Responder: QM2 is out; `iv` is the CBC IV after QM2, which QM3 decrypts with. The child is
/// ready and installed when HASH(3) verifies.
final class QuickModeReplied: QuickModeExchange {
    let nonceR: [UInt8]
    /// The child SA negotiated, keys included.
    let child: ChildSA

    init(messageID: UInt32, iv: [UInt8], nonceI: [UInt8], nonceR: [UInt8], child: ChildSA) {
        self.nonceR = nonceR
        self.child = child
        super.init(messageID: messageID, iv: iv, nonceI: nonceI, mySPI: child.inbound.spi)
    }

    override var storedBytes: Int { super.storedBytes + nonceR.count }
}

/// Perfect forward secrecy of one Quick Mode (RFC 2409 §5.5): with it, our Diffie-Hellman pair
/// of the group, whose public value goes in the KE payload.
enum QuickModePFS {
    case off
    case on(DHKeyPair)

    /// Our pair for `group`, or `off` without one.
    static func generate(_ group: DHGroup?, env: inout Environment) throws(IKEv1Error) -> QuickModePFS {
        guard let group else { return .off }
        do { return .on(try DHKeyPair.generate(group: group, entropy: &env.entropy)) } catch {
            throw IKEv1Error(.crypto, "PFS \(group): \(error.reason)")
        }
    }

    /// Our KE payload, when PFS is on.
    var keyExchangePayloads: [Payload] {
        guard case .on(let dh) = self else { return [] }
        return [.keyExchange(KeyExchangePayload(data: dh.publicValue))]
    }

    /// g(qm)^xy when the chosen transform has PFS (nil without); checks that the peer's KE payload
    /// is present exactly when it should be, and of our group.
    func sharedSecret(_ payloads: [Payload], chosenGroup: DHGroup?) throws(IKEv1Error) -> SecretBytes? {
        let ke = payloads.first(ofType: KeyExchangePayload.self)
        guard let group = chosenGroup else {
            if ke != nil { throw IKEv1Error(.payloadMalformed, "KE payload without PFS in the chosen transform") }
            return nil
        }
        guard let ke, case .on(let dh) = self, dh.group == group else {
            throw IKEv1Error(.payloadMalformed, "PFS with \(group) needs a KE payload of that group")
        }
        do { return try dh.sharedSecret(peer: ke.data) } catch {
            throw IKEv1Error(.invalidKey, "Quick Mode KE rejected: \(error.reason)")
        }
    }

    var storedBytes: Int { if case .on(let dh) = self { dh.publicValue.count } else { 0 } }
}
