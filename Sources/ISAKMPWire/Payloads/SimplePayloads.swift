// Payloads whose body is a single opaque field after the generic header:
// RFC 2408 §3.7 KE, §3.9 CERT, §3.10 CR, §3.11 HASH, §3.12 SIG, §3.13 NONCE,
// §3.16 Vendor ID; RFC 3947 §3.2 NAT-D.
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! (CERT, CR: Encoding)                                          !
// ~                     Data (variable length)                    ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// Key Exchange payload: the DH public value (RFC 2408 §3.7; for ECP groups x‖y, RFC 5903).
public struct KeyExchangePayload: Hashable, Sendable {
    /// The Diffie-Hellman public value.
    public var data: [UInt8]
    /// A KE payload carrying `data`.
    public init(data: [UInt8]) { self.data = data }
}

/// Certificate payload (RFC 2408 §3.9).
public struct CertificatePayload: Hashable, Sendable {
    /// How `data` is encoded; IKEv1 peers send X.509 Certificate - Signature (4).
    public var encoding: CertificateEncoding
    /// The certificate (for X.509, its DER encoding).
    public var data: [UInt8]
    /// A CERT payload of `data` in `encoding`.
    public init(encoding: CertificateEncoding, data: [UInt8]) { self.encoding = encoding; self.data = data }
}

/// Certificate Request payload (RFC 2408 §3.10): the encoding asked for and, optionally, a CA's DER name.
public struct CertificateRequestPayload: Hashable, Sendable {
    /// The certificate encoding asked for.
    public var encoding: CertificateEncoding
    /// The DER name of a trusted CA; empty asks for any.
    public var authority: [UInt8]
    /// A CR payload; no `authority` asks for any CA.
    public init(encoding: CertificateEncoding, authority: [UInt8] = []) {
        self.encoding = encoding
        self.authority = authority
    }
}

/// Hash payload (RFC 2408 §3.11): HASH_I, HASH_R, or a Quick Mode / Informational HASH(n).
public struct HashPayload: Hashable, Sendable {
    /// The hash value (the PRF output).
    public var data: [UInt8]
    /// A HASH payload carrying `data`.
    public init(data: [UInt8]) { self.data = data }
}

/// Signature payload (RFC 2408 §3.12).
public struct SignaturePayload: Hashable, Sendable {
    /// SIG_I or SIG_R: HASH_I or HASH_R signed with the sender's private key (RFC 2409 §5.1).
    public var data: [UInt8]
    /// A SIG payload carrying `data`.
    public init(data: [UInt8]) { self.data = data }
}

/// Nonce payload (RFC 2408 §3.13).
public struct NoncePayload: Hashable, Sendable {
    /// Ni or Nr: random bytes, 8 to 256 of them (RFC 2409 §5).
    public var data: [UInt8]
    /// A NONCE payload carrying `data`.
    public init(data: [UInt8]) { self.data = data }
}

/// Vendor ID payload (RFC 2408 §3.16), usually a hash naming a vendor or a capability.
public struct VendorIDPayload: Hashable, Sendable {
    /// The vendor ID, usually an MD5 hash (``known`` names the ones this library knows).
    public var data: [UInt8]
    /// A VID payload carrying `data`.
    public init(data: [UInt8]) { self.data = data }
    /// The known vendor ID this payload carries, if any.
    public var known: KnownVendorID? { KnownVendorID.identify(data) }
}

/// NAT-D payload (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port).
public struct NATDiscoveryPayload: Hashable, Sendable {
    /// HASH(CKY-I | CKY-R | IP | Port), with the negotiated hash.
    public var hash: [UInt8]
    /// 20 (RFC 3947) or 130 (draft-ietf-ipsec-nat-t-ike-02/03).
    public var type: PayloadType
    /// A NAT-D payload; `type` must be 20 or 130 (a precondition).
    public init(hash: [UInt8], type: PayloadType = .natDiscovery) {
        precondition(type == .natDiscovery || type == .natDiscoveryDraft, "NAT-D is payload 20 or 130")
        self.hash = hash
        self.type = type
    }
}
