import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5 Main Mode, responder side (see MainModeInitiator.swift for the diagram).
// The PSK is chosen by the peer's address before its (encrypted) ID arrives; with
// signatures the Certificate Requests in MM3 decide which CERTs MM6 carries.
extension ISAKMPSession {
    /// Message 1: choose by our own policy order, answer with the chosen transform unchanged.
    mutating func mainModeResponderFirst(_ message: ISAKMPMessage, raw: [UInt8],
                                         env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 1 is encrypted") }
        try PayloadRule.mm1.check(payloads)
        let offered = try payloads.required(SecurityAssociationPayload.self)
        saiB = Payload.securityAssociation(offered).body
        let (proposal, reply) = try Self.choose(from: offered, policy: config)
        chosen = proposal
        let peerVIDs = readVendorIDs(payloads)
        let out = [Payload.securityAssociation(reply)] + vendorIDs(replyingTo: peerVIDs)
        sendResponse(ISAKMPMessage(header: header(.mainMode), payloads: out).encode(), to: raw, messageID: 0, into: &actions)
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .halfOpen), at: env.now.adding(seconds: halfOpenTimeout)))
    }

    /// Messages 3 and 5 at the responder.
    mutating func mainModeResponderReceive(_ message: ISAKMPMessage, raw: [UInt8], from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        switch state {
        case .mainModeRepliedSA:
            guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 3 is encrypted") }
            try PayloadRule.mm3.check(payloads)
            gxi = try payloads.required(KeyExchangePayload.self).data
            nonceI = try payloads.required(NoncePayload.self).data
            try checkNonce(nonceI)
            try Self.validatePeerKE(gxi, group: chosen!.group, what: "peer's KE value")
            noteCertificateRequests(payloads)
            checkNATD(payloads, from: from, to: to)
            let (ke, nonce) = try makeKEAndNonce(group: chosen!.group, env: &env)
            gxr = ke
            nonceR = nonce
            try deriveKeys()
            let out = [Payload.keyExchange(KeyExchangePayload(data: ke)), .nonce(NoncePayload(data: nonce))]
                + (usesSignatures ? certificateRequests : []) + natDPayloads(env: &env)
            state = .mainModeRepliedKE
            sendResponse(ISAKMPMessage(header: header(.mainMode), payloads: out).encode(), to: raw, messageID: 0, into: &actions)

        case .mainModeRepliedKE:
            let d = try decryptAuthentication(message, which: "Main Mode message 5")
            phase1IV = d.nextIV   // an error notify is then encrypted as the initiator expects
            try PayloadRule.mmAuth(5, signatures: usesSignatures).check(d.payloads)
            let idi = try d.payloads.required(IdentificationPayload.self)
            try acceptPeerID(idi)
            try verifyPeerAuthentication(d.payloads, id: idi, env: env)
            // charon as initiator sends its Certificate Requests only here, beside its CERT.
            noteCertificateRequests(d.payloads)
            followPeer(from: from, to: to)
            noteNotifies(d.payloads, into: &actions)
            let out: [Payload] = [.identification(localIDPayload)]
                + (try authenticationPayloads(byInitiator: false, idBody: Payload.identification(localIDPayload).body))
            let (bytes, iv) = try encryptedMessage(header(.mainMode), out, iv: phase1IV)
            phase1IV = iv
            sendResponse(bytes, to: raw, messageID: 0, into: &actions)
            phase1Complete(env: env, into: &actions)

        default:
            throw IKEv1Error(.unexpectedMessage, "Main Mode message in state \(state)")
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
