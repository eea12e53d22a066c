import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5.5 Quick Mode:
//
//      Initiator                        Responder
//     -----------                      -----------
//      HDR*, HASH(1), SA, Ni
//        [, KE ] [, IDci, IDcr ]  -->
//                                 <--   HDR*, HASH(2), SA, Nr
//                                             [, KE ] [, IDci, IDcr ]
//      HDR*, HASH(3)              -->
//
//   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
//   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
//   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)

extension UInt32 {
    /// Network byte order.
    var beBytes: [UInt8] { [UInt8(truncatingIfNeeded: self >> 24), UInt8(truncatingIfNeeded: self >> 16),
                            UInt8(truncatingIfNeeded: self >> 8), UInt8(truncatingIfNeeded: self)] }
    init?(beBytes b: [UInt8]) {
        guard b.count == 4 else { return nil }
        self = b.reduce(0) { $0 << 8 | UInt32($1) }
    }
}

extension ISAKMPSession {
    /// A fresh message ID, unique on this ISAKMP SA (RFC 2408 §3.1).
    mutating func newMessageID(env: inout Environment) -> UInt32 {
        while true {
            let m = env.nonZeroU32()
            if usedMessageIDs.insert(m).inserted { return m }
        }
    }

    /// A fresh SPI (values below 256 are reserved, RFC 4303 §2.1), used by no child or Quick Mode of this SA.
    func newSPI(env: inout Environment) -> UInt32 {
        while true {
            let s = env.u32()
            if s >= 256 && !spiInUse(s) { return s }
        }
    }

    /// True when an installed child or a Quick Mode in flight has inbound SPI `spi`.
    private func spiInUse(_ spi: UInt32) -> Bool {
        guard case .established(let e) = phase1 else { return false }
        return e.children.index(forKey: spi) != nil || e.quickModes.values.contains { $0.mySPI == spi }
    }

    /// UDP encapsulation mode code for this SA's NAT state.
    var encapsulationMode: UInt16 { config.encapsulationMode(udp: nat.detected, draft: nat.draft) }

    /// IDci, IDcr as Quick Mode initiator; omitted for host-to-host (RFC 2409 §5.5).
    var clientIDs: [Payload] {
        guard case (let l?, let r?) = quickModeSelectors else { return [] }
        return [.identification(l.payload), .identification(r.payload)]
    }

    /// NAT-OA payloads for transport mode behind NAT (RFC 3947 §5.2): NAT-OAi then NAT-OAr.
    func natOAPayloads(initiatorAddress: [UInt8], responderAddress: [UInt8]) -> [Payload] {
        guard config.mode == .transport, nat.detected else { return [] }
        let type: PayloadType = nat.draft ? .natOriginalAddressDraft : .natOriginalAddress
        return [initiatorAddress, responderAddress].map { a in
            .natOriginalAddress(NATOriginalAddressPayload(idType: a.count == 4 ? .ipv4Address : .ipv6Address, address: a, type: type))
        }
    }

    /// KEYMAT for one direction (RFC 2409 §5.5), split into cipher and integrity keys.
    static func childKeys(_ proposal: ChildProposal, spi: UInt32, nonceI: [UInt8], nonceR: [UInt8], pfs: SecretBytes?,
                          keys: IKEv1Phase1Keys) -> ChildSAKeys {
        guard proposal.keymatLength > 0 else {
            return ChildSAKeys(spi: spi, encryptionKey: SecretBytes([]), integrityKey: SecretBytes([]))
        }
        let keymat = keys.keymat(protocolID: proposal.ipsecProtocol.protocolID.rawValue, spi: spi.beBytes,
                                 nonceI: nonceI, nonceR: nonceR, pfsSharedSecret: pfs, length: proposal.keymatLength)
        let split = ESPKeyMaterial(keymat: keymat, encryptionKeyLength: proposal.encryptionKeyLength,
                                   integrityKeyLength: proposal.integrityKeyLength)
        return ChildSAKeys(spi: spi, encryptionKey: split.encryptionKey, integrityKey: split.integrityKey)
    }

    /// Builds the child SA value from the negotiated pieces of Quick Mode `messageID`;
    /// `selectors` are (ours, the peer's).
    func makeChild(messageID: UInt32, mySPI: UInt32, peerSPI: UInt32, nonceI: [UInt8], nonceR: [UInt8], keys: IKEv1Phase1Keys,
                   proposal: ChildProposal, pfs: SecretBytes?, lifetime: Lifetime,
                   selectors: (local: TrafficSelector?, remote: TrafficSelector?), peerOriginalAddress: [UInt8]?,
                   env: Environment) -> ChildSA {
        ChildSA(isakmpSA: id, messageID: messageID, ipsecProtocol: proposal.ipsecProtocol, proposal: proposal,
                mode: config.mode, udpEncapsulated: nat.detected, local: local, remote: remote,
                localTrafficSelector: selectors.local, remoteTrafficSelector: selectors.remote,
                inbound: Self.childKeys(proposal, spi: mySPI, nonceI: nonceI, nonceR: nonceR, pfs: pfs, keys: keys),
                outbound: Self.childKeys(proposal, spi: peerSPI, nonceI: nonceI, nonceR: nonceR, pfs: pfs, keys: keys),
                lifetime: lifetime, installed: env.now, peerOriginalAddress: peerOriginalAddress)
    }

    /// Installs a child, arms its rekey/expiry timers, and retires the SA it replaces.
    mutating func install(_ child: ChildSA, rekeying old: UInt32?, initiatedByUs: Bool,
                          env: inout Environment, into actions: inout [Action]) {
        updateEstablished { e in
            e.children[child.inbound.spi] = child
            if initiatedByUs { e.ownChildren.insert(child.inbound.spi) }
        }
        actions.append(.installChildSA(child))
        if let s = child.lifetime.seconds {
            let spi = child.inbound.spi
            actions.append(.scheduleTimer(TimerID(sa: child.isakmpSA, kind: .childExpire(inboundSPI: spi)),
                                          at: env.now.adding(seconds: Double(s))))
            // Jitter from the SPIs, random already: both ends of many SAs do not rekey at once.
            let rekey = RenewalPolicy(margin: config.rekeyMargin, fuzz: config.rekeyFuzz)
            if initiatedByUs, let delay = rekey.renewalDelay(lifetime: Double(s), random: unitFraction(spi ^ child.outbound.spi)) {
                actions.append(.scheduleTimer(TimerID(sa: child.isakmpSA, kind: .childRekey(inboundSPI: spi)),
                                              at: env.now.adding(seconds: delay)))
            }
        }
        if let old = old { deleteChild(inboundSPI: old, reason: "rekeyed", env: &env, into: &actions) }
    }

    /// Verifies the HASH payload that must come first in a Quick Mode or Informational message
    /// (RFC 2409 §5.5, §5.7) against `expected` of the bytes after it.
    func verifyHash(_ d: Decrypted, which: String, expected: ([UInt8]) -> [UInt8]) throws(IKEv1Error) {
        guard case .hash(let h)? = d.payloads.first, let rest = d.afterFirstPayload else {
            throw IKEv1Error(.payloadMalformed, "\(which): the first payload must be HASH")
        }
        guard constantTimeEqual(h.data, expected(rest)) else {
            throw IKEv1Error(.invalidHash, "\(which) does not verify")
        }
    }

    /// The encrypted Quick Mode message `HASH, rest...`.
    func quickModeMessage(messageID: UInt32, hash: [UInt8], rest: [Payload], iv: [UInt8],
                          _ protection: ISAKMPProtection) throws(IKEv1Error) -> ([UInt8], [UInt8]) {
        try protection.encryptedMessage(header(.quickMode, messageID: messageID), [.hash(HashPayload(data: hash))] + rest, iv: iv)
    }
}
