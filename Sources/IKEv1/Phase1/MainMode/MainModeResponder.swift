import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5 Main Mode, responder side (see MainModeInitiator.swift for the diagram).
// The PSK is chosen by the peer's address before its (encrypted) ID arrives; with
// signatures the Certificate Requests in MM3 decide which CERTs MM6 carries.
//
// States: idle -> mainModeRepliedSA(ProposalChosen) -> mainModeRepliedKE(Keyed) -> established.
extension ISAKMPSession {
    /// Message 1: choose by our own policy order, answer with the chosen transform unchanged.
    mutating func mainModeResponderFirst(_ message: ISAKMPMessage, request: MessageFingerprint,
                                         env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 1 is encrypted") }
        try PayloadRule.mm1.check(payloads)
        let offered = try payloads.required(SecurityAssociationPayload.self)
        let (proposal, reply) = try Self.choose(from: offered, policy: config)
        let peerVIDs = readVendorIDs(payloads)
        phase1 = .mainModeRepliedSA(ProposalChosenState(saiB: offered.body, chosen: proposal))
        let out = [Payload.securityAssociation(reply)] + vendorIDs(replyingTo: peerVIDs)
        sendResponse(ISAKMPMessage(header: header(.mainMode), payloads: out).encode(), to: request, messageID: 0, into: &actions)
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .halfOpen), at: env.now.adding(seconds: halfOpenTimeout)))
    }

    /// Messages 3 and 5 at the responder.
    mutating func mainModeResponderReceive(_ message: ISAKMPMessage, request: MessageFingerprint, from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        switch phase1 {
        case .mainModeRepliedSA(let chosenState):
            guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 3 is encrypted") }
            try PayloadRule.mm3.check(payloads)
            let chosen = chosenState.chosen
            let gxi = try payloads.required(KeyExchangePayload.self).data
            let nonceI = try payloads.required(NoncePayload.self).data
            try checkNonce(nonceI)
            try Self.validatePeerKE(gxi, group: chosen.group, what: "peer's KE value")
            checkNATD(payloads, hash: chosen.hash, from: from, to: to)
            let (dh, nonceR) = try Self.makeKEAndNonce(group: chosen.group, env: &env)
            let keyed = try derive(saiB: chosenState.saiB, chosen: chosen, dh: dh, peerKE: gxi, nonceI: nonceI, nonceR: nonceR,
                                   certificateRequests: CertificateRequests().adding(payloads))
            let out = [Payload.keyExchange(KeyExchangePayload(data: dh.publicValue)), .nonce(NoncePayload(data: nonceR))]
                + (chosen.authMethod.isSignature ? certificateRequests : []) + natDPayloads(hash: chosen.hash, env: &env)
            phase1 = .mainModeRepliedKE(keyed)
            sendResponse(ISAKMPMessage(header: header(.mainMode), payloads: out).encode(), to: request, messageID: 0, into: &actions)

        case .mainModeRepliedKE(var keyed):
            let d = try decryptAuthentication(message, keyed, which: "Main Mode message 5")
            keyed.iv = d.nextIV   // an error notify is then encrypted as the initiator expects
            phase1 = .mainModeRepliedKE(keyed)
            try PayloadRule.mmAuth(5, signatures: keyed.usesSignatures).check(d.payloads)
            let idi = try d.payloads.required(IdentificationPayload.self)
            let identity = try acceptPeerID(idi)
            let certificate = try verifyPeerAuthentication(d.payloads, id: idi, keyed, env: env)
            // charon as initiator sends its Certificate Requests only here, beside its CERT.
            keyed.peerCertificateRequests.note(d.payloads)
            followPeer(from: from, to: to)
            noteNotifies(d.payloads, into: &actions)
            let out: [Payload] = [.identification(localIDPayload)]
                + (try authenticationPayloads(keyed, byInitiator: false, idBody: localIDPayload.body))
            let (bytes, iv) = try keyed.protection.encryptedMessage(header(.mainMode), out, iv: keyed.iv)
            keyed.iv = iv
            sendResponse(bytes, to: request, messageID: 0, into: &actions)
            phase1Complete(keyed, peerIdentity: identity, peerCertificate: certificate, env: env, into: &actions)
            afterPhase1(env: &env, into: &actions)

        default:
            throw IKEv1Error(.unexpectedMessage, "Main Mode message in state \(phase1.name)")
        }
    }

    /// After an authenticated message: follow the peer to the address and port it used (NAT-T float, RFC 3947 §4).
    mutating func followPeer(from: SocketAddress, to: SocketAddress) {
        if to.port == 4500 && !nat.floated {
            nat.floated = true
            local = to
        }
        remote = from
    }

    /// Reports status notifies (INITIAL-CONTACT ...) that came inside Phase 1 messages.
    func noteNotifies(_ payloads: [Payload], into actions: inout [Action]) {
        for n in payloads.all(ofType: NotificationPayload.self) {
            actions.append(.notifyReceived(ReceivedNotify(sa: id, type: n.notifyType, protocolID: n.protocolID, spi: n.spi, data: n.data)))
        }
    }
}
