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
//
// States: aggressiveSentFirst(AggressiveOfferSent) -> established.
extension ISAKMPSession {
    /// An Aggressive Mode initiator for `config`: a fresh cookie, and AM1 sent. nil, with a
    /// `failed` action, when no DH key pair could be made.
    static func startAggressiveMode(_ config: PeerConfig, remote: SocketAddress, env: inout Environment,
                                    into actions: inout [Action]) -> ISAKMPSession? {
        let cookieI = Cookie(bytes: nonZero(&env, 8))
        var config = config
        let group = config.ikeProposals[0].group
        config.ikeProposals = config.ikeProposals.filter { $0.group == group }
        let sa = offer(config.ikeProposals)
        let dh: DHKeyPair, nonceI: [UInt8]
        do { (dh, nonceI) = try makeKEAndNonce(group: group, env: &env) } catch {
            actions.append(.failed(Failure(sa: cookieI, error: error)))
            return nil
        }
        var session = ISAKMPSession(isInitiator: true, cookieI: cookieI, cookieR: .zero, exchange: .aggressive, config: config,
                                    local: config.localAddress, remote: remote,
                                    phase1: .aggressiveSentFirst(AggressiveOfferSentState(saiB: sa.body, dh: dh, nonceI: nonceI)),
                                    now: env.now)
        let out: [Payload] = [.securityAssociation(sa), .keyExchange(KeyExchangePayload(data: dh.publicValue)),
                              .nonce(NoncePayload(data: nonceI)), .identification(session.localIDPayload)]
            + (session.offersSignatures ? session.certificateRequests : []) + session.vendorIDs()
        session.sendRequest(ISAKMPMessage(header: session.header(.aggressive), payloads: out).encode(), messageID: 0,
                            env: env, into: &actions)
        return session
    }

    /// AM2 at the initiator: verify HASH_R, answer with AM3.
    mutating func aggressiveInitiatorReceive(_ message: ISAKMPMessage, request: MessageFingerprint, from: SocketAddress, to: SocketAddress,
                                             env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard case .aggressiveSentFirst(let sent) = phase1 else {
            throw IKEv1Error(.unexpectedMessage, "Aggressive Mode message in state \(phase1.name)")
        }
        guard let payloads = message.payloads else { throw IKEv1Error(.payloadMalformed, "Aggressive Mode message 2 is encrypted") }
        let chosen = try acceptReply(payloads.required(SecurityAssociationPayload.self))
        try PayloadRule.am2(signatures: chosen.authMethod.isSignature).check(payloads)
        cookieR = message.header.responderCookie
        _ = readVendorIDs(payloads)
        let gxr = try payloads.required(KeyExchangePayload.self).data
        let nonceR = try payloads.required(NoncePayload.self).data
        try checkNonce(nonceR)
        var keyed = try derive(saiB: sent.saiB, chosen: chosen, dh: sent.dh, peerKE: gxr, nonceI: sent.nonceI, nonceR: nonceR,
                               certificateRequests: CertificateRequests().adding(payloads))
        let idr = try payloads.required(IdentificationPayload.self)
        let identity = try acceptPeerID(idr)
        let certificate = try verifyPeerAuthentication(payloads, id: idr, keyed, env: env)
        checkNATD(payloads, hash: chosen.hash, from: from, to: to)
        answered(0, into: &actions)
        let natd = natDPayloads(hash: chosen.hash, env: &env)
        if nat.detected { float() }
        let auth = try authenticationPayloads(keyed, byInitiator: true, idBody: localIDPayload.body)
        let (bytes, iv) = try keyed.protection.encryptedMessage(header(.aggressive), auth + natd, iv: keyed.iv)
        keyed.iv = iv
        sendResponse(bytes, to: request, messageID: 0, into: &actions)
        phase1Complete(keyed, peerIdentity: identity, peerCertificate: certificate, env: env, into: &actions)
        afterPhase1(env: &env, into: &actions)
    }
}
