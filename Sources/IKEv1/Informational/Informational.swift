import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5.7 Informational exchanges after Phase 1:
//
//      Initiator                        Responder
//     -----------                      -----------
//      HDR*, HASH(1), N/D         -->
//
//   HASH(1) = prf(SKEYID_a, M-ID | N/D)
//
// Before Phase 1 keys exist, error notifies go out unprotected. After Phase 1,
// unprotected Informationals from the peer are ignored.
extension ISAKMPSession {
    /// Sends one notify: protected with HASH(1) once keys exist, in the clear before.
    mutating func sendNotify(_ type: NotifyMessageType, protocolID: ProtocolID, spi: [UInt8], data: [UInt8],
                             clear: Bool = false, into actions: inout [Action], env: inout Environment) {
        let n = Payload.notification(NotificationPayload(protocolID: protocolID, notifyType: type, spi: spi, data: data))
        sendInformational([n], clear: clear, into: &actions, env: &env)
    }

    /// Sends an Informational exchange carrying `payloads` (no answer expected): protected with
    /// HASH(1) once keys exist, in the clear before or when `clear`.
    mutating func sendInformational(_ payloads: [Payload], clear: Bool = false, into actions: inout [Action], env: inout Environment) {
        let mid = newMessageID(env: &env)
        guard !clear, let protection = phase1.protection, let base = phase1.ivBase else {
            actions += datagrams(ISAKMPMessage(header: header(.informational, messageID: mid), payloads: payloads).encode()).map { .send($0) }
            return
        }
        let hash1 = protection.keys.informationalHash(messageID: mid, payloads: ISAKMPMessage.encodePayloads(payloads))
        do {
            let (bytes, _) = try protection.encryptedMessage(header(.informational, messageID: mid),
                                                             [.hash(HashPayload(data: hash1))] + payloads,
                                                             iv: protection.phase2IV(base: base, messageID: mid))
            actions += datagrams(bytes).map { .send($0) }
        } catch {
            actions.append(.failed(Failure(sa: id, error: error)))
        }
    }

    /// An Informational from the peer.
    mutating func receiveInformational(_ message: ISAKMPMessage, from: SocketAddress,
                                       env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        if let clear = message.payloads {
            // Unprotected: only error notifies during Phase 1 are believed (they end the attempt).
            guard !phase1.isEstablished else { return }
            let errors = clear.all(ofType: NotificationPayload.self).filter { $0.notifyType.isError }
            guard let first = errors.first else { return }
            noteNotifies(clear, into: &actions)
            actions.append(.failed(Failure(sa: id, error: IKEv1Error(.peerNotify, "peer refused Phase 1: \(first.notifyType)"))))
            close(reason: "peer sent \(first.notifyType)", into: &actions, notifyDeleted: false)
            return
        }
        guard let protection = phase1.protection, let base = phase1.ivBase else { return }
        let mid = message.header.messageID
        let d: Decrypted
        do {
            d = try protection.decrypt(message, iv: protection.phase2IV(base: base, messageID: mid))
        } catch where !phase1.isEstablished && error.kind == .payloadMalformed {
            // Before Phase 1 completes, the peer's encrypted notify (charon's answer to a bad HASH_I)
            // only fails to decrypt when its keys differ from ours.
            throw IKEv1Error(.authenticationFailed,
                             "the peer's encrypted Informational does not decrypt: pre-shared key mismatch")
        }
        try verifyHash(d, which: "Informational HASH(1)") { protection.keys.informationalHash(messageID: mid, payloads: $0) }
        let payloads = Array(d.payloads.dropFirst())
        lastReceived = env.now
        for p in payloads {
            switch p {
            case .notification(let n): handleNotify(n, env: &env, into: &actions)
            case .delete(let del): handleDelete(del, env: &env, into: &actions)
            default: continue
            }
            if phase1.isClosed { return }
        }
    }

    /// A protected notify: DPD, errors for our exchanges, status.
    mutating func handleNotify(_ n: NotificationPayload, env: inout Environment, into actions: inout [Action]) {
        switch n.notifyType {
        case .rUThere:
            sendNotify(.rUThereAck, protocolID: .isakmp, spi: isakmpSPI, data: n.data, into: &actions, env: &env)
        case .rUThereAck:
            if let seq = n.dpdSequence { updateEstablished { $0.dpd.acknowledge(seq) } }
        default:
            actions.append(.notifyReceived(ReceivedNotify(sa: id, type: n.notifyType, protocolID: n.protocolID, spi: n.spi, data: n.data)))
            if n.notifyType.isError {
                // The peer refused something we sent: the pending exchanges end.
                let ours = (established?.quickModes ?? [:]).filter { $0.value.isInitiator }.keys.sorted()
                for mid in ours {
                    answered(mid, into: &actions)
                    updateEstablished { $0.quickModes[mid] = nil }
                }
                actions.append(.failed(Failure(sa: id, error: IKEv1Error(.peerNotify, "peer sent \(n.notifyType)"))))
                if !phase1.isEstablished {
                    close(reason: "peer sent \(n.notifyType)", into: &actions, notifyDeleted: false)
                } else if n.protocolID == .isakmp, n.spi == isakmpSPI, Self.phase1Rejections.contains(n.notifyType) {
                    // The peer refused our HASH/SIG or certificate after we completed (MM6, AM3): no ISAKMP SA.
                    close(reason: "peer rejected Phase 1: \(n.notifyType)", into: &actions, notifyDeleted: true)
                }
            }
        }
    }

    /// Notifies that reject Phase 1 authentication (RFC 2408 §3.14.1).
    static let phase1Rejections: Set<NotifyMessageType> = [
        .invalidIDInformation, .invalidCertEncoding, .invalidCertificate, .certTypeUnsupported, .invalidCertAuthority,
        .authenticationFailed, .invalidSignature, .certificateUnavailable,
    ]

    /// A Delete: the ISAKMP SA itself, or child SAs by the peer's inbound (our outbound) SPIs.
    mutating func handleDelete(_ d: DeletePayload, env: inout Environment, into actions: inout [Action]) {
        if d.protocolID == .isakmp {
            // The ISAKMP SA alone: its IPsec SAs live on (RFC 2409 §5.7 ties them to nothing else;
            // a peer that wants them gone deletes them by SPI, as charon does first).
            if d.spis.contains(isakmpSPI) {
                ending = .deletedByPeer
                close(reason: "deleted by peer", into: &actions, notifyDeleted: true, keepingChildren: true)
            }
            return
        }
        for spiBytes in d.spis {
            guard let spi = UInt32(beBytes: spiBytes) else { continue }
            guard let (inbound, _) = children.first(where: { $0.value.outbound.spi == spi && $0.value.ipsecProtocol.protocolID == d.protocolID })
            else {
                foreignDeletes.append((d.protocolID, spi))
                continue
            }
            removeChild(inboundSPI: inbound, reason: "deleted by peer", into: &actions)
        }
    }

    /// Deletes one of our child SAs and tells the peer (RFC 2408 §3.15: we name our inbound SPI).
    mutating func deleteChild(inboundSPI: UInt32, reason: String, env: inout Environment, into actions: inout [Action]) {
        guard let child = children[inboundSPI] else { return }
        sendInformational([.delete(DeletePayload(protocolID: child.ipsecProtocol.protocolID, spiSize: 4, spis: [inboundSPI.beBytes]))],
                          into: &actions, env: &env)
        removeChild(inboundSPI: inboundSPI, reason: reason, into: &actions)
    }

    mutating func removeChild(inboundSPI: UInt32, reason: String, into actions: inout [Action]) {
        guard let child = updateEstablished({ $0.removeChild(inboundSPI: inboundSPI) }).flatMap({ $0 }) else { return }
        actions.append(.cancelTimer(TimerID(sa: child.isakmpSA, kind: .childRekey(inboundSPI: inboundSPI))))
        actions.append(.cancelTimer(TimerID(sa: child.isakmpSA, kind: .childExpire(inboundSPI: inboundSPI))))
        actions.append(.deleteChildSA(inboundSPI: inboundSPI, outboundSPI: child.outbound.spi, reason: reason))
    }

    /// Deletes everything: child SAs first (one Informational each, as charon), then the ISAKMP SA.
    mutating func deleteAll(reason: String, env: inout Environment, into actions: inout [Action]) {
        guard phase1.isEstablished else {
            close(reason: reason, into: &actions, notifyDeleted: false)
            return
        }
        for spi in children.keys.sorted() { deleteChild(inboundSPI: spi, reason: reason, env: &env, into: &actions) }
        sendInformational([.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [isakmpSPI]))],
                          into: &actions, env: &env)
        close(reason: reason, into: &actions, notifyDeleted: true)
    }
}
