import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5 Aggressive Mode with pre-shared key (signatures: SignatureAuthentication.swift):
//
//      Initiator                          Responder
//     -----------                        -----------
//      HDR, SA, KE, Ni, IDii       -->
//                                  <--    HDR, SA, KE, Nr, IDir, [NAT-D, NAT-D,] HASH_R
//      HDR*, HASH_I [, NAT-D, NAT-D] -->
//
// The initiator must fix the DH group in message 1: only proposals with the
// first proposal's group are offered. Message 3 is encrypted (as charon) and
// already floats to 4500 when a NAT was detected.
extension ISAKMPSession {
    /// Sends AM1.
    mutating func startAggressiveMode(env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let group = config.ikeProposals[0].group
        config.ikeProposals = config.ikeProposals.filter { $0.group == group }
        let sa = offeredSA
        saiB = Payload.securityAssociation(sa).body
        let (ke, nonce) = try makeKEAndNonce(group: group, env: &env)
        gxi = ke
        nonceI = nonce
        let out: [Payload] = [.securityAssociation(sa), .keyExchange(KeyExchangePayload(data: ke)), .nonce(NoncePayload(data: nonce)),
                              .identification(localIDPayload)] + (offersSignatures ? certificateRequests : []) + vendorIDs()
        sendRequest(ISAKMPMessage(header: header(.aggressive), payloads: out).encode(), messageID: 0, env: env, into: &actions)
    }

    /// AM2 at the initiator: verify HASH_R, answer with AM3.
    mutating func aggressiveInitiatorReceive(_ message: ISAKMPMessage, raw: [UInt8], from: SocketAddress, to: SocketAddress,
                                             env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard state == .aggressiveSentFirst else { throw IKEv1Error(.unexpectedMessage, "Aggressive Mode message in state \(state)") }
        guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Aggressive Mode message 2 is encrypted") }
        let reply = try acceptReply(payloads.required(SecurityAssociationPayload.self))
        try PayloadRule.am2(signatures: reply.authMethod.isSignature).check(payloads)
        cookieR = message.header.responderCookie
        chosen = reply
        _ = readVendorIDs(payloads)
        noteCertificateRequests(payloads)
        gxr = try payloads.required(KeyExchangePayload.self).data
        nonceR = try payloads.required(NoncePayload.self).data
        try checkNonce(nonceR)
        try deriveKeys()
        let idr = try payloads.required(IdentificationPayload.self)
        try acceptPeerID(idr)
        try verifyPeerAuthentication(payloads, id: idr, env: env)
        checkNATD(payloads, from: from, to: to)
        answered(0, into: &actions)
        let natd = natDPayloads(env: &env)
        if nat.detected { float() }
        let auth = try authenticationPayloads(byInitiator: true, idBody: Payload.identification(localIDPayload).body)
        let (bytes, iv) = try encryptedMessage(header(.aggressive), auth + natd, iv: phase1IV)
        phase1IV = iv
        sendResponse(bytes, to: raw, messageID: 0, into: &actions)
        phase1Complete(env: env, into: &actions)
        startQuickMode(rekeying: nil, env: &env, into: &actions)
    }
}
