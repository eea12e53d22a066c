import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5 Aggressive Mode, responder side (diagram in AggressiveModeInitiator.swift).
// Answering Aggressive Mode with a PSK exposes HASH_R to offline guessing, so the
// policy must allow it explicitly (`allowAggressiveModePSKResponder` or `legacy`);
// signature proposals need no such permission.
extension ISAKMPSession {
    /// AM1 at the responder: choose, derive keys, answer with AM2 (retransmitted until AM3).
    mutating func aggressiveResponderFirst(_ message: ISAKMPMessage, raw: [UInt8], from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let pskAllowed = config.allowAggressiveModePSKResponder || config.legacy
        guard pskAllowed || offersSignatures else {
            throw IKEv1Error(.noProposalChosen, "Aggressive Mode with PSK as responder is refused by policy "
                             + "(enable allowAggressiveModePSKResponder or legacy)")
        }
        guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Aggressive Mode message 1 is encrypted") }
        try PayloadRule.am1.check(payloads)
        let offered = try payloads.required(SecurityAssociationPayload.self)
        saiB = Payload.securityAssociation(offered).body
        let (proposal, reply) = try Self.choose(from: offered, policy: config) { pskAllowed || $0.authMethod.isSignature }
        chosen = proposal
        let peerVIDs = readVendorIDs(payloads)
        noteCertificateRequests(payloads)
        gxi = try payloads.required(KeyExchangePayload.self).data
        nonceI = try payloads.required(NoncePayload.self).data
        try checkNonce(nonceI)
        try acceptPeerID(payloads.required(IdentificationPayload.self))
        try Self.validatePeerKE(gxi, group: proposal.group, what: "peer's KE value")
        let (ke, nonce) = try makeKEAndNonce(group: proposal.group, env: &env)
        gxr = ke
        nonceR = nonce
        try deriveKeys()
        let auth = try authenticationPayloads(byInitiator: false, idBody: Payload.identification(localIDPayload).body)
        let out: [Payload] = [.securityAssociation(reply), .keyExchange(KeyExchangePayload(data: ke)), .nonce(NoncePayload(data: nonce)),
                              .identification(localIDPayload)] + (usesSignatures ? certificateRequests : [])
                              + vendorIDs(replyingTo: peerVIDs) + natDPayloads(env: &env) + auth
        let bytes = ISAKMPMessage(header: header(.aggressive), payloads: out).encode()
        remember(request: raw, response: datagram(bytes), messageID: 0)
        sendRequest(bytes, messageID: 0, env: env, into: &actions)
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .halfOpen), at: env.now.adding(seconds: halfOpenTimeout)))
    }

    /// AM3 at the responder (encrypted or, from some peers, in the clear).
    mutating func aggressiveResponderFinal(_ message: ISAKMPMessage, from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard state == .aggressiveReplied else { throw IKEv1Error(.unexpectedMessage, "Aggressive Mode message in state \(state)") }
        var payloads: [Payload]
        if let clear = message.payloads {
            payloads = clear
        } else {
            let d = try decryptAuthentication(message, which: "Aggressive Mode message 3")
            payloads = d.payloads
            phase1IV = d.nextIV
        }
        try PayloadRule.am3(signatures: usesSignatures).check(payloads)
        guard let idi = peerIDPayload else { throw IKEv1Error(.invalidID, "no initiator identity") }
        try verifyPeerAuthentication(payloads, id: idi, env: env)
        checkNATD(payloads, from: from, to: to)
        followPeer(from: from, to: to)
        noteNotifies(payloads, into: &actions)
        answered(0, into: &actions)
        lastExchange[0] = nil
        phase1Complete(env: env, into: &actions)
    }
}
