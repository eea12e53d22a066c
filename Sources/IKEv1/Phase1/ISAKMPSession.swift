import IPsecCrypto
import ISAKMPWire

/// Where a Phase 1 stands (RFC 2409 §5: Main Mode 6 messages, Aggressive Mode 3).
enum Phase1State: Equatable {
    /// Initiator: MM1 sent, waiting for MM2.
    case mainModeSentSA
    /// Initiator: MM3 sent, waiting for MM4.
    case mainModeSentKE
    /// Initiator: MM5 sent, waiting for MM6.
    case mainModeSentAuth
    /// Responder: MM2 sent, waiting for MM3.
    case mainModeRepliedSA
    /// Responder: MM4 sent, waiting for MM5.
    case mainModeRepliedKE
    /// Initiator: AM1 sent, waiting for AM2.
    case aggressiveSentFirst
    /// Responder: AM2 sent, waiting for AM3.
    case aggressiveReplied
    /// Phase 1 complete: Quick Mode and Informational exchanges run.
    case established
    /// Failed or deleted; the endpoint removes the session.
    case closed
}

/// NAT traversal state of one ISAKMP SA (RFC 3947).
struct NATState {
    /// The peer sent a NAT-T vendor ID we share; `draft` when it was a draft's.
    var negotiated = false
    var draft = false
    /// We are behind a NAT (our NAT-D hash did not match what the peer saw).
    var localBehindNAT = false
    /// The peer is behind a NAT.
    var peerBehindNAT = false
    /// The exchange moved to port 4500.
    var floated = false

    var detected: Bool { localBehindNAT || peerBehindNAT }
    var natDType: PayloadType { draft ? .natDiscoveryDraft : .natDiscovery }
}

/// A request we sent and may retransmit.
struct Outstanding {
    var datagram: OutboundDatagram
    var attempt: Int
}

/// One ISAKMP SA and the exchanges on it: Phase 1, then Quick Modes and Informationals.
/// A value type driven by ``IKEv1Endpoint``.
struct ISAKMPSession {
    var isInitiator: Bool
    var cookieI: Cookie
    var cookieR: Cookie
    var exchange: ExchangeType
    var config: PeerConfig
    var local: SocketAddress
    var remote: SocketAddress
    var state: Phase1State

    // Phase 1 material (RFC 2409 §5).
    var chosen: IKEProposal?
    var saiB: [UInt8] = []
    var dh: DHKeyPair?
    var nonceI: [UInt8] = []
    var nonceR: [UInt8] = []
    var gxi: [UInt8] = []
    var gxr: [UInt8] = []
    var keys: IKEv1Phase1Keys?
    var cipher: CBCCipher?
    var phase1IV: [UInt8] = []
    var lastPhase1Block: [UInt8] = []
    var peerIdentity: Identity?
    var peerIDPayload: IdentificationPayload?
    /// CA names from the peer's Certificate Requests; nil when it sent none (RFC 2408 §3.10).
    var peerCertificateRequests: [[UInt8]]?
    /// The peer's certificate, once its signature verified.
    var peerCertificate: Certificate?
    var nat = NATState()
    var peerSupportsDPD = false
    var established: EngineTime?

    // Exchanges in flight and their caches.
    var outstanding: [UInt32: Outstanding] = [:]
    /// Digest of the last request received per message ID and the response we sent (duplicate detection).
    var lastExchange: [UInt32: (request: [UInt8], response: OutboundDatagram?)] = [:]
    var exchangeOrder: [UInt32] = []
    var quickModes: [UInt32: QuickModeExchange] = [:]
    /// Digests of the messages already processed: byte-identical copies are dropped.
    var received: Set<[UInt8]> = []
    var usedMessageIDs: Set<UInt32> = []
    /// Quick Modes the peer started on this SA (bounded by ``ResponderLimits/quickModesPerISAKMPSA``).
    var peerQuickModes = 0
    /// Seconds a responder Phase 1 may take (``ResponderLimits/halfOpenTimeout``).
    var halfOpenTimeout: Double = 30
    var children: [UInt32: ChildSA] = [:]
    /// Bytes the ESP layer reported per child (inbound SPI), for kilobyte lifetimes.
    var childBytes: [UInt32: UInt64] = [:]
    /// Children we negotiated as Quick Mode initiator: we rekey those.
    var ownChildren: Set<UInt32> = []

    // DPD (RFC 3706) and liveness.
    var lastReceived: EngineTime
    var dpdSequence: UInt32 = 0
    var dpdAwaiting: UInt32?
    var dpdMisses = 0

    var id: ISAKMPSAID { cookieI }
    var blockSize: Int { chosen?.encryption.blockSize ?? 16 }
    var hash: HashAlgorithm { chosen?.hash ?? .sha256 }

    init(initiatorFor config: PeerConfig, remote: SocketAddress, env: inout Environment) {
        isInitiator = true
        cookieI = Cookie(bytes: Self.nonZero(&env, 8))
        cookieR = .zero
        exchange = config.aggressive ? .aggressive : .mainMode
        self.config = config
        local = config.localAddress
        self.remote = remote
        state = config.aggressive ? .aggressiveSentFirst : .mainModeSentSA
        lastReceived = env.now
    }

    init(responderFor config: PeerConfig, header: ISAKMPHeader, local: SocketAddress, remote: SocketAddress,
         halfOpenTimeout: Double = ResponderLimits().halfOpenTimeout, env: inout Environment) {
        isInitiator = false
        cookieI = header.initiatorCookie
        cookieR = Cookie(bytes: Self.nonZero(&env, 8))
        exchange = header.exchangeType
        self.config = config
        self.local = local
        self.remote = remote
        state = header.exchangeType == .aggressive ? .aggressiveReplied : .mainModeRepliedSA
        lastReceived = env.now
        self.halfOpenTimeout = halfOpenTimeout
        // A Phase 1 a peer starts on the NAT-T port (RFC 3947 §4: a re-authentication of a peer
        // behind a NAT) is answered there, behind the non-ESP marker (RFC 3948 §2.2).
        nat.floated = local.port != 500
    }

    static func nonZero(_ env: inout Environment, _ n: Int) -> [UInt8] {
        while true {
            let b = env.bytes(n)
            if b.contains(where: { $0 != 0 }) { return b }
        }
    }

    // MARK: Sending

    /// The datagram for `bytes` from the current local to the current remote address.
    func datagram(_ bytes: [UInt8]) -> OutboundDatagram {
        OutboundDatagram(bytes: bytes, source: local, destination: remote, nonESPMarker: nat.floated)
    }

    func header(_ type: ExchangeType, messageID: UInt32 = 0) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: cookieI, responderCookie: cookieR, exchangeType: type, messageID: messageID)
    }

    /// Moves to UDP 4500 with the non-ESP marker (RFC 3947 §4).
    mutating func float() {
        guard !nat.floated else { return }
        nat.floated = true
        local = local.with(port: 4500)
        if remote.port == 500 { remote = remote.with(port: 4500) }
    }

    /// The peer's NAT mapping changed (RFC 3947 §5.2 leaves this to the implementation; charon
    /// and Libreswan follow an authenticated message): IKE and the IPsec SAs go to `peer` now.
    mutating func follow(_ peer: SocketAddress, into actions: inout [Action]) {
        guard nat.floated, peer != remote, peer.address.count == remote.address.count else { return }
        let old = remote
        remote = peer
        for spi in children.keys where children[spi]?.remote == old { children[spi]?.remote = peer }
        actions.append(.peerMoved(from: old, to: peer))
    }

    /// Sends a request that expects an answer and arms its retransmission timer.
    mutating func sendRequest(_ bytes: [UInt8], messageID: UInt32, env: Environment, into actions: inout [Action]) {
        let d = datagram(bytes)
        outstanding[messageID] = Outstanding(datagram: d, attempt: 0)
        actions.append(.send(d))
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .retransmit(messageID: messageID)),
                                      at: env.now.adding(seconds: config.retransmit.delay(afterAttempt: 0))))
    }

    /// The request of `messageID` was answered.
    mutating func answered(_ messageID: UInt32, into actions: inout [Action]) {
        if outstanding.removeValue(forKey: messageID) != nil {
            actions.append(.cancelTimer(TimerID(sa: id, kind: .retransmit(messageID: messageID))))
        }
    }

    /// Sends a response and remembers it for duplicates of `request`.
    mutating func sendResponse(_ bytes: [UInt8], to request: [UInt8], messageID: UInt32, into actions: inout [Action]) {
        let d = datagram(bytes)
        remember(request: request, response: d, messageID: messageID)
        actions.append(.send(d))
    }

    /// Keeps the last request's digest and our answer per exchange, for the 16 most recent exchanges.
    mutating func remember(request: [UInt8], response: OutboundDatagram?, messageID: UInt32) {
        if lastExchange[messageID] == nil {
            exchangeOrder.append(messageID)
            if exchangeOrder.count > 16 { lastExchange[exchangeOrder.removeFirst()] = nil }
        }
        lastExchange[messageID] = (Self.fingerprint(request), response)
    }

    /// What the duplicate caches keep of a message instead of its bytes (so a cache entry costs
    /// 32 bytes however large the message was).
    static func fingerprint(_ message: [UInt8]) -> [UInt8] { HashAlgorithm.sha256.hash(message) }

    // MARK: Encryption (RFC 2409 Appendix B)

    /// Pads with zero bytes (1..block, as charon does) and encrypts; returns ciphertext.
    func encrypt(_ payloads: [Payload], iv: [UInt8]) throws(IKEv1Error) -> [UInt8] {
        guard let cipher else { throw IKEv1Error(.crypto, "no Phase 1 key yet") }
        var plain = ISAKMPMessage.encodePayloads(payloads)
        plain += [UInt8](repeating: 0, count: blockSize - plain.count % blockSize)
        do { return try cipher.encrypt(plain, iv: iv) } catch { throw IKEv1Error(.crypto, "\(error)") }
    }

    /// An encrypted message: header plus ciphertext; returns the bytes and the IV after it.
    func encryptedMessage(_ h: ISAKMPHeader, _ payloads: [Payload], iv: [UInt8]) throws(IKEv1Error) -> ([UInt8], [UInt8]) {
        var h = h
        h.nextPayload = payloads.first?.type ?? .none
        let ct = try encrypt(payloads, iv: iv)
        let bytes = ISAKMPMessage(header: h, body: .encrypted(ct)).encode()
        return (bytes, IKEv1IV.next(afterCiphertext: ct, blockSize: blockSize))
    }

    /// Decrypts a message body: payloads, the exact bytes of the payload chain, and the next IV.
    func decrypt(_ message: ISAKMPMessage, iv: [UInt8]) throws(IKEv1Error) -> Decrypted {
        guard case .encrypted(let ct) = message.body else {
            throw IKEv1Error(.unexpectedMessage, "a cleartext message where an encrypted one is expected")
        }
        guard let cipher else { throw IKEv1Error(.unexpectedMessage, "encrypted message before keys exist") }
        guard !ct.isEmpty, ct.count % blockSize == 0 else {
            throw IKEv1Error(.payloadMalformed, "ciphertext of \(ct.count) bytes is not whole \(blockSize)-byte blocks")
        }
        let plain: [UInt8]
        do { plain = try cipher.decrypt(ct, iv: iv) } catch { throw IKEv1Error(.crypto, "\(error)") }
        do {
            let (payloads, padding) = try message.decodeDecrypted(plain)
            return Decrypted(payloads: payloads, chain: Array(plain[..<(plain.count - padding.count)]),
                             nextIV: IKEv1IV.next(afterCiphertext: ct, blockSize: blockSize))
        } catch {
            throw IKEv1Error(.payloadMalformed, "decrypted payloads: \(error)")
        }
    }

    // MARK: Failure

    /// Records a failure: a notify to the peer when the error warrants one, a `failed` action, and
    /// (for Phase 1 or fatal errors) closing the session. The notify names the ISAKMP SA unless
    /// `concerning` names another SA (RFC 2408 §3.14: its Protocol-ID and SPI).
    mutating func fail(_ error: IKEv1Error, closing: Bool, concerning: (protocolID: ProtocolID, spi: [UInt8])? = nil,
                       into actions: inout [Action], env: inout Environment) {
        let clear = error.kind == .authenticationFailed && state != .established
        if let type = error.notifyType {
            let (protocolID, spi) = concerning ?? (.isakmp, cookieI.bytes + cookieR.bytes)
            sendNotify(type, protocolID: protocolID, spi: spi, data: [], clear: clear, into: &actions, env: &env)
        }
        // Refusing the peer's last Phase 1 message (MM6 as initiator, AM3 as responder) leaves the
        // peer with an ISAKMP SA it counts as established, and charon keeps it despite the error
        // notify: delete it as well (RFC 2408 §3.15), protected by the keys we both hold.
        let peerEstablished = isInitiator ? state == .mainModeSentAuth : state == .aggressiveReplied
        if closing, peerEstablished, !clear, keys != nil {
            sendInformational([.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [cookieI.bytes + cookieR.bytes]))],
                              into: &actions, env: &env)
        }
        actions.append(.failed(Failure(sa: id, error: error)))
        if closing { close(reason: error.description, into: &actions, notifyDeleted: state == .established) }
    }

    /// Ends the session: cancels timers, removes children.
    mutating func close(reason: String, into actions: inout [Action], notifyDeleted: Bool) {
        guard state != .closed else { return }
        for mid in outstanding.keys { actions.append(.cancelTimer(TimerID(sa: id, kind: .retransmit(messageID: mid)))) }
        outstanding.removeAll()
        for (spi, child) in children.sorted(by: { $0.key < $1.key }) {
            actions.append(.cancelTimer(TimerID(sa: id, kind: .childRekey(inboundSPI: spi))))
            actions.append(.cancelTimer(TimerID(sa: id, kind: .childExpire(inboundSPI: spi))))
            actions.append(.deleteChildSA(inboundSPI: spi, outboundSPI: child.outbound.spi, reason: reason))
        }
        children.removeAll()
        for kind in [TimerID.Kind.keepalive, .dpd, .halfOpen, .isakmpExpire] {
            actions.append(.cancelTimer(TimerID(sa: id, kind: kind)))
        }
        if notifyDeleted { actions.append(.isakmpSADeleted(id, reason: reason)) }
        state = .closed
    }

    /// Summary for status output; nil before Phase 1 completes.
    var info: ISAKMPSAInfo? {
        guard state == .established, let chosen, let established, let peerIdentity else { return nil }
        return ISAKMPSAInfo(id: id, cookieR: cookieR, peerName: config.name, isInitiator: isInitiator, exchange: exchange,
                            local: local, remote: remote, localIdentity: config.localIdentity, remoteIdentity: peerIdentity,
                            proposal: chosen, localBehindNAT: nat.localBehindNAT, peerBehindNAT: nat.peerBehindNAT, established: established,
                            expires: chosen.lifetime.seconds.map { established.adding(seconds: Double($0)) },
                            peerSupportsDPD: peerSupportsDPD, peerCertificate: peerCertificate)
    }
}

/// A decrypted message.
struct Decrypted {
    var payloads: [Payload]
    /// The payload chain bytes without padding (hashes are computed over slices of it).
    var chain: [UInt8]
    var nextIV: [UInt8]

    /// The bytes after the first (HASH) payload: what HASH(1)/(2) and Informational hashes cover.
    var afterFirstPayload: [UInt8] {
        guard chain.count >= 4 else { return [] }
        let len = Int(chain[2]) << 8 | Int(chain[3])
        return len <= chain.count ? Array(chain[len...]) : []
    }
}
