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
    public var data: [UInt8]
    public init(data: [UInt8]) { self.data = data }
}

/// Certificate payload (RFC 2408 §3.9).
public struct CertificatePayload: Hashable, Sendable {
    public var encoding: CertificateEncoding
    public var data: [UInt8]
    public init(encoding: CertificateEncoding, data: [UInt8]) { self.encoding = encoding; self.data = data }
}

/// Certificate Request payload (RFC 2408 §3.10): the encoding asked for and, optionally, a CA's DER name.
public struct CertificateRequestPayload: Hashable, Sendable {
    public var encoding: CertificateEncoding
    public var authority: [UInt8]
    public init(encoding: CertificateEncoding, authority: [UInt8] = []) {
        self.encoding = encoding
        self.authority = authority
    }
}

/// Hash payload (RFC 2408 §3.11): HASH_I, HASH_R, or a Quick Mode / Informational HASH(n).
public struct HashPayload: Hashable, Sendable {
    public var data: [UInt8]
    public init(data: [UInt8]) { self.data = data }
}

/// Signature payload (RFC 2408 §3.12).
public struct SignaturePayload: Hashable, Sendable {
    public var data: [UInt8]
    public init(data: [UInt8]) { self.data = data }
}

/// Nonce payload (RFC 2408 §3.13).
public struct NoncePayload: Hashable, Sendable {
    public var data: [UInt8]
    public init(data: [UInt8]) { self.data = data }
}

/// Vendor ID payload (RFC 2408 §3.16), usually a hash naming a vendor or a capability.
public struct VendorIDPayload: Hashable, Sendable {
    public var data: [UInt8]
    public init(data: [UInt8]) { self.data = data }
    /// The known vendor ID this payload carries, if any.
    public var known: KnownVendorID? { KnownVendorID.identify(data) }
}

/// NAT-D payload (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port).
public struct NATDiscoveryPayload: Hashable, Sendable {
    public var hash: [UInt8]
    /// 20 (RFC 3947) or 130 (draft-ietf-ipsec-nat-t-ike-02/03).
    public var type: PayloadType
    public init(hash: [UInt8], type: PayloadType = .natDiscovery) {
        precondition(type == .natDiscovery || type == .natDiscoveryDraft, "NAT-D is payload 20 or 130")
        self.hash = hash
        self.type = type
    }
}
