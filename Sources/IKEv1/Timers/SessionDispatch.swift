import IPsecCrypto
import ISAKMPWire

/// Routing inside one ISAKMP SA: messages to the exchange they belong to, timers to their owner.
extension ISAKMPSession {
    /// A message for this SA. Duplicates of the last request re-send the last response
    /// unchanged, before any decryption, so the IV never advances (RFC 2409 App. B).
    mutating func receive(_ message: ISAKMPMessage, raw: [UInt8], from: SocketAddress, to: SocketAddress,
                          env: inout Environment) -> [Action] {
        var actions: [Action] = []
        actions.reserveCapacity(8)   // a message's actions: sends, timers, SA events; growing from empty cost 3
        let mid = message.header.messageID
        let fingerprint = Self.fingerprint(raw)
        if let last = lastExchange[mid], last.request == fingerprint {
            actions += last.response.map { .send($0) }
            return actions
        }
        if received.contains(fingerprint) {   // an old duplicate: already handled, dropped
            return [.failed(Failure(sa: id, error: IKEv1Error(.unexpectedMessage,
                "replayed \(message.header.exchangeType.name ?? "ISAKMP") message (ID \(mid)) dropped")))]
        }
        if !isInitiator && message.header.responderCookie == .zero {
            return [.failed(Failure(sa: id, error: IKEv1Error(.unexpectedMessage, "retransmitted first message ignored")))]
        }
        do {
            let wasEstablished = phase1.isEstablished
            try route(message, request: fingerprint, from: from, to: to, env: &env, into: &actions)
            // Only an encrypted message that verified moves the SA (an unprotected one never does).
            if wasEstablished, phase1.isEstablished, message.payloads == nil, to.port != 500 { follow(from, into: &actions) }
            if received.count > 64 { received.removeAll() }
            received.insert(fingerprint)
            if phase1.isEstablished, message.header.exchangeType != .informational { lastReceived = env.now }
        } catch let error {
            handle(error, message: message, env: &env, into: &actions)
        }
        return actions
    }

    private mutating func route(_ message: ISAKMPMessage, request: MessageFingerprint, from: SocketAddress, to: SocketAddress,
                                env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let h = message.header
        switch h.exchangeType {
        case .informational:
            try receiveInformational(message, from: from, env: &env, into: &actions)
        case .mainMode where exchange == .mainMode && h.messageID == 0:
            if isInitiator {
                try mainModeInitiatorReceive(message, from: from, to: to, env: &env, into: &actions)
            } else {
                try mainModeResponderReceive(message, request: request, from: from, to: to, env: &env, into: &actions)
            }
        case .aggressive where exchange == .aggressive && h.messageID == 0:
            if isInitiator {
                try aggressiveInitiatorReceive(message, request: request, from: from, to: to, env: &env, into: &actions)
            } else {
                try aggressiveResponderFinal(message, from: from, to: to, env: &env, into: &actions)
            }
        case .transaction:
            guard case .established(let e) = phase1, h.messageID != 0 else {
                refusedTransactions += 1
                throw IKEv1Error(.unexpectedMessage, "Transaction message ID \(h.messageID) in state \(phase1.name) (XAUTH and Mode Config follow Phase 1)")
            }
            try receiveTransaction(message, request: request, e, env: &env, into: &actions)
        case .quickMode where h.messageID != 0:
            // Only the exchange and the keys are read out: a copy of the whole established state held
            // across the handlers would share its tables with the state they edit, and each edit
            // (the exchange stored or removed, the child installed) would copy a table.
            let pending: QuickModeExchange?, protection: ISAKMPProtection
            if case .established(let e) = phase1 {
                (pending, protection) = (e.quickModes[h.messageID], e.protection)
            } else {
                throw IKEv1Error(.unexpectedMessage, "\(h.exchangeType) message ID \(h.messageID) in state \(phase1.name)")
            }
            if let qm = pending as? QuickModeInitiated {
                try quickModeInitiatorReceive(message, request: request, qm: qm, protection, env: &env, into: &actions)
            } else if let qm = pending as? QuickModeReplied {
                try quickModeResponderFinal(message, qm: qm, protection, env: &env, into: &actions)
            } else {
                try quickModeResponderFirst(message, request: request, protection, env: &env, into: &actions)
            }
            followPeer(from: from, to: to)
        default:
            throw IKEv1Error(.unexpectedMessage, "\(h.exchangeType) message ID \(h.messageID) in state \(phase1.name)")
        }
    }

    /// A peer-caused failure: unexpected or undecryptable messages are dropped (a `failed`
    /// action says why); Phase 1 failures and policy refusals also send the notify they warrant.
    private mutating func handle(_ error: IKEv1Error, message: ISAKMPMessage, env: inout Environment, into actions: inout [Action]) {
        switch error.kind {
        case _ where message.header.exchangeType == .informational:
            actions.append(.failed(Failure(sa: id, error: error)))   // never answer an Informational with one
        case .unexpectedMessage:
            actions.append(.failed(Failure(sa: id, error: error)))   // dropped; the SA goes on
        case .invalidHash where phase1.isEstablished:
            actions.append(.failed(Failure(sa: id, error: error)))   // forged or corrupt: drop, do not answer
        default:
            let inPhase1 = !phase1.isEstablished
            guard !inPhase1, message.header.exchangeType == .quickMode else {
                fail(error, closing: inPhase1, into: &actions, env: &env)
                return
            }
            updateEstablished { $0.quickModes[message.header.messageID] = nil }
            answered(message.header.messageID, into: &actions)
            // A refused Quick Mode concerns the IPsec SA, not the ISAKMP SA: as charon's quick_mode.c
            // send_notify, the notify names ESP with the initiator's SPI not yet read (0), so that an
            // INVALID-ID-INFORMATION is not taken for a Phase 1 rejection and the ISAKMP SA stays.
            fail(error, closing: false, concerning: (.esp, [0, 0, 0, 0]), into: &actions, env: &env)
        }
    }

    /// Ends this ISAKMP SA alone (expiry, replacement): a Delete for it, none for its IPsec SAs,
    /// which the endpoint moves to another SA of the peer, or holds until one exists.
    mutating func retire(reason: String, env: inout Environment, into actions: inout [Action]) {
        if phase1.isEstablished {
            sendInformational([.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [isakmpSPI]))],
                              into: &actions, env: &env)
        }
        close(reason: reason, into: &actions, notifyDeleted: phase1.isEstablished, keepingChildren: true)
    }

    /// A timer of this SA.
    mutating func timerFired(_ kind: TimerID.Kind, env: inout Environment) -> [Action] {
        var actions: [Action] = []
        switch kind {
        case .retransmit(let mid):
            guard var o = outstanding[mid] else { break }
            o.attempt += 1
            if o.attempt >= config.retransmit.tries {
                outstanding[mid] = nil
                if established?.remoteAccess.outstanding?.messageID == mid {
                    transactionTimedOut(mid, env: &env, into: &actions)
                    break
                }
                let what = mid == 0 ? (exchange == .aggressive ? "Aggressive Mode" : "Main Mode") : "Quick Mode \(mid)"
                let error = IKEv1Error(.timeout, "\(what): no answer after \(config.retransmit.tries) transmissions")
                actions.append(.failed(Failure(sa: id, error: error)))
                if mid == 0 {
                    close(reason: error.description, into: &actions, notifyDeleted: phase1.isEstablished)
                } else {
                    // A responder's QM2 never confirmed: the peer installs on sending HASH(3), which may
                    // be what got lost. A Delete naming our SPI (RFC 2408 §3.15) leaves neither side the SA.
                    if let qm = established?.quickModes[mid] as? QuickModeReplied {
                        sendInformational([.delete(DeletePayload(protocolID: qm.child.ipsecProtocol.protocolID, spiSize: 4,
                                                                 spis: [qm.child.inbound.spi.beBytes]))], into: &actions, env: &env)
                    }
                    updateEstablished { $0.quickModes[mid] = nil }
                }
                break
            }
            outstanding[mid] = o
            actions += o.datagrams.map { .send($0) }
            actions.append(.scheduleTimer(TimerID(sa: id, kind: kind),
                                          at: env.now.adding(seconds: config.retransmit.delay(afterAttempt: o.attempt))))
        case .halfOpen:
            if !phase1.isEstablished {
                let error = IKEv1Error(.timeout, "half-open ISAKMP SA: Phase 1 did not complete within \(Int(halfOpenTimeout)) s")
                actions.append(.failed(Failure(sa: id, error: error)))
                close(reason: error.description, into: &actions, notifyDeleted: false)
            }
        case .keepalive:
            guard phase1.isEstablished else { break }
            actions.append(.send(OutboundDatagram(bytes: [0xff], source: local, destination: remote, nonESPMarker: false)))
            actions.append(.scheduleTimer(TimerID(sa: id, kind: .keepalive), at: env.now.adding(seconds: config.keepaliveInterval)))
        case .dpd:
            dpdTimer(env: &env, into: &actions)
        case .childRekey(let spi):
            if children[spi] != nil { startQuickMode(rekeying: spi, env: &env, into: &actions) }
        case .childExpire(let spi):
            deleteChild(inboundSPI: spi, reason: "lifetime expired", env: &env, into: &actions)
        case .isakmpExpire:
            // A remote-access SA's lease and IPsec SAs end with it (the client authenticates anew);
            // site to site, its IPsec SAs outlive it (Endpoint/Renewal.swift).
            if config.remoteAccess != nil {
                deleteAll(reason: "ISAKMP SA lifetime expired", env: &env, into: &actions)
            } else {
                retire(reason: "ISAKMP SA lifetime expired", env: &env, into: &actions)
            }
        case .remoteAccess:
            remoteAccessTimerFired(env: &env, into: &actions)
        case .isakmpRenew, .reconnect, .fragmentReassembly, .deferredSend:
            break   // the endpoint's (Endpoint/Renewal.swift, Restart.swift)
        }
        return actions
    }
}
