import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5 Main Mode with pre-shared key, initiator side (signatures: SignatureAuthentication.swift):
//
//      Initiator                          Responder
//     -----------                        -----------
//      HDR, SA                     -->
//                                  <--    HDR, SA
//      HDR, KE, Ni [, NAT-D, NAT-D] -->
//                                  <--    HDR, KE, Nr [, NAT-D, NAT-D]
//      HDR*, IDii, HASH_I          -->
//                                  <--    HDR*, IDir, HASH_R
//
// States: mainModeSentSA(OfferSent) -> mainModeSentKE(KeyExchangeSent) -> mainModeSentAuth(Keyed)
// -> established; the endpoint then starts Quick Mode unless IPsec SAs moved to the new SA
// (Endpoint/Renewal.swift).
extension ISAKMPSession {
    /// A Main Mode initiator for `config`: a fresh cookie, and message 1 (our SA offer and
    /// vendor IDs) sent.
    static func startMainMode(_ config: SharedPeerConfig, remote: SocketAddress, env: inout Environment,
                              into actions: inout [Action]) -> ISAKMPSession {
        let cookieI = Cookie(bytes: nonZero(&env, 8))
        let sa = offer(config.value.ikeProposals)
        var session = ISAKMPSession(isInitiator: true, cookieI: cookieI, cookieR: .zero, exchange: .mainMode, config: config,
                                    local: config.value.localAddress, remote: remote,
                                    phase1: .mainModeSentSA(OfferSentState(saiB: sa.body)), now: env.now)
        let message = ISAKMPMessage(header: session.header(.mainMode), payloads: [.securityAssociation(sa)] + session.vendorIDs())
        session.sendRequest(message.encode(), messageID: 0, env: env, into: &actions)
        return session
    }

    /// Messages 2, 4 and 6 at the initiator.
    mutating func mainModeInitiatorReceive(_ message: ISAKMPMessage, from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        switch phase1 {
        case .mainModeSentSA(let offer):
            guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 2 is encrypted") }
            try PayloadRule.mm2.check(payloads)
            cookieR = message.header.responderCookie
            let chosen = try acceptReply(payloads.required(SecurityAssociationPayload.self))
            _ = readVendorIDs(payloads)
            answered(0, into: &actions)
            let (dh, nonceI) = try Self.makeKEAndNonce(group: chosen.group, env: &env)
            let out = [Payload.keyExchange(KeyExchangePayload(data: dh.publicValue)), .nonce(NoncePayload(data: nonceI))]
                + (chosen.authMethod.isSignature ? certificateRequests : []) + natDPayloads(hash: chosen.hash, env: &env)
            phase1 = .mainModeSentKE(KeyExchangeSentState(offer: offer, chosen: chosen, dh: dh, nonceI: nonceI))
            sendRequest(ISAKMPMessage(header: header(.mainMode), payloads: out).encode(), messageID: 0, env: env, into: &actions)

        case .mainModeSentKE(let sent):
            guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 4 is encrypted") }
            try PayloadRule.mm4.check(payloads)
            let gxr = try payloads.required(KeyExchangePayload.self).data
            let nonceR = try payloads.required(NoncePayload.self).data
            try checkNonce(nonceR)
            checkNATD(payloads, hash: sent.chosen.hash, from: from, to: to)
            var keyed = try derive(saiB: sent.saiB, chosen: sent.chosen, dh: sent.dh, peerKE: gxr, nonceI: sent.nonceI,
                                   nonceR: nonceR, certificateRequests: CertificateRequests().adding(payloads))
            answered(0, into: &actions)
            if nat.detected { float() }
            var out: [Payload] = [.identification(localIDPayload)]
                + (try authenticationPayloads(keyed, byInitiator: true, idBody: localIDPayload.body))
            if config.initialContact && !purpose.isRenewal {
                out.append(.notification(NotificationPayload(protocolID: .isakmp, notifyType: .initialContact,
                                                             spi: isakmpSPI)))
            }
            let (bytes, iv) = try keyed.protection.encryptedMessage(header(.mainMode), out, iv: keyed.iv)
            keyed.iv = iv
            phase1 = .mainModeSentAuth(keyed)
            sendRequest(bytes, messageID: 0, env: env, into: &actions)

        case .mainModeSentAuth(var keyed):
            let d = try decryptAuthentication(message, keyed, which: "Main Mode message 6")
            keyed.iv = d.nextIV   // an error notify is then encrypted as the responder expects
            phase1 = .mainModeSentAuth(keyed)
            try PayloadRule.mmAuth(6, signatures: keyed.usesSignatures).check(d.payloads)
            let id = try d.payloads.required(IdentificationPayload.self)
            let identity = try acceptPeerID(id)
            let certificate = try verifyPeerAuthentication(d.payloads, id: id, keyed, env: env)
            answered(0, into: &actions)
            phase1Complete(keyed, peerIdentity: identity, peerCertificate: certificate, env: env, into: &actions)
            afterPhase1(env: &env, into: &actions)

        default:
            throw IKEv1Error(.unexpectedMessage, "Main Mode message in state \(phase1.name)")
        }
    }

    /// Nonces are 8-256 bytes (RFC 2409 §5).
    func checkNonce(_ n: [UInt8]) throws(IKEv1Error) {
        guard (8...256).contains(n.count) else { throw IKEv1Error(.payloadMalformed, "nonce of \(n.count) bytes (8-256 allowed)") }
    }
}
