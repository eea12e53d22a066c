import IPsecCrypto
import ISAKMPWire

/// Pieces shared by Main Mode and Aggressive Mode, both roles (RFC 2409 §5, RFC 3947, RFC 3706).
extension ISAKMPSession {
    // MARK: SA payload (RFC 2409 §5, RFC 2408 §4.2)

    /// Our SA offer: one proposal, one transform per configured combination (as charon).
    static func offer(_ proposals: [IKEProposal]) -> SecurityAssociationPayload {
        let transforms = proposals.enumerated().map { $0.element.transform(number: UInt8(truncatingIfNeeded: $0.offset + 1)) }
        return SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: transforms)])
    }

    /// Chooses by our own preference order among the initiator's transforms (as charon:
    /// `prefer_configured_proposals`) and returns the reply SA carrying the chosen transform unchanged.
    static func choose(from sa: SecurityAssociationPayload, policy: PeerConfig,
                       allowing allowed: (IKEProposal) -> Bool = { _ in true }) throws(IKEv1Error)
        -> (IKEProposal, SecurityAssociationPayload) {
        guard sa.doi == .ipsec else { throw IKEv1Error(.noProposalChosen, "DOI \(sa.doi) is not IPsec") }
        guard sa.situation == .identityOnly else { throw IKEv1Error(.noProposalChosen, "situation \(sa.situation.rawValue) not supported") }
        var offered: [(ProposalPayload, TransformPayload, IKEProposal)] = []
        for p in sa.proposals where p.protocolID == .isakmp {
            for t in p.transforms {
                if let parsed = IKEProposal(transform: t) { offered.append((p, t, parsed)) }
            }
        }
        for mine in policy.ikeProposals where (policy.legacy || !mine.isLegacy) && allowed(mine) {
            if let (p, t, theirs) = offered.first(where: { $0.2.sameAlgorithms(mine) }) {
                var chosen = theirs
                chosen.lifetime = theirs.lifetime.shortest(mine.lifetime)
                let reply = SecurityAssociationPayload(doi: sa.doi, situation: sa.situation, proposals: [
                    ProposalPayload(number: p.number, protocolID: .isakmp, spi: p.spi, transforms: [t]),
                ])
                return (chosen, reply)
            }
        }
        func named(_ p: IKEProposal) -> String { p.authMethod == .preSharedKey ? p.description : "\(p)/\(p.authMethod)" }
        let names = offered.map { named($0.2) }
        throw IKEv1Error(.noProposalChosen, "none of the offered IKE proposals [\(names.joined(separator: ", "))] "
                         + "matches ours [\(policy.ikeProposals.map(named).joined(separator: ", "))]"
                         + (offered.contains(where: \.2.isLegacy) && !policy.legacy ? " (legacy algorithms need `legacy`)" : "")
                         + (offered.contains { $0.2.authMethod.base == .dssSignature } ? " (DSS signatures are not supported)" : "")
                         + (offered.contains { $0.2.authMethod.isXAUTH } != policy.ikeProposals.contains { $0.authMethod.isXAUTH }
                            ? " (XAUTH methods 65001-65010 are accepted only with XAUTH configured, and then required)" : ""))
    }

    /// Reads the responder's reply SA: exactly one of our transforms.
    func acceptReply(_ sa: SecurityAssociationPayload) throws(IKEv1Error) -> IKEProposal {
        guard sa.proposals.count == 1, let t = sa.proposals[0].transforms.first, sa.proposals[0].transforms.count == 1,
              let theirs = IKEProposal(transform: t),
              let mine = config.ikeProposals.first(where: { $0.sameAlgorithms(theirs) }) else {
            throw IKEv1Error(.noProposalChosen, "the responder chose a transform we did not offer")
        }
        var chosen = mine
        chosen.lifetime = mine.lifetime.shortest(theirs.lifetime)
        return chosen
    }

    // MARK: Vendor IDs

    /// VIDs we send: NAT-T (RFC 3947 and the common draft as initiator; the one chosen as responder),
    /// DPD, FRAGMENTATION (``FragmentationPolicy``).
    func vendorIDs(replyingTo peer: [KnownVendorID]? = nil) -> [Payload] {
        var out: [KnownVendorID] = []
        if config.natTraversal {
            if let peer {
                if let natt = KnownVendorID.natTraversal.first(where: { peer.contains($0) }) { out.append(natt) }
            } else {
                out += [.rfc3947, .natTDraft02n]
            }
        }
        out.append(.dpd)
        if config.fragmentation.announces(peerAnnounced: peer.map { $0.contains(.fragmentation) }) { out.append(.fragmentation) }
        if let role = config.remoteAccess {
            if role.usesXAUTH { out.append(.xauth) }
            if role.unity { out.append(.ciscoUnity) }
        }
        return out.map { .vendorID(VendorIDPayload(data: $0.bytes)) }
    }

    /// Notes the peer's capabilities from its VIDs.
    mutating func readVendorIDs(_ payloads: [Payload]) -> [KnownVendorID] {
        let known = payloads.compactMap { p -> KnownVendorID? in
            if case .vendorID(let v) = p { return v.known } else { return nil }
        }
        if config.natTraversal, let natt = KnownVendorID.natTraversal.first(where: { known.contains($0) }) {
            nat.negotiated = true
            nat.draft = natt != .rfc3947
        }
        if known.contains(.dpd) { peerSupportsDPD = true }
        if known.contains(.ciscoUnity) { peerSupportsUnity = true }
        if known.contains(.fragmentation) { peerSupportsFragmentation = true }
        return known
    }

    // MARK: NAT-D (RFC 3947 §3.2)

    /// NAT-D payloads under the negotiated `hash`: the destination's hash, then ours (fake when
    /// encapsulation is forced).
    mutating func natDPayloads(hash h: HashAlgorithm, env: inout Environment) -> [Payload] {
        guard nat.negotiated else { return [] }
        let dst = natDiscoveryHash(hash: h, initiatorCookie: cookieI.rawValue, responderCookie: cookieR.rawValue, address: remote.address, port: remote.port)
        var src = natDiscoveryHash(hash: h, initiatorCookie: cookieI.rawValue, responderCookie: cookieR.rawValue, address: local.address, port: local.port)
        if config.forceEncapsulation {
            src = env.bytes(h.length)
            nat.localBehindNAT = true
        }
        return [dst, src].map { .natDiscovery(NATDiscoveryPayload(hash: $0, type: nat.natDType)) }
    }

    /// Compares the peer's NAT-D hashes (under the negotiated `hash`) with the addresses the
    /// datagram really carried.
    mutating func checkNATD(_ payloads: [Payload], hash h: HashAlgorithm, from source: SocketAddress, to destination: SocketAddress) {
        guard nat.negotiated else { return }
        let hashes = payloads.compactMap { p -> [UInt8]? in
            if case .natDiscovery(let d) = p { return d.hash } else { return nil }
        }
        guard let first = hashes.first else { return }
        let mine = natDiscoveryHash(hash: h, initiatorCookie: cookieI.rawValue, responderCookie: cookieR.rawValue,
                                    address: destination.address, port: destination.port)
        let theirs = natDiscoveryHash(hash: h, initiatorCookie: cookieI.rawValue, responderCookie: cookieR.rawValue,
                                      address: source.address, port: source.port)
        if !constantTimeEqual(first, mine) { nat.localBehindNAT = true }
        if !hashes.dropFirst().contains(where: { constantTimeEqual($0, theirs) }) { nat.peerBehindNAT = true }
    }

    // MARK: Keys (RFC 2409 §5, Appendix B)

    /// Checks the peer's KE value (RFC 6989: length, range, subgroup, curve) before we spend a
    /// key generation on it, so a bad value costs us no Diffie-Hellman work.
    static func validatePeerKE(_ value: [UInt8], group: DHGroup, what: String) throws(IKEv1Error) {
        do { try group.validatePublicValue(value) } catch {
            throw IKEv1Error(.invalidKey, "\(what) rejected: \(error.reason)")
        }
    }

    /// Our DH pair and nonce for the chosen group.
    static func makeKEAndNonce(group: DHGroup, env: inout Environment) throws(IKEv1Error) -> (dh: DHKeyPair, nonce: [UInt8]) {
        let pair: DHKeyPair
        do { pair = try DHKeyPair.generate(group: group, entropy: &env.entropy) } catch {
            throw IKEv1Error(.crypto, "DH \(group): \(error.reason)")
        }
        return (pair, env.bytes(32))
    }

    /// Keys from the state so far and the peer's half, with the cookies of this SA.
    func derive(saiB: [UInt8], chosen: IKEProposal, dh: DHKeyPair, peerKE: [UInt8], nonceI: [UInt8], nonceR: [UInt8],
                certificateRequests: CertificateRequests) throws(IKEv1Error) -> KeyedState {
        try KeyedState(saiB: saiB, chosen: chosen, dh: dh, peerKE: peerKE, isInitiator: isInitiator, nonceI: nonceI, nonceR: nonceR,
                       authentication: config.authentication, cookieI: cookieI, cookieR: cookieR, certificateRequests: certificateRequests)
    }

    /// Decrypts the first encrypted Phase 1 message: garbage means the keys differ, i.e. the PSK
    /// (with signatures SKEYID has no secret input, so the message was damaged).
    func decryptAuthentication(_ message: ISAKMPMessage, _ keyed: KeyedState, which: String) throws(IKEv1Error) -> Decrypted {
        do { return try keyed.protection.decrypt(message, iv: keyed.iv) } catch where error.kind == .payloadMalformed {
            guard !keyed.usesSignatures else { throw IKEv1Error(.payloadMalformed, "\(which) does not decrypt to valid payloads") }
            throw IKEv1Error(.authenticationFailed, "\(which) does not decrypt to valid payloads: pre-shared key mismatch")
        }
    }

    // MARK: Identities and HASH_I/HASH_R

    var localIDPayload: IdentificationPayload { IdentificationPayload(config.localIdentity) }

    /// The identity in the peer's Phase 1 ID, checked against the configuration.
    func acceptPeerID(_ id: IdentificationPayload) throws(IKEv1Error) -> Identity {
        guard let identity = id.identity else { throw IKEv1Error(.invalidID, "malformed \(id.idType) identity") }
        if let expected = config.remoteIdentity, !Self.sameIdentity(expected, identity) {
            throw IKEv1Error(.invalidID, "peer identity \(Self.text(identity)) is not the configured \(Self.text(expected))")
        }
        return identity
    }

    /// Whether the peer's identity is the configured one. DNs compare as names (RFC 5280 §7.1),
    /// not as bytes, and a configured value of `*` matches any value (`C=CH, O=strongSwan, CN=*`).
    static func sameIdentity(_ configured: Identity, _ peer: Identity) -> Bool {
        // The same bytes match without parsing two names (a pattern matches itself).
        if configured == peer { return true }
        if case .derASN1DN(let x) = configured, case .derASN1DN(let y) = peer,
           let pattern = try? DistinguishedName(der: x), let name = try? DistinguishedName(der: y) {
            return name.matches(pattern: pattern)
        }
        return configured == peer
    }

    /// `HASH_I` or `HASH_R` over an ID payload body on this SA (RFC 2409 §5).
    func authHash(_ keyed: KeyedState, byInitiator: Bool, idBody: [UInt8]) -> [UInt8] {
        keyed.authHash(byInitiator: byInitiator, idBody: idBody, cookieI: cookieI, cookieR: cookieR)
    }

    /// Verifies the peer's HASH payload over its ID payload, as received.
    func verifyPeerHash(_ payloads: [Payload], id: IdentificationPayload, _ keyed: KeyedState) throws(IKEv1Error) {
        guard let received = payloads.first(ofType: HashPayload.self) else {
            throw IKEv1Error(.payloadMalformed, "no HASH payload")
        }
        let expected = authHash(keyed, byInitiator: !isInitiator, idBody: id.body)
        guard constantTimeEqual(received.data, expected) else {
            throw IKEv1Error(.authenticationFailed, "HASH_\(isInitiator ? "R" : "I") does not verify: pre-shared key mismatch")
        }
    }

    /// Phase 1 done: move to the established state, arm timers, report.
    mutating func phase1Complete(_ keyed: KeyedState, peerIdentity: Identity, peerCertificate: Certificate?,
                                 env: Environment, into actions: inout [Action]) {
        phase1 = .established(EstablishedState(keyed: keyed, peerIdentity: peerIdentity, peerCertificate: peerCertificate, at: env.now))
        if let info { actions.append(.isakmpSAEstablished(info)) }
        if let s = keyed.chosen.lifetime.seconds {
            actions.append(.scheduleTimer(TimerID(sa: id, kind: .isakmpExpire), at: env.now.adding(seconds: Double(s))))
        }
        if nat.localBehindNAT || (nat.detected && config.forceEncapsulation) {
            actions.append(.scheduleTimer(TimerID(sa: id, kind: .keepalive), at: env.now.adding(seconds: config.keepaliveInterval)))
        }
        if let d = config.dpdDelay, peerSupportsDPD {
            actions.append(.scheduleTimer(TimerID(sa: id, kind: .dpd), at: env.now.adding(seconds: d)))
        }
        actions.append(.cancelTimer(TimerID(sa: id, kind: .halfOpen)))
    }
}

extension Array where Element == Payload {
    /// The first payload of a kind.
    func first<T>(ofType: T.Type) -> T? {
        for p in self {
            switch p {
            case .securityAssociation(let x as T), .keyExchange(let x as T), .identification(let x as T),
                 .hash(let x as T), .signature(let x as T), .nonce(let x as T), .notification(let x as T), .delete(let x as T):
                return x
            default: continue
            }
        }
        return nil
    }

    /// All payloads of a kind.
    func all<T>(ofType: T.Type) -> [T] {
        compactMap { p -> T? in
            switch p {
            case .identification(let x as T), .notification(let x as T), .delete(let x as T), .certificate(let x as T),
                 .certificateRequest(let x as T), .natOriginalAddress(let x as T), .natDiscovery(let x as T):
                return x
            default: return nil
            }
        }
    }

    /// The payload types in order, for error messages and status.
    var typeNames: String { map { $0.type.name ?? "\($0.type.rawValue)" }.joined(separator: " ") }
}
