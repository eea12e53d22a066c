/// One proposal in strongSwan's notation: algorithms joined by `-`, each list
/// meaning "any of these", e.g. `aes128-aes256-sha256-modp2048-ecp256` or
/// `aes256gcm16-ecp384` or `aes128-sha1-esn`.
public struct Proposal: Hashable, Sendable, CustomStringConvertible {
    /// Encryption transforms, in preference order.
    public var encryption: [EncryptionAlgorithm]
    /// Integrity transforms (the hash for IKE).
    public var integrity: [IntegrityAlgorithm]
    /// Explicit PRFs (`prfsha256`); empty means "as the integrity hash".
    public var prf: [HashAlgorithm]
    /// DH groups (for ESP: PFS groups).
    public var groups: [DHGroup]
    /// Extended sequence numbers: `esn` → true, `noesn` → false.
    public var esn: [Bool]

    /// Creates a proposal from its lists.
    public init(encryption: [EncryptionAlgorithm] = [], integrity: [IntegrityAlgorithm] = [],
                prf: [HashAlgorithm] = [], groups: [DHGroup] = [], esn: [Bool] = []) {
        self.encryption = encryption
        self.integrity = integrity
        self.prf = prf
        self.groups = groups
        self.esn = esn
    }

    /// The canonical strongSwan notation.
    public var description: String {
        (encryption.map(\.keyword) + integrity.map(\.keyword) + prf.map { "prf" + $0.rawValue }
            + groups.map(\.name) + esn.map { $0 ? "esn" : "noesn" }).joined(separator: "-")
    }

    /// Names of the legacy algorithms in this proposal (DES, Blowfish, CAST, MD5, groups
    /// 1/2/5); policy refuses the proposal unless `legacy` is allowed.
    public var legacyAlgorithms: [String] {
        encryption.filter(\.isLegacy).map(\.keyword) + integrity.filter(\.isLegacy).map(\.keyword)
            + prf.filter(\.isLegacy).map { "prf" + $0.rawValue } + groups.filter(\.isLegacy).map(\.name)
    }

    /// True when any algorithm is legacy.
    public var isLegacy: Bool { !legacyAlgorithms.isEmpty }
}

/// A comma-separated list of proposals with an optional trailing `!`
/// (strict: offer/accept only these, no defaults appended).
public struct ProposalList: Hashable, Sendable, CustomStringConvertible {
    /// The proposals, in preference order.
    public var proposals: [Proposal]
    /// True when the list ended in `!`.
    public var strict: Bool

    /// Creates a list.
    public init(_ proposals: [Proposal], strict: Bool = false) {
        self.proposals = proposals
        self.strict = strict
    }

    /// Parses strongSwan notation, e.g. `aes128-sha256-modp2048,3des-md5-modp1024!`.
    /// An unknown or empty word throws `invalidProposal` naming the word and its
    /// 0-based character position.
    public init(parsing text: String) throws(CryptoError) {
        var body = Substring(text)
        strict = body.hasSuffix("!")
        if strict { body = body.dropLast() }
        proposals = []
        for proposalText in body.split(separator: ",", omittingEmptySubsequences: false) {
            var proposal = Proposal()
            for word in proposalText.split(separator: "-", omittingEmptySubsequences: false) {
                let position = text.distance(from: text.startIndex, to: word.startIndex)
                let lower = word.lowercased()
                if let e = EncryptionAlgorithm(keyword: lower) {
                    proposal.encryption.append(e)
                } else if let i = IntegrityAlgorithm(keyword: lower) {
                    proposal.integrity.append(i)
                } else if lower.hasPrefix("prf"), let h = IntegrityAlgorithm(keyword: String(lower.dropFirst(3)))?.hash {
                    proposal.prf.append(h)
                } else if let g = DHGroup(keyword: lower) {
                    proposal.groups.append(g)
                } else if lower == "esn" || lower == "noesn" {
                    proposal.esn.append(lower == "esn")
                } else {
                    let shown = word.isEmpty ? "empty algorithm name" : "unknown algorithm '\(word)'"
                    throw CryptoError(.invalidProposal, "\(shown) at position \(position) in '\(text)'")
                }
            }
            proposals.append(proposal)
        }
    }

    /// The canonical notation (parses back to an equal list).
    public var description: String {
        proposals.map(\.description).joined(separator: ",") + (strict ? "!" : "")
    }
}

extension DHGroup {
    /// The group for a strongSwan keyword (`modp2048`, `ecp256bp`, `curve25519`/`x25519`, ...).
    public init?(keyword: String) {
        let name = keyword == "x25519" ? "curve25519" : keyword
        guard let g = Self.all.first(where: { $0.name == name }) else { return nil }
        self = g
    }
}
