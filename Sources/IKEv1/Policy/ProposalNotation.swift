import IPsecCrypto

/// strongSwan's proposal notation, `aes128-sha256-modp2048`, for Phase 1 and
/// Quick Mode. Several algorithms of one kind in one proposal expand to every
/// combination (`aes128-aes256-sha256-modp2048` = two transforms); commas
/// separate proposals. Kept here until IPsecCrypto's `Suite` parser lands on main.
public enum ProposalNotation {
    /// A notation error: the text and what was wrong.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// Why the text was rejected.
        public let reason: String
        public var description: String { reason }
    }

    /// Phase 1 proposals, in order.
    public static func ike(_ text: String, lifetime: Lifetime = Lifetime(seconds: 15000)) throws(ParseError) -> [IKEProposal] {
        var out: [IKEProposal] = []
        for part in text.split(separator: ",") {
            var encs: [CBCAlgorithm] = [], hashes: [HashAlgorithm] = [], groups: [DHGroup] = []
            for token in part.split(separator: "-").map(String.init) {
                if let e = cbc(token) { encs.append(e) }
                else if let h = hash(token) { hashes.append(h) }
                else if let g = group(token) { groups.append(g) }
                else { throw ParseError(reason: "unknown IKE algorithm '\(token)' in '\(part)'") }
            }
            guard !encs.isEmpty, !hashes.isEmpty, !groups.isEmpty else {
                throw ParseError(reason: "IKE proposal '\(part)' needs a cipher, a hash and a DH group")
            }
            for e in encs { for h in hashes { for g in groups {
                out.append(IKEProposal(encryption: e, hash: h, group: g, lifetime: lifetime))
            } } }
        }
        guard !out.isEmpty else { throw ParseError(reason: "empty IKE proposal") }
        return out
    }

    /// Quick Mode proposals, in order; a DH group means PFS; a leading `ah` makes an AH proposal.
    public static func child(_ text: String) throws(ParseError) -> [ChildProposal] {
        var out: [ChildProposal] = []
        for part in text.split(separator: ",") {
            var tokens = part.split(separator: "-").map(String.init)
            let isAH = tokens.first == "ah"
            if isAH { tokens.removeFirst() } else if tokens.first == "esp" { tokens.removeFirst() }
            var encs: [EncryptionAlgorithm] = [], integs: [IntegrityAlgorithm] = [], groups: [DHGroup] = []
            for token in tokens {
                if !isAH, let e = esp(token) { encs.append(e) }
                else if let h = hash(token), let i = IntegrityAlgorithm.allCases.first(where: { $0.hash == h }) { integs.append(i) }
                else if let g = group(token) { groups.append(g) }
                else { throw ParseError(reason: "unknown ESP/AH algorithm '\(token)' in '\(part)'") }
            }
            if isAH {
                guard !integs.isEmpty else { throw ParseError(reason: "AH proposal '\(part)' needs an integrity algorithm") }
                for i in integs { for g in (groups.isEmpty ? [nil] : groups.map(Optional.some)) {
                    out.append(ChildProposal(ipsecProtocol: .ah, encryption: nil, integrity: i, pfsGroup: g))
                } }
                continue
            }
            guard !encs.isEmpty else { throw ParseError(reason: "ESP proposal '\(part)' needs a cipher") }
            for e in encs {
                let list: [IntegrityAlgorithm?] = e.isAEAD ? [nil] : integs.map(Optional.some)
                guard !list.isEmpty else { throw ParseError(reason: "ESP proposal '\(part)' needs an integrity algorithm for \(e)") }
                if e.isAEAD && !integs.isEmpty { throw ParseError(reason: "\(e) is AEAD and takes no integrity algorithm") }
                for i in list { for g in (groups.isEmpty ? [nil] : groups.map(Optional.some)) {
                    out.append(ChildProposal(encryption: e, integrity: i, pfsGroup: g))
                } }
            }
        }
        guard !out.isEmpty else { throw ParseError(reason: "empty ESP proposal") }
        return out
    }

    static func cbc(_ t: String) -> CBCAlgorithm? {
        switch t {
        case "des": .des
        case "3des": .tripleDES
        case "aes", "aes128": .aes(keyBits: 128)
        case "aes192": .aes(keyBits: 192)
        case "aes256": .aes(keyBits: 256)
        default: nil
        }
    }

    static func esp(_ t: String) -> EncryptionAlgorithm? { EncryptionAlgorithm(keyword: t) }

    static func hash(_ t: String) -> HashAlgorithm? {
        switch t {
        case "md5": .md5
        case "sha", "sha1": .sha1
        case "sha256", "sha2_256": .sha256
        case "sha384", "sha2_384": .sha384
        case "sha512", "sha2_512": .sha512
        default: nil
        }
    }

    static func group(_ t: String) -> DHGroup? {
        if t == "x25519" { return .curve25519 }
        return DHGroup.all.first { $0.name == t }
    }
}
