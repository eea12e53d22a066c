import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5 Aggressive Mode, responder side (diagram in AggressiveModeInitiator.swift).
// Answering Aggressive Mode with a PSK exposes HASH_R to offline guessing, so the
// policy must allow it explicitly (`allowAggressiveModePSKResponder` or `legacy`);
// signature proposals need no such permission.
//
// States: idle -> aggressiveReplied(AggressiveReplied) -> established.
extension ISAKMPSession {
    /// AM1 at the responder: choose, derive keys, answer with AM2 (retransmitted until AM3).
    mutating func aggressiveResponderFirst(_ message: ISAKMPMessage, request: MessageFingerprint, from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let pskAllowed = config.allowAggressiveModePSKResponder || config.legacy
        guard pskAllowed || offersSignatures else {
            throw IKEv1Error(.noProposalChosen, "Aggressive Mode with PSK as responder is refused by policy "
                             + "(enable allowAggressiveModePSKResponder or legacy)")
        }
        guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Aggressive Mode message 1 is encrypted") }
        try PayloadRule.am1.check(payloads)
        let offered = try payloads.required(SecurityAssociationPayload.self)
        let (proposal, reply) = try Self.choose(from: offered, policy: config) { pskAllowed || $0.authMethod.isSignature }
        let peerVIDs = readVendorIDs(payloads)
        let gxi = try payloads.required(KeyExchangePayload.self).data
        let nonceI = try payloads.required(NoncePayload.self).data
        try checkNonce(nonceI)
        let idi = try payloads.required(IdentificationPayload.self)
        let identity = try acceptPeerID(idi)
        try Self.validatePeerKE(gxi, group: proposal.group, what: "peer's KE value")
        let (dh, nonceR) = try Self.makeKEAndNonce(group: proposal.group, env: &env)
        let keyed = try derive(saiB: offered.body, chosen: proposal, dh: dh, peerKE: gxi, nonceI: nonceI, nonceR: nonceR,
                               certificateRequests: CertificateRequests().adding(payloads))
        let auth = try authenticationPayloads(keyed, byInitiator: false, idBody: localIDPayload.body)
        let out: [Payload] = [.securityAssociation(reply), .keyExchange(KeyExchangePayload(data: dh.publicValue)),
                              .nonce(NoncePayload(data: nonceR)), .identification(localIDPayload)]
            + (proposal.authMethod.isSignature ? certificateRequests : []) + vendorIDs(replyingTo: peerVIDs)
            + natDPayloads(hash: proposal.hash, env: &env) + auth
        phase1 = .aggressiveReplied(AggressiveRepliedState(keyed: keyed, peerID: idi, peerIdentity: identity))
        let bytes = ISAKMPMessage(header: header(.aggressive), payloads: out).encode()
        remember(request: request, response: datagrams(bytes), messageID: 0)
        sendRequest(bytes, messageID: 0, env: env, into: &actions)
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .halfOpen), at: env.now.adding(seconds: halfOpenTimeout)))
    }

    /// AM3 at the responder (encrypted or, from some peers, in the clear).
    mutating func aggressiveResponderFinal(_ message: ISAKMPMessage, from: SocketAddress, to: SocketAddress,
                                           env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard case .aggressiveReplied(var replied) = phase1 else {
            throw IKEv1Error(.unexpectedMessage, "Aggressive Mode message in state \(phase1.name)")
        }
        let payloads: [Payload]
        if let clear = message.payloads {
            payloads = clear
        } else {
            let d = try decryptAuthentication(message, replied.keyed, which: "Aggressive Mode message 3")
            payloads = d.payloads
            replied.keyed.iv = d.nextIV
            phase1 = .aggressiveReplied(replied)
        }
        try PayloadRule.am3(signatures: replied.keyed.usesSignatures).check(payloads)
        let certificate = try verifyPeerAuthentication(payloads, id: replied.peerID, replied.keyed, env: env)
        checkNATD(payloads, hash: replied.keyed.chosen.hash, from: from, to: to)
        followPeer(from: from, to: to)
        noteNotifies(payloads, into: &actions)
        answered(0, into: &actions)
        lastExchange[0] = nil
        phase1Complete(replied.keyed, peerIdentity: replied.peerIdentity, peerCertificate: certificate, env: env, into: &actions)
        afterPhase1(env: &env, into: &actions)
    }
}
