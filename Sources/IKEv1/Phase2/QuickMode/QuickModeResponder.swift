import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5.5 Quick Mode, responder side (diagram in QuickModeExchange.swift).
// The responder chooses by its own policy order, mirrors the client IDs, sends
// RESPONDER-LIFETIME when its lifetime is shorter (RFC 2407 §4.5.4), retransmits
// QM2 until HASH(3) arrives (as charon), and installs the child on HASH(3).
extension ISAKMPSession {
    /// QM1 at the responder.
    mutating func quickModeResponderFirst(_ message: ISAKMPMessage, raw: [UInt8],
                                          env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let mid = message.header.messageID
        guard let keys else { throw IKEv1Error(.crypto, "no keys") }
        guard !usedMessageIDs.contains(mid) else {
            throw IKEv1Error(.unexpectedMessage, "Quick Mode message ID \(mid) already used on this ISAKMP SA")
        }
        var qm = QuickModeExchange(messageID: mid, isInitiator: false, stage: .repliedSecond,
                                   iv: IKEv1IV.phase2(hash: hash, lastPhase1Block: lastPhase1Block, messageID: mid, blockSize: blockSize),
                                   mySPI: 0)
        let d = try decrypt(message, iv: qm.iv)
        try verifyQuickModeHash(d, expected: keys.quickModeHash1(messageID: mid, afterHash: d.afterFirstPayload), which: "HASH(1)")
        usedMessageIDs.insert(mid)
        peerQuickModes += 1
        try PayloadRule.qm1.check(d.payloads)
        qm.iv = d.nextIV
        qm.nonceI = try d.payloads.required(NoncePayload.self).data
        try checkNonce(qm.nonceI)
        let ids = d.payloads.all(ofType: IdentificationPayload.self)
        let selectors = try clientSelectors(ids)
        let sa = try d.payloads.required(SecurityAssociationPayload.self)
        let (chosen, proposal, transform) = try chooseChild(sa)
        guard let peerSPI = proposal.spi32 else { throw IKEv1Error(.payloadMalformed, "ESP/AH SPI must be 4 bytes") }
        if let g = chosen.proposal.pfsGroup {
            guard let ke = d.payloads.first(ofType: KeyExchangePayload.self) else {
                throw IKEv1Error(.payloadMalformed, "PFS with \(g) needs a KE payload of that group")
            }
            try Self.validatePeerKE(ke.data, group: g, what: "Quick Mode KE")
        }
        qm.mySPI = newSPI(env: &env)
        qm.nonceR = env.bytes(32)
        if let g = chosen.proposal.pfsGroup {
            do { qm.dh = try DHKeyPair.generate(group: g, entropy: &env.entropy) } catch {
                throw IKEv1Error(.crypto, "PFS \(g): \(error.reason)")
            }
        }
        let pfs = try pfsSecret(qm.dh, d.payloads, wanted: chosen.proposal.pfsGroup)
        let offeredLife = chosen.lifetime
        let lifetime = offeredLife.shortest(config.childLifetime)
        let replySA = SecurityAssociationPayload(doi: sa.doi, situation: sa.situation, proposals: [
            ProposalPayload(number: proposal.number, protocolID: proposal.protocolID, spi: qm.mySPI.beBytes, transforms: [transform]),
        ])
        var rest: [Payload] = [.securityAssociation(replySA), .nonce(NoncePayload(data: qm.nonceR))]
        if let dh = qm.dh { rest.append(.keyExchange(KeyExchangePayload(data: dh.publicValue))) }
        rest += ids.map { .identification($0) }
        if lifetime != offeredLife {
            rest.append(.notification(NotificationPayload(protocolID: proposal.protocolID, notifyType: .responderLifetime,
                                                          spi: proposal.spi, data: Self.lifetimeNotifyData(lifetime))))
        }
        let oa = d.payloads.all(ofType: NATOriginalAddressPayload.self)
        rest += natOAPayloads(initiatorAddress: remote.address, responderAddress: config.localAddress.address)
        let hash2 = keys.quickModeHash2(messageID: mid, nonceI: qm.nonceI, afterHash: ISAKMPMessage.encodePayloads(rest))
        let (bytes, iv) = try quickModeMessage(messageID: mid, hash: hash2, rest: rest, iv: qm.iv)
        qm.iv = iv
        qm.pending = makeChild(qm, proposal: chosen.proposal, peerSPI: peerSPI, pfs: pfs, lifetime: lifetime, selectors: selectors,
                               peerOriginalAddress: oa.first?.address, env: env)
        quickModes[mid] = qm
        remember(request: raw, response: datagram(bytes), messageID: mid)
        sendRequest(bytes, messageID: mid, env: env, into: &actions)
    }

    /// QM3 at the responder.
    mutating func quickModeResponderFinal(_ message: ISAKMPMessage, qm: QuickModeExchange,
                                          env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard let keys, let child = qm.pending else { throw IKEv1Error(.crypto, "no keys") }
        let d = try decrypt(message, iv: qm.iv)
        try verifyQuickModeHash(d, expected: keys.quickModeHash3(messageID: qm.messageID, nonceI: qm.nonceI, nonceR: qm.nonceR),
                                which: "HASH(3)")
        try PayloadRule.qm3.check(d.payloads)
        answered(qm.messageID, into: &actions)
        quickModes[qm.messageID] = nil
        lastExchange[qm.messageID] = nil
        install(child, rekeying: nil, initiatedByUs: false, env: &env, into: &actions)
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
        switch (ids.count, config.localTrafficSelector, config.remoteTrafficSelector) {
        case (0, nil, nil):
            return (nil, nil)
        case (0, let l, let r) where config.mode == .transport:
            return (l, r)
        case (2, nil, nil) where Self.namesHost(ids[0], remote.address) && Self.namesHost(ids[1], config.localAddress.address):
            // Host-to-host, with the hosts named explicitly (charon does this in transport mode).
            return (nil, nil)
        case (2, let l?, let r?):
            guard let initiator = TrafficSelector(ids[0]), let responder = TrafficSelector(ids[1]),
                  r.covers(initiator), l.covers(responder) else {
                throw IKEv1Error(.invalidID, "traffic selectors \(Self.describe(ids[0])) <-> \(Self.describe(ids[1])) are not within ours \(r) <-> \(l)")
            }
            return (responder, initiator)
        case (0, _, _):
            throw IKEv1Error(.invalidID, "Quick Mode without client IDs, but we protect \(config.localTrafficSelector.map(\.description) ?? "-")")
        default:
            throw IKEv1Error(.invalidID, "\(ids.count) client ID payloads where we expect \(config.localTrafficSelector == nil ? 0 : 2)")
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
