public import IPsecCrypto

/// The engine's proposals from IPsecCrypto's strongSwan notation
/// (`aes128-sha256-modp2048`; see ``ProposalList``): several algorithms of one
/// kind in a proposal expand to every combination, in order.
extension ProposalList {
    /// Phase 1 proposals. Throws `invalidProposal` when a proposal lacks a
    /// cipher, hash or group, names a cipher IKEv1 Phase 1 cannot use (CTR,
    /// GCM, GMAC, NULL), or a `prf`/`esn` word (Phase 1's PRF is HMAC over its hash).
    public func ikeProposals(authMethod: AuthMethod = .preSharedKey,
                             lifetime: Lifetime = Lifetime(seconds: 15000)) throws(CryptoError) -> [IKEProposal] {
        var out: [IKEProposal] = []
        for p in proposals {
            guard p.prf.isEmpty, p.esn.isEmpty else {
                throw CryptoError(.invalidProposal, "IKE proposal '\(p)' cannot name a PRF or ESN")
            }
            guard !p.encryption.isEmpty, !p.integrity.isEmpty, !p.groups.isEmpty else {
                throw CryptoError(.invalidProposal, "IKE proposal '\(p)' needs encryption, integrity and a DH group")
            }
            for e in p.encryption {
                guard let cipher = e.cbcAlgorithm else {
                    throw CryptoError(.invalidProposal, "'\(e.keyword)' cannot protect IKEv1 Phase 1 (CBC ciphers only)")
                }
                for i in p.integrity {
                    guard let hash = i.hash else { throw CryptoError(.invalidProposal, "'\(i.keyword)' cannot be an IKEv1 hash") }
                    for g in p.groups {
                        out.append(IKEProposal(encryption: cipher, hash: hash, group: g, authMethod: authMethod, lifetime: lifetime))
                    }
                }
            }
        }
        return out
    }

    /// Quick Mode proposals; a group means PFS. ESP needs an integrity algorithm
    /// unless its cipher is combined-mode (GCM, GMAC), which takes none (an
    /// integrity word beside combined-mode ciphers only is an error); AH takes
    /// integrity algorithms only. No `prf` or `esn` words.
    public func childProposals(ipsecProtocol: ChildProtocol = .esp) throws(CryptoError) -> [ChildProposal] {
        var out: [ChildProposal] = []
        for p in proposals {
            guard p.prf.isEmpty, p.esn.isEmpty else {
                throw CryptoError(.invalidProposal, "child proposal '\(p)' cannot name a PRF or ESN")
            }
            let groups: [DHGroup?] = p.groups.isEmpty ? [nil] : p.groups
            if ipsecProtocol == .ah {
                guard p.encryption.isEmpty, !p.integrity.isEmpty else {
                    throw CryptoError(.invalidProposal, "AH proposal '\(p)' takes integrity algorithms and no cipher")
                }
                for i in p.integrity { for g in groups {
                    out.append(ChildProposal(ipsecProtocol: .ah, encryption: nil, integrity: i, pfsGroup: g))
                } }
                continue
            }
            if p.integrity.isEmpty, let e = p.encryption.first(where: { !$0.isAEAD }) {
                throw CryptoError(.invalidProposal, "ESP proposal '\(p)' needs an integrity algorithm for \(e.keyword)")
            }
            if !p.integrity.isEmpty, !p.encryption.isEmpty, p.encryption.allSatisfy(\.isAEAD) {
                throw CryptoError(.invalidProposal, "ESP proposal '\(p)' is combined-mode and takes no integrity algorithm")
            }
            guard !p.encryption.isEmpty else {
                throw CryptoError(.invalidProposal, "ESP proposal '\(p)' needs an encryption transform")
            }
            for e in p.encryption {
                // Combined-mode ciphers take no integrity algorithm (RFC 4106 §8, RFC 4543 §5).
                let integrities: [IntegrityAlgorithm?] = e.isAEAD ? [nil] : p.integrity.map { $0 }
                for i in integrities { for g in groups {
                    out.append(ChildProposal(encryption: e, integrity: i, pfsGroup: g))
                } }
            }
        }
        return out
    }
}

extension IKEProposal {
    /// Phase 1 proposals from notation such as `aes128-sha256-modp2048,3des-sha1-modp1024`,
    /// all with one authentication method.
    public static func proposals(notation: String, authMethod: AuthMethod = .preSharedKey,
                                 lifetime: Lifetime = Lifetime(seconds: 15000)) throws(CryptoError) -> [IKEProposal] {
        try ProposalList(parsing: notation).ikeProposals(authMethod: authMethod, lifetime: lifetime)
    }
}

extension ChildProposal {
    /// Quick Mode proposals from notation such as `aes128-sha256-modp2048` or
    /// `aes256gcm16`; a leading `ah-` (ipsec.conf's `ah=` list) makes the whole
    /// list AH, a leading `esp-` is allowed and ignored.
    public static func proposals(notation: String) throws(CryptoError) -> [ChildProposal] {
        for (prefix, ipsecProtocol) in [("ah-", ChildProtocol.ah), ("esp-", .esp)] where notation.hasPrefix(prefix) {
            return try ProposalList(parsing: String(notation.dropFirst(prefix.count))).childProposals(ipsecProtocol: ipsecProtocol)
        }
        return try ProposalList(parsing: notation).childProposals()
    }
}
