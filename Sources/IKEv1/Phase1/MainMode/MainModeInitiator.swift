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
extension ISAKMPSession {
    /// Sends message 1: our SA offer and vendor IDs.
    mutating func startMainMode(env: inout Environment, into actions: inout [Action]) {
        let sa = offeredSA
        saiB = Payload.securityAssociation(sa).body
        let message = ISAKMPMessage(header: header(.mainMode), payloads: [.securityAssociation(sa)] + vendorIDs())
        sendRequest(message.encode(), messageID: 0, env: env, into: &actions)
    }

    /// Messages 2, 4 and 6 at the initiator.
    mutating func mainModeInitiatorReceive(_ message: ISAKMPMessage, from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        switch state {
        case .mainModeSentSA:
            guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 2 is encrypted") }
            try PayloadRule.mm2.check(payloads)
            cookieR = message.header.responderCookie
            chosen = try acceptReply(payloads.required(SecurityAssociationPayload.self))
            _ = readVendorIDs(payloads)
            answered(0, into: &actions)
            let (ke, nonce) = try makeKEAndNonce(group: chosen!.group, env: &env)
            gxi = ke
            nonceI = nonce
            let out = [Payload.keyExchange(KeyExchangePayload(data: ke)), .nonce(NoncePayload(data: nonce))]
                + (usesSignatures ? certificateRequests : []) + natDPayloads(env: &env)
            state = .mainModeSentKE
            sendRequest(ISAKMPMessage(header: header(.mainMode), payloads: out).encode(), messageID: 0, env: env, into: &actions)

        case .mainModeSentKE:
            guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Main Mode message 4 is encrypted") }
            try PayloadRule.mm4.check(payloads)
            gxr = try payloads.required(KeyExchangePayload.self).data
            nonceR = try payloads.required(NoncePayload.self).data
            try checkNonce(nonceR)
            noteCertificateRequests(payloads)
            checkNATD(payloads, from: from, to: to)
            try deriveKeys()
            answered(0, into: &actions)
            if nat.detected { float() }
            var out: [Payload] = [.identification(localIDPayload)]
                + (try authenticationPayloads(byInitiator: true, idBody: Payload.identification(localIDPayload).body))
            if config.initialContact {
                out.append(.notification(NotificationPayload(protocolID: .isakmp, notifyType: .initialContact,
                                                             spi: cookieI.bytes + cookieR.bytes)))
            }
            let (bytes, iv) = try encryptedMessage(header(.mainMode), out, iv: phase1IV)
            phase1IV = iv
            state = .mainModeSentAuth
            sendRequest(bytes, messageID: 0, env: env, into: &actions)

        case .mainModeSentAuth:
            let d = try decryptAuthentication(message, which: "Main Mode message 6")
            phase1IV = d.nextIV
            try PayloadRule.mmAuth(6, signatures: usesSignatures).check(d.payloads)
            let id = try d.payloads.required(IdentificationPayload.self)
            try acceptPeerID(id)
            try verifyPeerAuthentication(d.payloads, id: id, env: env)
            answered(0, into: &actions)
            phase1Complete(env: env, into: &actions)
            startQuickMode(rekeying: nil, env: &env, into: &actions)

        default:
            throw IKEv1Error(.unexpectedMessage, "Main Mode message in state \(state)")
        }
    }

    /// Nonces are 8-256 bytes (RFC 2409 §5).
    func checkNonce(_ n: [UInt8]) throws(IKEv1Error) {
        guard (8...256).contains(n.count) else { throw IKEv1Error(.payloadMalformed, "nonce of \(n.count) bytes (8-256 allowed)") }
    }
}
