import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5.5 Quick Mode, initiator side (diagram in QuickModeStates.swift).
extension ISAKMPSession {
    /// Sends QM1 on the established ISAKMP SA; `rekeying` names the child it replaces.
    mutating func startQuickMode(rekeying: UInt32?, env: inout Environment, into actions: inout [Action]) {
        guard let (protection, ivBase) = quickModeKeys else { return }   // started once XAUTH/Mode Config complete
        let mid = newMessageID(env: &env)
        let spi = newSPI(env: &env)
        let nonceI = env.bytes(32)
        let pfsGroup = config.childProposals[0].pfsGroup
        let offer = config.childProposals.filter { $0.pfsGroup == pfsGroup }
        let pfs: QuickModePFS
        do { pfs = try .generate(pfsGroup, env: &env) } catch {
            actions.append(.failed(Failure(sa: id, error: error)))
            return
        }
        let rest: [Payload] = [.securityAssociation(childSA(offer, spi: spi)), .nonce(NoncePayload(data: nonceI))]
            + pfs.keyExchangePayloads + clientIDs
            + natOAPayloads(initiatorAddress: config.localAddress.address, responderAddress: remote.address)
        let hash1 = protection.keys.quickModeHash1(messageID: mid, afterHash: ISAKMPMessage.encodePayloads(rest))
        do {
            let (bytes, iv) = try quickModeMessage(messageID: mid, hash: hash1, rest: rest,
                                                   iv: protection.phase2IV(base: ivBase, messageID: mid), protection)
            let qm = QuickModeInitiated(messageID: mid, iv: iv, nonceI: nonceI, mySPI: spi, rekeying: rekeying, pfs: pfs)
            updateEstablished { $0.quickModes[mid] = qm }
            sendRequest(bytes, messageID: mid, env: env, into: &actions)
        } catch {
            actions.append(.failed(Failure(sa: id, error: error)))
        }
    }

    /// The keys and IV base of an established SA that may run Quick Modes (XAUTH and Mode Config
    /// complete), nil otherwise. Only these are read out: a copy of the established state held
    /// while a Quick Mode edits it would make each edit copy a table.
    var quickModeKeys: (protection: ISAKMPProtection, ivBase: [UInt8])? {
        guard case .established(let e) = phase1, e.remoteAccess.allowsQuickMode else { return nil }
        return (e.protection, e.ivBase)
    }

    /// The SA payload of QM1: one proposal per protocol, all transforms of that protocol in our order.
    func childSA(_ offer: [ChildProposal], spi: UInt32) -> SecurityAssociationPayload {
        var proposals: [ProposalPayload] = []
        let (mode, lifetime) = (encapsulationMode, config.childLifetime)   // read once, not per transform
        for proto in [ChildProtocol.esp, .ah] {
            let list = offer.filter { $0.ipsecProtocol == proto }
            guard !list.isEmpty else { continue }
            let transforms = list.enumerated().map {
                $0.element.transform(number: UInt8(truncatingIfNeeded: $0.offset + 1), encapsulationMode: mode, lifetime: lifetime)
            }
            proposals.append(ProposalPayload(number: UInt8(proposals.count + 1), protocolID: proto.protocolID,
                                             spi: spi.beBytes, transforms: transforms))
        }
        return SecurityAssociationPayload(proposals: proposals)
    }

    /// QM2 at the initiator: verify HASH(2), take the chosen transform, answer HASH(3), install.
    mutating func quickModeInitiatorReceive(_ message: ISAKMPMessage, request: MessageFingerprint, qm: QuickModeInitiated,
                                            _ protection: ISAKMPProtection,
                                            env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let mid = qm.messageID, keys = protection.keys
        let d = try protection.decrypt(message, iv: qm.iv)
        try verifyHash(d, which: "HASH(2)") { keys.quickModeHash2(messageID: mid, nonceI: qm.nonceI, afterHash: $0) }
        try PayloadRule.qm2.check(d.payloads)
        let sa = try d.payloads.required(SecurityAssociationPayload.self)
        guard sa.proposals.count == 1, sa.proposals[0].transforms.count == 1, let peerSPI = sa.proposals[0].spi32,
              let chosen = ParsedChildTransform(sa.proposals[0].transforms[0], protocolID: sa.proposals[0].protocolID),
              config.childProposals.contains(chosen.proposal) else {
            throw IKEv1Error(.noProposalChosen, "Quick Mode responder chose a transform we did not offer")
        }
        let nonceR = try d.payloads.required(NoncePayload.self).data
        try checkNonce(nonceR)
        let pfs = try qm.pfs.sharedSecret(d.payloads, chosenGroup: chosen.proposal.pfsGroup)
        let ids = d.payloads.all(ofType: IdentificationPayload.self)
        let hostToHostEcho = clientIDs.isEmpty && ids.count == 2
            && Self.namesHost(ids[0], local.address) && Self.namesHost(ids[1], remote.address)
        if ids.map({ Payload.identification($0) }) != clientIDs && !hostToHostEcho {
            throw IKEv1Error(.invalidID, "Quick Mode responder changed the traffic selectors")
        }
        var lifetime = config.childLifetime.shortest(chosen.lifetime)
        for n in d.payloads.all(ofType: NotificationPayload.self) where n.notifyType == .responderLifetime {
            lifetime = lifetime.shortest(Self.lifetime(fromNotifyData: n.data))   // RFC 2407 §4.5.4
        }
        let oa = d.payloads.all(ofType: NATOriginalAddressPayload.self)
        let hash3 = keys.quickModeHash3(messageID: mid, nonceI: qm.nonceI, nonceR: nonceR)
        let (bytes, _) = try quickModeMessage(messageID: mid, hash: hash3, rest: [], iv: d.nextIV, protection)
        answered(mid, into: &actions)
        sendResponse(bytes, to: request, messageID: mid, into: &actions)
        updateEstablished { $0.quickModes[mid] = nil }
        let child = makeChild(messageID: mid, mySPI: qm.mySPI, peerSPI: peerSPI, nonceI: qm.nonceI, nonceR: nonceR, keys: keys,
                              proposal: chosen.proposal, pfs: pfs, lifetime: lifetime,
                              selectors: quickModeSelectors,
                              peerOriginalAddress: oa.count > 1 ? oa[1].address : nil, env: env)
        install(child, rekeying: qm.rekeying, initiatedByUs: true, env: &env, into: &actions)
    }

    /// Lifetime attributes from RESPONDER-LIFETIME data (RFC 2407 §4.5.4);
    /// malformed data gives no lifetime.
    static func lifetime(fromNotifyData data: [UInt8]) -> Lifetime {
        var life = Lifetime()
        var type: UInt64?
        for a in (try? DataAttribute.decodeList(data)) ?? [] {
            guard let value = a.integerValue else { continue }
            switch a.type {
            case IPsecAttribute.lifeType: type = value
            case IPsecAttribute.lifeDuration: _ = life.set(type: type, duration: value)
            default: break
            }
        }
        return life
    }

    /// True when a client ID names exactly `host`, any protocol and port: what a responder
    /// like charon returns for host-to-host SAs we proposed without IDs (RFC 2409 §5.5).
    static func namesHost(_ id: IdentificationPayload, _ host: [UInt8]) -> Bool {
        guard id.protocolID == 0, id.port == 0, let identity = id.identity else { return false }
        switch identity {
        case .ipv4(let a), .ipv6(let a): return a == host
        case .ipv4Subnet(let a, let m), .ipv6Subnet(let a, let m): return a == host && m.allSatisfy { $0 == 0xff }
        default: return false
        }
    }
}
