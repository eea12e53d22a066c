/// One side's Diffie-Hellman key pair for a group. The private value comes
/// only from the caller: an explicit value or an injected `EntropySource`.
///
///     var entropy = SeededEntropy(seed: 1)
///     let mine = try DHKeyPair.generate(group: .modp2048, entropy: &entropy)
///     send(mine.publicValue)                               // KE payload data
///     let gxy = try mine.sharedSecret(peer: theirKEData)   // validated, padded
public final class DHKeyPair: Sendable {
    /// The group.
    public let group: DHGroup
    /// The public value as KE payload data (left-padded; x | y for ECP).
    public let publicValue: [UInt8]
    private let privateValue: SecretBytes

    /// A key pair from an explicit private value: a big-endian exponent for
    /// MODP, a big-endian scalar for ECP, the 32 raw bytes for Curve25519.
    public init(group: DHGroup, privateKey: SecretBytes) throws(CryptoError) {
        self.group = group
        self.privateValue = privateKey
        switch group.kind {
        case .modp:
            let params = ModpGroupMath.parameters(group)
            let x = privateKey.withUnsafeBytes { BigNumber(bytes: $0) }
            try ModpGroupMath.checkPrivate(x, params)
            publicValue = try ModpGroupMath.publicValue(x, params)
        case .ecp:
            publicValue = try ECPGroupMath.shared(group).publicValue(privateKey: privateKey)
        case .x25519:
            publicValue = try X25519Math.publicValue(privateKey)
        }
    }

    /// A pair whose public value is already known to belong to `privateKey`.
    private init(group: DHGroup, privateKey: SecretBytes, publicValue: [UInt8]) {
        self.group = group
        self.privateValue = privateKey
        self.publicValue = publicValue
    }

    /// A fresh key pair whose private value is drawn from `entropy`.
    public static func generate(group: DHGroup, entropy: inout some EntropySource) throws(CryptoError) -> DHKeyPair {
        var raw: [UInt8]
        switch group.kind {
        case .modp: raw = ModpGroupMath.generatePrivate(group, entropy: &entropy)
        case .ecp:
            let (privateKey, publicValue) = try ECPGroupMath.shared(group).generate(entropy: &entropy)
            return DHKeyPair(group: group, privateKey: privateKey, publicValue: publicValue)
        case .x25519: raw = entropy.bytes(32)
        }
        defer { raw.withUnsafeMutableBytes { wipe($0) } }
        return try DHKeyPair(group: group, privateKey: SecretBytes(raw))
    }

    /// Validates the peer's KE data (RFC 6989) and returns g^xy, left-padded
    /// to `group.sharedSecretLength` (the x coordinate alone for ECP).
    public func sharedSecret(peer: [UInt8]) throws(CryptoError) -> SecretBytes {
        switch group.kind {
        case .modp:
            let x = privateValue.withUnsafeBytes { BigNumber(bytes: $0) }
            return try ModpGroupMath.sharedSecret(x, peer: peer, ModpGroupMath.parameters(group), group: group)
        case .ecp:
            return try ECPGroupMath.shared(group).sharedSecret(privateKey: privateValue, peer: peer)
        case .x25519:
            return try X25519Math.sharedSecret(privateValue, peer: peer)
        }
    }
}

extension DHGroup {
    /// Checks a peer's KE data without computing a shared secret (RFC 6989):
    /// length, range, subgroup membership (22-24), on-curve (ECP).
    public func validatePublicValue(_ peer: [UInt8]) throws(CryptoError) {
        switch kind {
        case .modp:
            _ = try ModpGroupMath.validatePeer(peer, ModpGroupMath.parameters(self), group: self)
        case .ecp:
            try ECPGroupMath.shared(self).validate(peer: peer)
        case .x25519:
            guard peer.count == 32 else {
                throw CryptoError(.invalidPublicValue, "curve25519 public value must be 32 bytes, got \(peer.count)")
            }
        }
    }
}

extension DHGroup {
    /// The prime p of a MODP group, big-endian and full length; nil for ECP and Curve25519.
    public var modpPrime: [UInt8]? {
        guard case .modp = kind else { return nil }
        let params = ModpGroupMath.parameters(self)
        return params.p.bytes(padded: params.length)
    }
}
