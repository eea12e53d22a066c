import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5.5 Quick Mode, responder side (diagram in QuickModeStates.swift).
// The responder chooses by its own policy order, mirrors the client IDs, sends
// RESPONDER-LIFETIME when its lifetime is shorter (RFC 2407 §4.5.4), retransmits
// QM2 until HASH(3) arrives (as charon), and installs the child on HASH(3).
extension ISAKMPSession {
    /// QM1 at the responder.
    mutating func quickModeResponderFirst(_ message: ISAKMPMessage, request: MessageFingerprint, _ protection: ISAKMPProtection,
                                          env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let mid = message.header.messageID
        let keys = protection.keys
        let ivBase: [UInt8]
        do {   // the established state is read in this scope only (see `route`)
            guard case .established(let e) = phase1 else { throw IKEv1Error(.unexpectedMessage, "Quick Mode \(mid) in state \(phase1.name)") }
            guard e.remoteAccess.allowsQuickMode else {
                throw IKEv1Error(.unexpectedMessage, "Quick Mode \(mid) before XAUTH and Mode Config completed (\(e.remoteAccess.name))")
            }
            ivBase = e.ivBase
        }
        guard !usedMessageIDs.contains(mid) else {
            throw IKEv1Error(.unexpectedMessage, "Quick Mode message ID \(mid) already used on this ISAKMP SA")
        }
        let d = try protection.decrypt(message, iv: protection.phase2IV(base: ivBase, messageID: mid))
        try verifyHash(d, which: "HASH(1)") { keys.quickModeHash1(messageID: mid, afterHash: $0) }
        usedMessageIDs.insert(mid)
        updateEstablished { $0.peerQuickModes += 1 }
        try PayloadRule.qm1.check(d.payloads)
        let nonceI = try d.payloads.required(NoncePayload.self).data
        try checkNonce(nonceI)
        let ids = d.payloads.all(ofType: IdentificationPayload.self)
        let selectors = try clientSelectors(ids)
        let sa = try d.payloads.required(SecurityAssociationPayload.self)
        let (chosen, proposal, transform) = try chooseChild(sa)
        guard let peerSPI = proposal.spi32 else { throw IKEv1Error(.payloadMalformed, "ESP/AH SPI must be 4 bytes") }
        // The peer's KE value is checked (RFC 6989) where the shared secret is derived, below: the
        // peer has proved itself with HASH(1), so unlike Main Mode message 3 (validatePeerKE) a bad
        // value is not checked ahead of our key generation as well.
        if let g = chosen.proposal.pfsGroup, !d.payloads.contains(where: { $0.type == .keyExchange }) {
            throw IKEv1Error(.payloadMalformed, "PFS with \(g) needs a KE payload of that group")
        }
        let mySPI = newSPI(env: &env)
        let nonceR = env.bytes(32)
        let ourPFS = try QuickModePFS.generate(chosen.proposal.pfsGroup, env: &env)
        let pfs = try ourPFS.sharedSecret(d.payloads, chosenGroup: chosen.proposal.pfsGroup)
        let offeredLife = chosen.lifetime
        let lifetime = offeredLife.shortest(config.childLifetime)
        let replySA = SecurityAssociationPayload(doi: sa.doi, situation: sa.situation, proposals: [
            ProposalPayload(number: proposal.number, protocolID: proposal.protocolID, spi: mySPI.beBytes, transforms: [transform]),
        ])
        var rest: [Payload] = [.securityAssociation(replySA), .nonce(NoncePayload(data: nonceR))] + ourPFS.keyExchangePayloads
        rest += ids.map { .identification($0) }
        if lifetime != offeredLife {
            rest.append(.notification(NotificationPayload(protocolID: proposal.protocolID, notifyType: .responderLifetime,
                                                          spi: proposal.spi, data: Self.lifetimeNotifyData(lifetime))))
        }
        let oa = d.payloads.all(ofType: NATOriginalAddressPayload.self)
        rest += natOAPayloads(initiatorAddress: remote.address, responderAddress: config.localAddress.address)
        let hash2 = keys.quickModeHash2(messageID: mid, nonceI: nonceI, afterHash: ISAKMPMessage.encodePayloads(rest))
        let (bytes, iv) = try quickModeMessage(messageID: mid, hash: hash2, rest: rest, iv: d.nextIV, protection)
        let child = makeChild(messageID: mid, mySPI: mySPI, peerSPI: peerSPI, nonceI: nonceI, nonceR: nonceR, keys: keys,
                              proposal: chosen.proposal, pfs: pfs, lifetime: lifetime, selectors: selectors,
                              peerOriginalAddress: oa.first?.address, env: env)
        let qm = QuickModeReplied(messageID: mid, iv: iv, nonceI: nonceI, nonceR: nonceR, child: child)
        updateEstablished { $0.quickModes[mid] = qm }
        remember(request: request, response: datagrams(bytes), messageID: mid)
        sendRequest(bytes, messageID: mid, env: env, into: &actions)
    }

    /// QM3 at the responder.
    mutating func quickModeResponderFinal(_ message: ISAKMPMessage, qm: QuickModeReplied, _ protection: ISAKMPProtection,
                                          env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let keys = protection.keys
        let d = try protection.decrypt(message, iv: qm.iv)
        try verifyHash(d, which: "HASH(3)") { _ in keys.quickModeHash3(messageID: qm.messageID, nonceI: qm.nonceI, nonceR: qm.nonceR) }
        try PayloadRule.qm3.check(d.payloads)
        answered(qm.messageID, into: &actions)
        updateEstablished { $0.quickModes[qm.messageID] = nil }
        lastExchange[qm.messageID] = nil
        install(qm.child, rekeying: nil, initiatedByUs: false, env: &env, into: &actions)
    }

    /// Our first policy proposal that the initiator offered, and the offered proposal/transform it matched.
    func chooseChild(_ sa: SecurityAssociationPayload) throws(IKEv1Error) -> (ParsedChildTransform, ProposalPayload, TransformPayload) {
        var offered: [(ParsedChildTransform, ProposalPayload, TransformPayload)] = []
        for p in sa.proposals where p.protocolID == .esp || p.protocolID == .ah {
            for t in p.transforms {
                if let parsed = ParsedChildTransform(t, protocolID: p.protocolID) { offered.append((parsed, p, t)) }
            }
        }
        let modes: Set<UInt16> = nat.detected
            ? [config.encapsulationMode(udp: true, draft: false), config.encapsulationMode(udp: true, draft: true)]
            : [config.encapsulationMode(udp: false, draft: false)]
        for mine in config.childProposals where config.legacy || !mine.isLegacy {
            if let match = offered.first(where: { $0.0.proposal == mine && modes.contains($0.0.encapsulationMode) }) {
                return match
            }
        }
        throw IKEv1Error(.noProposalChosen, "none of the offered ESP/AH transforms [\(offered.map { $0.0.proposal.description }.joined(separator: ", "))] "
                         + "matches ours [\(config.childProposals.map(\.description).joined(separator: ", "))] in \(config.mode) mode"
                         + (nat.detected ? " with UDP encapsulation" : ""))
    }

    /// The child's selectors (ours, the peer's) from the initiator's IDci/IDcr (RFC 2409 §5.5),
    /// which must lie within our selectors, or be absent for host-to-host. Like charon, we take a
    /// proposal narrower than ours as it is (charon narrows to the same); a wider or overlapping one
    /// is refused with INVALID-ID-INFORMATION, where charon would narrow it to the intersection.
    func clientSelectors(_ ids: [IdentificationPayload]) throws(IKEv1Error) -> (local: TrafficSelector?, remote: TrafficSelector?) {
        let (localTS, remoteTS) = quickModeSelectors
        switch (ids.count, localTS, remoteTS) {
        case (0, nil, nil):
            return (nil, nil)
        case (0, let l, let r) where config.mode == .transport:
            return (l, r)
        case (2, nil, nil) where Self.namesHost(ids[0], remote.address) && Self.namesHost(ids[1], config.localAddress.address):
            // Host-to-host, with the hosts named explicitly (charon does this in transport mode).
            return (nil, nil)
        case (2, let l?, let r?):
            guard let initiator = TrafficSelector(ids[0]), let responder = TrafficSelector(ids[1]), r.covers(initiator) else {
                throw IKEv1Error(.invalidID, "traffic selectors \(Self.describe(ids[0])) <-> \(Self.describe(ids[1])) are not within ours \(r) <-> \(l)")
            }
            if l.covers(responder) { return (responder, initiator) }
            // A remote-access client proposes 0.0.0.0/0 for us: narrowed to what we protect, as
            // charon (its QM2 echoes the proposal, the SA holds the narrowed selector).
            guard narrowsClientSelectors, responder.covers(l) else {
                throw IKEv1Error(.invalidID, "traffic selectors \(Self.describe(ids[0])) <-> \(Self.describe(ids[1])) are not within ours \(r) <-> \(l)")
            }
            return (l, initiator)
        case (0, _, _):
            throw IKEv1Error(.invalidID, "Quick Mode without client IDs, but we protect \(localTS.map(\.description) ?? "-")")
        default:
            throw IKEv1Error(.invalidID, "\(ids.count) client ID payloads where we expect \(localTS == nil ? 0 : 2)")
        }
    }

    static func describe(_ id: IdentificationPayload) -> String {
        TrafficSelector(id.identity ?? .other(id.idType, id.data), ipProtocol: id.protocolID, port: id.port).description
    }

    /// RESPONDER-LIFETIME data: SA-Life-Type / SA-Life-Duration attributes (RFC 2407 §4.5.4);
    /// a duration above 16 bits is sent as a 4-byte TLV value.
    static func lifetimeNotifyData(_ life: Lifetime) -> [UInt8] {
        func duration(_ v: UInt32) -> DataAttribute {
            v <= 0xffff ? .basic(IPsecAttribute.lifeDuration, UInt16(v))
                : DataAttribute(type: IPsecAttribute.lifeDuration, value: .variable(v.beBytes))
        }
        var attributes: [DataAttribute] = []
        if let s = life.seconds { attributes += [.basic(IPsecAttribute.lifeType, 1), duration(s)] }
        if let k = life.kilobytes { attributes += [.basic(IPsecAttribute.lifeType, 2), duration(k)] }
        return DataAttribute.encode(attributes)
    }
}
