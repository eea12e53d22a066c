import IPsecCrypto
import ISAKMPWire

/// Phase 1 complete (RFC 2409 §5): the ISAKMP SA's keys, the IV base of its Quick Mode and
/// Informational exchanges, the peer it authenticated, and what runs on it since: Quick Modes
/// in flight, the child SAs they installed, DPD.
struct EstablishedState {
    let protection: ISAKMPProtection
    /// The last CBC block of Phase 1, from which every later exchange's IV is derived (RFC 2409 Appendix B).
    let ivBase: [UInt8]
    /// The identity the peer proved.
    let peerIdentity: Identity
    /// The certificate the peer authenticated with; nil when it authenticated with a pre-shared key.
    let peerCertificate: Certificate?
    /// When Phase 1 completed.
    let establishedAt: EngineTime

    /// Quick Modes in flight, by message ID.
    var quickModes: [UInt32: QuickModeExchange] = [:]
    /// Installed child SAs, by our inbound SPI.
    var children: [UInt32: ChildSA] = [:]
    /// What the ESP layer reported per child (inbound SPI), for volume lifetimes.
    var usage: [UInt32: ChildUsage] = [:]
    /// Children we negotiated as Quick Mode initiator: we rekey those.
    var ownChildren: Set<UInt32> = []
    /// Quick Modes the peer started on this SA (bounded by ``ResponderLimits/quickModesPerISAKMPSA``).
    var peerQuickModes = 0
    var dpd = DPDState.quiet
    /// XAUTH and Mode Config (RemoteAccess/States/): Quick Mode waits until they complete.
    var remoteAccess = RemoteAccessState.siteToSite
    /// Make-before-break renewal (RenewalState.swift).
    var renewal = ISAKMPRenewal.idle

    /// The peer's authentication verified: Phase 1's IV chain ends, its last block becomes the base.
    init(keyed: KeyedState, peerIdentity: Identity, peerCertificate: Certificate?, at now: EngineTime) {
        self.init(protection: keyed.protection, ivBase: keyed.iv, peerIdentity: peerIdentity,
                  peerCertificate: peerCertificate, at: now)
    }

    init(protection: ISAKMPProtection, ivBase: [UInt8], peerIdentity: Identity, peerCertificate: Certificate?, at now: EngineTime) {
        self.protection = protection
        self.ivBase = ivBase
        self.peerIdentity = peerIdentity
        self.peerCertificate = peerCertificate
        establishedAt = now
    }

    /// Removes a child and what is counted for it; nil when there is none with that SPI.
    mutating func removeChild(inboundSPI: UInt32) -> ChildSA? {
        guard let child = children.removeValue(forKey: inboundSPI) else { return nil }
        usage[inboundSPI] = nil
        ownChildren.remove(inboundSPI)
        return child
    }

    /// Takes every child out, with what is counted for it: they move to another ISAKMP SA of the peer.
    mutating func releaseChildren() -> [HeldChild] {
        let held = children.keys.sorted().compactMap { spi in
            children[spi].map { HeldChild(child: $0, own: ownChildren.contains(spi), usage: usage[spi] ?? ChildUsage()) }
        }
        children.removeAll()
        usage.removeAll()
        ownChildren.removeAll()
        return held
    }

    /// Takes children over from another ISAKMP SA of the same peer.
    mutating func adopt(_ held: [HeldChild]) {
        for h in held {
            let spi = h.child.inbound.spi
            children[spi] = h.child
            if h.usage != ChildUsage() { usage[spi] = h.usage }
            if h.own { ownChildren.insert(spi) }
        }
    }

    /// Quick Modes the peer has in progress with us as responder.
    var peerQuickModesInProgress: Int { quickModes.values.reduce(0) { $0 + ($1.isInitiator ? 0 : 1) } }

    var storedBytes: Int {
        ivBase.count + quickModes.values.reduce(0) { $0 + $1.storedBytes } + remoteAccess.storedBytes
    }
}
