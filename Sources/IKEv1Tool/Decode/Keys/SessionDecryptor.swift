import ESP
import IPsecCrypto
import ISAKMPWire

/// Follows every ISAKMP SA of a capture, derives its keys from the secrets,
/// decrypts its messages along the IV chains of RFC 2409 Appendix B and checks
/// every hash: HASH_I/HASH_R (§5), Quick Mode HASH(1)/(2)/(3) (§5.5) and
/// Informational HASH(1) (§5.7). Quick Modes yield ESP keys (KEYMAT, §5.5).
final class SessionDecryptor: MessageDecryptor {
    let secrets: Secrets
    private(set) var sessions: [[UInt8]: Phase1Session] = [:]
    /// ESP SAs by SPI: the explicit ones, then every one derived from a Quick Mode.
    private(set) var espSAs: [UInt32: DerivedESP] = [:]

    /// An ESP SA and where its packets flow.
    struct DerivedESP {
        var keys: Secrets.ESPKeys
        var source: String
        var destination: String
    }

    init(secrets: Secrets) {
        self.secrets = secrets
        for e in secrets.esp { espSAs[e.spi] = DerivedESP(keys: e, source: "", destination: "") }
    }

    func process(_ message: ISAKMPMessage, raw: ArraySlice<UInt8>, source: String,
                 destination: String) -> (payloads: [Payload]?, hashValid: Bool?, error: String?) {
        let h = message.header
        let ci = h.initiatorCookie.bytes
        let srcIP = Self.address(source), dstIP = Self.address(destination)
        var s = sessions[ci] ?? Phase1Session(cookieI: ci, initiator: srcIP, responder: dstIP, exchange: h.exchangeType)
        if h.responderCookie != .zero { s.cookieR = h.responderCookie.bytes }
        let fromInitiator = srcIP == s.initiatorAddress
        defer { sessions[ci] = s }

        let payloads: [Payload]
        var alreadyVerified: Bool??
        switch message.body {
        case .payloads(let p, _):
            payloads = p
        case .encrypted(let ciphertext):
            if let earlier = s.decrypted[ciphertext] {
                payloads = earlier.payloads
                alreadyVerified = .some(earlier.hashValid)
            } else {
                deriveIfPossible(&s)
                guard let ka = s.encryptionKey, let cipher = s.cipher, let iv = s.iv(for: h.messageID) else {
                    return (nil, nil, "no key for this ISAKMP SA (cookie \(h.initiatorCookie)): "
                        + (s.chosen == nil ? "its Phase 1 negotiation is not in the capture" : "the secrets do not cover it"))
                }
                guard ciphertext.count % cipher.blockSize == 0, !ciphertext.isEmpty else {
                    return (nil, nil, "encrypted body of \(ciphertext.count) bytes is not a whole number of \(cipher.blockSize)-byte blocks")
                }
                let plain: [UInt8]
                do {
                    plain = try CBCCipher(algorithm: cipher, key: ka).decrypt(ciphertext, iv: iv)
                } catch {
                    return (nil, nil, "decryption failed: \(error)")
                }
                do {
                    payloads = try message.decodeDecrypted(plain).payloads
                } catch {
                    return (nil, nil, "decrypted body does not parse (wrong key or IV?): \(error)")
                }
                s.advance(messageID: h.messageID, ciphertext: ciphertext)
            }
        }

        observe(payloads, header: h, fromInitiator: fromInitiator, session: &s)
        deriveIfPossible(&s)
        let valid = alreadyVerified ?? verify(payloads, header: h, fromInitiator: fromInitiator, session: &s)
        if case .encrypted(let ciphertext) = message.body { s.decrypted[ciphertext] = (payloads, valid) }
        if h.exchangeType == .quickMode { deriveChildSAs(messageID: h.messageID, session: &s) }
        let error = valid == false ? "hash does not verify" : nil
        return (message.payloads == nil ? payloads : nil, valid, error)
    }

    /// Opens an ESP packet with its SA's keys (RFC 4303 §3.4): ICV, decryption, padding.
    /// Anti-replay is off: a capture may hold retransmissions, and decoding enforces nothing.
    func openESP(_ packet: ArraySlice<UInt8>, spi: UInt32)
        -> (icvValid: Bool, nextHeader: UInt8?, inner: (source: String, destination: String, protocolNumber: UInt8, length: Int)?, error: String?)? {
        guard let opener = opener(spi) else { return nil }
        var buffer = Array(packet)
        let result: Result<OpenResult, ESPError> = buffer.withUnsafeMutableBytes { b in
            do throws(ESPError) { return .success(try opener.open(b, packet: 0..<b.count)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let opened):
            let inner = Self.innerPacket(Array(buffer[opened.payload]), nextHeader: opened.nextHeader)
            return (true, opened.nextHeader, inner, nil)
        case .failure(.authenticationFailed):
            return (false, nil, nil, "ESP ICV does not verify")
        case .failure(let error):
            return (false, nil, nil, "ESP packet does not open: \(error)")
        }
    }

    private var openers: [UInt32: ESPInboundSA] = [:]

    private func opener(_ spi: UInt32) -> ESPInboundSA? {
        if let o = openers[spi] { return o }
        guard let k = espSAs[spi]?.keys else { return nil }
        let sa = SecurityAssociation(spi: spi, direction: .inbound, encryption: k.encryption, integrity: k.integrity,
                                     encryptionKey: SecretBytes(k.encryptionKey), integrityKey: SecretBytes(k.integrityKey),
                                     replayWindow: 0)
        guard let o = try? ESPInboundSA(sa) else { return nil }
        openers[spi] = o
        return o
    }

    /// Source, destination and protocol of a tunnel-mode inner IPv4 (next header 4) or IPv6 (41) packet.
    static func innerPacket(_ p: [UInt8], nextHeader: UInt8)
        -> (source: String, destination: String, protocolNumber: UInt8, length: Int)? {
        if nextHeader == 4, p.count >= 20, p[0] >> 4 == 4 {
            return (IPAddressText.format(p[12..<16]), IPAddressText.format(p[16..<20]), p[9], p.count)
        }
        if nextHeader == 41, p.count >= 40, p[0] >> 4 == 6 {
            return (IPAddressText.format(p[8..<24]), IPAddressText.format(p[24..<40]), p[6], p.count)
        }
        return nil
    }

    // MARK: What each message teaches

    private func observe(_ payloads: [Payload], header h: ISAKMPHeader, fromInitiator: Bool, session s: inout Phase1Session) {
        let phase1 = h.messageID == 0 && (h.exchangeType == .mainMode || h.exchangeType == .aggressive)
        for p in payloads {
            switch p {
            case .securityAssociation(let sa) where phase1:
                if fromInitiator, s.saiB == nil { s.saiB = p.body }
                if !fromInitiator { s.chosen = sa.proposals.first?.transforms.first }
            case .keyExchange(let ke) where phase1:
                if fromInitiator { s.gxi = ke.data } else { s.gxr = ke.data }
            case .nonce(let n) where phase1:
                if fromInitiator { s.nonceI = n.data } else { s.nonceR = n.data }
            case .identification where phase1:
                if fromInitiator { s.idiiB = p.body } else { s.idirB = p.body }
            case .securityAssociation(let sa) where h.exchangeType == .quickMode:
                var qm = s.quickModes[h.messageID] ?? .init()
                let proposal = sa.proposals.first
                if fromInitiator { qm.spiI = proposal?.spi } else {
                    qm.spiR = proposal?.spi
                    qm.chosen = proposal?.transforms.first
                    qm.protocolID = proposal?.protocolID ?? .esp
                }
                s.quickModes[h.messageID] = qm
            case .nonce(let n) where h.exchangeType == .quickMode:
                var qm = s.quickModes[h.messageID] ?? .init()
                if fromInitiator { qm.nonceI = n.data } else { qm.nonceR = n.data }
                s.quickModes[h.messageID] = qm
            case .keyExchange where h.exchangeType == .quickMode:
                s.quickModes[h.messageID, default: .init()].hasKE = true
            default: break
            }
        }
    }

    private func deriveIfPossible(_ s: inout Phase1Session) {
        let p1 = secrets.phase1.first { $0.cookieI == s.cookieI }
            ?? (sessions.isEmpty || sessions.keys.first == s.cookieI ? secrets.phase1.first { $0.cookieI == nil } : nil)
        s.deriveKeys(psk: secrets.psk, gxy: p1?.gxy, givenKa: p1?.encryptionKey)
    }

    /// nil when there is no hash to check or no key to check it with.
    private func verify(_ payloads: [Payload], header h: ISAKMPHeader, fromInitiator: Bool,
                        session s: inout Phase1Session) -> Bool? {
        guard let keys = s.keys else { return nil }
        guard let hashIndex = payloads.firstIndex(where: { $0.type == .hash }),
              case .hash(let hp) = payloads[hashIndex] else { return nil }
        let received = hp.data
        let expected: [UInt8]
        switch (h.exchangeType, h.messageID) {
        case (.mainMode, 0), (.aggressive, 0):
            guard let gxi = s.gxi, let gxr = s.gxr, let sai = s.saiB else { return nil }
            if fromInitiator {
                guard let id = s.idiiB else { return nil }
                expected = keys.hashI(gxi: gxi, gxr: gxr, cookieI: s.cookieI, cookieR: s.cookieR, saiB: sai, idiiB: id)
            } else {
                guard let id = s.idirB else { return nil }
                expected = keys.hashR(gxi: gxi, gxr: gxr, cookieI: s.cookieI, cookieR: s.cookieR, saiB: sai, idirB: id)
            }
        case (.quickMode, let mid):
            let rest = PayloadChain.encode(payloads[(hashIndex + 1)...])
            let qm = s.quickModes[mid] ?? .init()
            if payloads.count == 1 {
                guard let ni = qm.nonceI, let nr = qm.nonceR else { return nil }
                expected = keys.quickModeHash3(messageID: mid, nonceI: ni, nonceR: nr)
            } else if fromInitiator {
                expected = keys.quickModeHash1(messageID: mid, afterHash: rest)
            } else {
                guard let ni = qm.nonceI else { return nil }
                expected = keys.quickModeHash2(messageID: mid, nonceI: ni, afterHash: rest)
            }
        case (_, let mid) where mid != 0:
            // Informational and Transaction exchanges: HASH(1) over M-ID and the payloads after HASH.
            expected = keys.informationalHash(messageID: mid, payloads: PayloadChain.encode(payloads[(hashIndex + 1)...]))
        default:
            return nil
        }
        return constantTimeEqual(expected, received)
    }

    /// KEYMAT for both SAs of a Quick Mode once nonces, SPIs and the transform are known.
    private func deriveChildSAs(messageID: UInt32, session s: inout Phase1Session) {
        guard let keys = s.keys, var qm = s.quickModes[messageID], !qm.keysDerived,
              let ni = qm.nonceI, let nr = qm.nonceR, let spiI = qm.spiI, let spiR = qm.spiR,
              let chosen = qm.chosen, qm.protocolID == .esp,
              let (enc, integ) = NegotiatedAlgorithms.esp(chosen) else { return }
        var pfs: SecretBytes?
        if qm.hasKE {
            guard let q = secrets.quickModes.first(where: { $0.messageID == messageID && ($0.cookieI == nil || $0.cookieI == s.cookieI) })
            else { return }
            pfs = SecretBytes(q.gxy)
        }
        qm.keysDerived = true
        s.quickModes[messageID] = qm
        let length = enc.keyingMaterialLength + (integ?.keyLength ?? 0)
        // The SA keyed with an SPI carries packets to the peer that chose that SPI.
        for (spi, src, dst) in [(spiI, s.responderAddress, s.initiatorAddress), (spiR, s.initiatorAddress, s.responderAddress)]
        where spi.count == 4 {
            let material = keys.keymat(protocolID: ProtocolID.esp.rawValue, spi: spi, nonceI: ni, nonceR: nr,
                                       pfsSharedSecret: pfs, length: length).bytes
            let value = spi.reduce(0) { $0 << 8 | UInt32($1) }
            let e = Secrets.ESPKeys(spi: value, encryption: enc,
                                    encryptionKey: Array(material.prefix(enc.keyingMaterialLength)),
                                    integrity: integ, integrityKey: Array(material.dropFirst(enc.keyingMaterialLength)))
            if espSAs[value] == nil { espSAs[value] = DerivedESP(keys: e, source: src, destination: dst) }
        }
    }

    /// `a.b.c.d` of `a.b.c.d:port`, `v6` of `[v6]:port`.
    static func address(_ endpoint: String) -> String {
        if endpoint.hasPrefix("["), let close = endpoint.firstIndex(of: "]") {
            return String(endpoint[endpoint.index(after: endpoint.startIndex)..<close])
        }
        guard let colon = endpoint.lastIndex(of: ":"), endpoint.filter({ $0 == ":" }).count == 1 else { return endpoint }
        return String(endpoint[..<colon])
    }
}
