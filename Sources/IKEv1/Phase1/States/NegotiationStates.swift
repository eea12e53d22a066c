import IPsecCrypto
import ISAKMPWire

// The Phase 1 states before keys exist (RFC 2409 §5): an offer sent, a proposal chosen, our
// Diffie-Hellman half sent. SAi_b is the body of the initiator's SA payload as it travelled:
// the bytes we sent, or the bytes we received.

/// Initiator, Main Mode: our SA offer is out (MM1).
struct OfferSentState {
    /// SAi_b: the body of the SA payload we sent.
    let saiB: [UInt8]
}

/// Responder, Main Mode: a proposal chosen from the initiator's offer and answered (MM2).
struct ProposalChosenState {
    /// SAi_b: the body of the initiator's SA payload as received.
    let saiB: [UInt8]
    /// The initiator's transform we chose, with the lifetime in force.
    let chosen: IKEProposal
}

/// Initiator, Main Mode: the responder chose (MM2), our KE value and nonce are out (MM3).
struct KeyExchangeSentState {
    let saiB: [UInt8]
    let chosen: IKEProposal
    /// Our Diffie-Hellman pair of the chosen group: g^xi is its public value.
    let dh: DHKeyPair
    let nonceI: [UInt8]

    init(offer: OfferSentState, chosen: IKEProposal, dh: DHKeyPair, nonceI: [UInt8]) {
        saiB = offer.saiB
        self.chosen = chosen
        self.dh = dh
        self.nonceI = nonceI
    }
}

/// Initiator, Aggressive Mode: offer, KE value, nonce and identity are out in one message (AM1),
/// so the DH group is fixed before the responder chooses.
struct AggressiveOfferSentState {
    let saiB: [UInt8]
    /// Our Diffie-Hellman pair of the offered group.
    let dh: DHKeyPair
    let nonceI: [UInt8]
}

/// The CA names a peer asked certificates of in its Certificate Requests (RFC 2408 §3.10).
struct CertificateRequests {
    /// True once the peer sent a Certificate Request (X.509 signature or unspecified encoding).
    private(set) var asked = false
    /// The CA names requested; an empty request names none.
    private(set) var authorities: [[UInt8]] = []

    /// Adds the requests among `payloads`.
    mutating func note(_ payloads: [Payload]) {
        for cr in payloads.all(ofType: CertificateRequestPayload.self) where cr.encoding == .x509Signature || cr.encoding.rawValue == 0 {
            asked = true
            if !cr.authority.isEmpty { authorities.append(cr.authority) }
        }
    }

    /// The requests of `payloads` on top of these.
    func adding(_ payloads: [Payload]) -> CertificateRequests {
        var all = self
        all.note(payloads)
        return all
    }
}
