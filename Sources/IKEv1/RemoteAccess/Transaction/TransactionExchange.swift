import IPsecCrypto
import ISAKMPWire

// draft-dukes-ike-mode-cfg-02 §3.2 and draft-beaulieu-ike-xauth-02 §4: the Transaction exchange (6).
//
//      Initiator                         Responder
//     -----------                       -----------
//      HDR*, HASH, ATTR1          -->
//                                 <--    HDR*, HASH, ATTR2
//
//   HASH = prf(SKEYID_a, M-ID | ATTR)
//
// ATTR1 is a CFG_REQUEST or CFG_SET, ATTR2 the CFG_REPLY or CFG_ACK with the same Identifier.
// Each exchange has its own message ID and IV chain from Phase 1's last block (RFC 2409
// Appendix B, as Quick Mode and Informational): ATTR1 encrypts with the message ID's first IV,
// ATTR2 with ATTR1's last ciphertext block. ATTR1 is retransmitted until ATTR2 arrives; a
// retransmitted ATTR1 gets the same ATTR2 again (the session's duplicate cache).

/// A Transaction message from the peer, decrypted and authenticated.
struct ReceivedTransaction {
    let messageID: UInt32
    let type: ModeConfigMessageType
    let identifier: UInt16
    let attributes: [ModeConfigAttribute]
    /// The CBC IV after it: our answer (ATTR2) encrypts with it.
    let nextIV: [UInt8]
    /// The request's fingerprint, for the duplicate cache.
    let request: MessageFingerprint

    /// The first attribute of `type`, typed.
    func first(_ type: ModeConfigAttributeType) -> ModeConfigAttribute? { attributes.first { $0.type == type } }

    var describedTypes: String { attributes.map { $0.type.name ?? "\($0.type.rawValue)" }.joined(separator: " ") }
}

extension PayloadRule {
    static let transaction = PayloadRule("Transaction message", required: [.hash, .attribute])
}

extension ISAKMPSession {
    /// Starts a Transaction exchange: a REQUEST or SET under a fresh message ID and Identifier,
    /// retransmitted until answered.
    mutating func startTransaction(_ type: ModeConfigMessageType, _ attributes: [ModeConfigAttribute], _ e: EstablishedState,
                                   env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) -> TransactionSent {
        let mid = newMessageID(env: &env)
        let identifier = UInt16(truncatingIfNeeded: env.u32())
        let (bytes, iv) = try transactionMessage(type, identifier: identifier, attributes, messageID: mid,
                                                 iv: e.protection.phase2IV(base: e.ivBase, messageID: mid), e.protection)
        sendRequest(bytes, messageID: mid, env: env, into: &actions)
        return TransactionSent(messageID: mid, iv: iv, identifier: identifier)
    }

    /// Answers the peer's REQUEST or SET with a REPLY or ACK under its message ID and Identifier.
    mutating func answerTransaction(_ request: ReceivedTransaction, _ type: ModeConfigMessageType,
                                    _ attributes: [ModeConfigAttribute], _ protection: ISAKMPProtection,
                                    into actions: inout [Action]) throws(IKEv1Error) {
        try answerTransaction(messageID: request.messageID, identifier: request.identifier, iv: request.nextIV,
                              request: request.request, type, attributes, protection, into: &actions)
    }

    mutating func answerTransaction(messageID: UInt32, identifier: UInt16, iv: [UInt8], request: MessageFingerprint,
                                    _ type: ModeConfigMessageType, _ attributes: [ModeConfigAttribute],
                                    _ protection: ISAKMPProtection, into actions: inout [Action]) throws(IKEv1Error) {
        let (bytes, _) = try transactionMessage(type, identifier: identifier, attributes, messageID: messageID, iv: iv, protection)
        sendResponse(bytes, to: request, messageID: messageID, into: &actions)
    }

    /// `HDR*, HASH, ATTR` encrypted with `iv`; the bytes and the IV after them.
    func transactionMessage(_ type: ModeConfigMessageType, identifier: UInt16, _ attributes: [ModeConfigAttribute],
                            messageID: UInt32, iv: [UInt8], _ protection: ISAKMPProtection) throws(IKEv1Error) -> ([UInt8], [UInt8]) {
        let attr = Payload.attribute(AttributePayload(type, identifier: identifier, attributes: attributes))
        let hash = protection.keys.transactionHash(messageID: messageID, attributePayload: ISAKMPMessage.encodePayloads([attr]))
        return try protection.encryptedMessage(header(.transaction, messageID: messageID), [.hash(HashPayload(data: hash)), attr], iv: iv)
    }

    /// A Transaction message on an established SA: decrypted with the IV of its exchange,
    /// its HASH verified, its attributes typed, then handed to the XAUTH or Mode Config step the
    /// state expects. Anything else is refused with a typed error (counted), and nothing changes.
    mutating func receiveTransaction(_ message: ISAKMPMessage, request: MessageFingerprint, _ e: EstablishedState,
                                     env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        do {
            let t = try openTransaction(message, request: request, e)
            try dispatchTransaction(t, e, env: &env, into: &actions)
            // Only now: a refused REQUEST or SET may come again (the peer retransmits it when
            // our earlier answer was lost and it went on), and must then be taken.
            usedMessageIDs.insert(t.messageID)
        } catch {
            refusedTransactions += 1
            throw error
        }
    }

    private mutating func openTransaction(_ message: ISAKMPMessage, request: MessageFingerprint, _ e: EstablishedState) throws(IKEv1Error)
        -> ReceivedTransaction {
        let mid = message.header.messageID
        guard config.remoteAccess != nil else {
            throw IKEv1Error(.unexpectedMessage, "Transaction exchange \(mid) on an SA without XAUTH or Mode Config")
        }
        let ours = e.remoteAccess.outstanding.flatMap { $0.messageID == mid ? $0 : nil }
        if ours == nil, usedMessageIDs.contains(mid) {
            throw IKEv1Error(.unexpectedMessage, "Transaction message ID \(mid) already used on this ISAKMP SA")
        }
        let protection = e.protection, keys = protection.keys
        let d = try protection.decrypt(message, iv: ours?.iv ?? protection.phase2IV(base: e.ivBase, messageID: mid))
        try verifyHash(d, which: "Transaction HASH") { keys.transactionHash(messageID: mid, attributePayload: $0) }
        try PayloadRule.transaction.check(d.payloads)
        let payloads = d.payloads.compactMap { if case .attribute(let a) = $0 { a } else { nil } }
        guard payloads.count == 1, let attr = payloads.first else {
            throw IKEv1Error(.payloadMalformed, "Transaction message with \(payloads.count) Attribute payloads")
        }
        let attributes: [ModeConfigAttribute]
        do { attributes = try attr.modeConfigAttributes() } catch {
            throw IKEv1Error(.payloadMalformed, "Transaction \(attr.messageType): \(error)")
        }
        return ReceivedTransaction(messageID: mid, type: attr.messageType, identifier: attr.identifier, attributes: attributes,
                                   nextIV: d.nextIV, request: request)
    }

    private mutating func dispatchTransaction(_ t: ReceivedTransaction, _ e: EstablishedState,
                                              env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let answering = e.remoteAccess.outstanding?.messageID == t.messageID
        switch (config.remoteAccess, e.remoteAccess, t.type, answering) {
        // Client
        case (.client(let c)?, .awaitingXAUTHRequest(let n), .request, false), (.client(let c)?, .awaitingXAUTHStatus(let n, _), .request, false):
            try xauthRequestReceived(t, answered: n, c, e, env: &env, into: &actions)
        case (.client(let c)?, .awaitingXAUTHStatus(_, let user), .set, false) where t.first(.xauthStatus) != nil:
            try xauthStatusReceived(t, user: user, c, e, env: &env, into: &actions)
        case (.client?, .modeConfigRequested(let sent, let user), .reply, true):
            answered(sent.messageID, into: &actions)
            try modeConfigReceived(t, user: user, e, env: &env, into: &actions)
        case (.client?, .awaitingModeConfigSet(let user), .set, false):
            try modeConfigReceived(t, user: user, e, env: &env, into: &actions)
        case (.client?, .modeConfigRequested(let sent, let user), .set, false):
            // A pushing gateway's SET although we pulled (charon pushes regardless): take it, stop pulling.
            answered(sent.messageID, into: &actions)
            try modeConfigReceived(t, user: user, e, env: &env, into: &actions)
        // Gateway
        case (.gateway(let g)?, .xauthRequested(_, let attempt), .reply, true):
            answered(t.messageID, into: &actions)
            try xauthReplyReceived(t, attempt: attempt, g, e, env: &env, into: &actions)
        case (.gateway(let g)?, .xauthStatusSent(let verdict), .acknowledge, true):
            answered(t.messageID, into: &actions)
            try xauthAcknowledged(verdict, g, e, env: &env, into: &actions)
        case (.gateway?, .awaitingModeConfigRequest(let user), .request, false):
            updateEstablished { $0.remoteAccess = .leaseNeeded(LeaseRequest(
                kind: .reply(messageID: t.messageID, iv: t.nextIV, identifier: t.identifier,
                             requested: t.attributes.map(\.type), request: t.request), user: user)) }
        case (.gateway?, .modeConfigSet(_, let info), .acknowledge, true):
            answered(t.messageID, into: &actions)
            remoteAccessComplete(info, env: &env, into: &actions)
        default:
            throw IKEv1Error(.unexpectedMessage, "Transaction \(t.type)(\(t.describedTypes)) in state \(e.remoteAccess.name)"
                             + (e.remoteAccess.allowsQuickMode ? "" : ": XAUTH, then Mode Config, go in order"))
        }
    }

    /// XAUTH and Mode Config are done: report nothing new (status shows ``RemoteAccessInfo``),
    /// and start Quick Mode as the client.
    mutating func remoteAccessComplete(_ info: RemoteAccessInfo, env: inout Environment, into actions: inout [Action]) {
        updateEstablished { $0.remoteAccess = .complete(info) }
        actions.append(.cancelTimer(TimerID(sa: id, kind: .remoteAccess)))
        if case .client? = config.remoteAccess { startQuickMode(rekeying: nil, env: &env, into: &actions) }
    }

    /// Ends the SA because XAUTH or Mode Config failed: a Delete of the ISAKMP SA (unlike charon,
    /// which leaves the client to find out), the failure, and closing.
    mutating func endRemoteAccess(_ error: IKEv1Error, env: inout Environment, into actions: inout [Action]) {
        sendInformational([.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [isakmpSPI]))],
                          into: &actions, env: &env)
        actions.append(.failed(Failure(sa: id, error: error)))
        close(reason: error.description, into: &actions, notifyDeleted: true)
    }
}

extension ModeConfigAttribute {
    /// An XAUTH attribute (draft-beaulieu-ike-xauth-02 §6.2: types 16520-16529).
    var isXAUTH: Bool { (16520...16529).contains(type.rawValue) }
    /// A Cisco Unity attribute (28672-28682).
    var isUnity: Bool { (28672...28682).contains(type.rawValue) }
}

extension IKEv1Phase1Keys {
    /// The Transaction exchange's HASH = prf(SKEYID_a, M-ID | ATTR) (draft-dukes-ike-mode-cfg-02
    /// §3.2): the Informational hash over the Attribute payload.
    func transactionHash(messageID: UInt32, attributePayload: [UInt8]) -> [UInt8] {
        informationalHash(messageID: messageID, payloads: attributePayload)
    }
}
