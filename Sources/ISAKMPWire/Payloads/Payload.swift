// RFC 2408 §3.2 Generic Payload Header
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// One payload of a message. Payloads of unknown or private types, and known
/// payloads whose RESERVED octet is not zero, are kept as ``RawPayload``.
public enum Payload: Hashable, Sendable {
    /// SA (1): an offer of proposals, or the one chosen.
    case securityAssociation(SecurityAssociationPayload)
    /// KE (4): a Diffie-Hellman public value.
    case keyExchange(KeyExchangePayload)
    /// ID (5): a Phase 1 identity or a Quick Mode client identity.
    case identification(IdentificationPayload)
    /// CERT (6): a certificate.
    case certificate(CertificatePayload)
    /// CR (7): a request for a certificate.
    case certificateRequest(CertificateRequestPayload)
    /// HASH (8): HASH_I, HASH_R or HASH(n).
    case hash(HashPayload)
    /// SIG (9): a signature (SIG_I, SIG_R).
    case signature(SignaturePayload)
    /// NONCE (10): a nonce (Ni, Nr).
    case nonce(NoncePayload)
    /// N (11): a notification.
    case notification(NotificationPayload)
    /// D (12): a delete.
    case delete(DeletePayload)
    /// VID (13): a vendor ID.
    case vendorID(VendorIDPayload)
    /// ATTR (14): Mode Config or XAUTH attributes.
    case attribute(AttributePayload)
    /// NAT-D (20, or the drafts' 130).
    case natDiscovery(NATDiscoveryPayload)
    /// NAT-OA (21, or the drafts' 131).
    case natOriginalAddress(NATOriginalAddressPayload)
    /// FRAG (132): one fragment of a fragmented message.
    case fragment(FragmentPayload)
    /// Any other payload, kept as bytes (see the type's comment).
    case raw(RawPayload)

    /// The payload's type as carried in the previous Next Payload field.
    public var type: PayloadType {
        switch self {
        case .securityAssociation: .securityAssociation
        case .keyExchange: .keyExchange
        case .identification: .identification
        case .certificate: .certificate
        case .certificateRequest: .certificateRequest
        case .hash: .hash
        case .signature: .signature
        case .nonce: .nonce
        case .notification: .notification
        case .delete: .delete
        case .vendorID: .vendorID
        case .attribute: .attribute
        case .natDiscovery(let p): p.type
        case .natOriginalAddress(let p): p.type
        case .fragment: .fragment
        case .raw(let p): p.type
        }
    }

    /// The payload body after the 4-byte generic header, as sent on the wire.
    ///
    /// For SA and ID payloads this is what HASH_I and HASH_R are computed over (RFC 2409 §5):
    /// the bytes received when the payload was decoded.
    public var body: [UInt8] {
        switch self {
        case .securityAssociation(let p): return p.body
        case .identification(let p): return p.body
        default:
            var w = ByteWriter()
            encodeBody(into: &w)
            return w.bytes
        }
    }

    func encodeBody(into w: inout ByteWriter) {
        switch self {
        case .securityAssociation(let p): p.encodeBody(into: &w)
        case .keyExchange(let p): w.append(p.data)
        case .identification(let p): p.encodeBody(into: &w)
        case .certificate(let p): w.u8(p.encoding.rawValue); w.append(p.data)
        case .certificateRequest(let p): w.u8(p.encoding.rawValue); w.append(p.authority)
        case .hash(let p): w.append(p.data)
        case .signature(let p): w.append(p.data)
        case .nonce(let p): w.append(p.data)
        case .notification(let p): p.encodeBody(into: &w)
        case .delete(let p): p.encodeBody(into: &w)
        case .vendorID(let p): w.append(p.data)
        case .attribute(let p): p.encodeBody(into: &w)
        case .natDiscovery(let p): w.append(p.hash)
        case .natOriginalAddress(let p): p.encodeBody(into: &w)
        case .fragment(let p): p.encodeBody(into: &w)
        case .raw(let p): w.append(p.body)
        }
    }

    var reserved: UInt8 { if case .raw(let p) = self { p.reserved } else { 0 } }

    /// Decodes the body of a payload of the given type.
    static func decode(type: PayloadType, reserved: UInt8, body r: ByteReader,
                       field: @autoclosure () -> String) throws(WireError) -> Payload {
        guard reserved == 0 else {
            return .raw(RawPayload(type: type, reserved: reserved, body: Array(r.bytes)))
        }
        var r = r
        switch type {
        case .securityAssociation: return .securityAssociation(try .decode(&r, field: field()))
        case .keyExchange: return .keyExchange(KeyExchangePayload(data: r.rest()))
        case .identification: return .identification(try .decode(&r, field: field()))
        case .certificate:
            let enc = CertificateEncoding(rawValue: try r.u8(field() + ".encoding"))
            return .certificate(CertificatePayload(encoding: enc, data: r.rest()))
        case .certificateRequest:
            let enc = CertificateEncoding(rawValue: try r.u8(field() + ".encoding"))
            return .certificateRequest(CertificateRequestPayload(encoding: enc, authority: r.rest()))
        case .hash: return .hash(HashPayload(data: r.rest()))
        case .signature: return .signature(SignaturePayload(data: r.rest()))
        case .nonce: return .nonce(NoncePayload(data: r.rest()))
        case .notification: return .notification(try .decode(&r, field: field()))
        case .delete: return .delete(try .decode(&r, field: field()))
        case .vendorID: return .vendorID(VendorIDPayload(data: r.rest()))
        case .attribute: return .attribute(try .decode(&r, field: field()))
        case .natDiscovery, .natDiscoveryDraft:
            return .natDiscovery(NATDiscoveryPayload(hash: r.rest(), type: type))
        case .natOriginalAddress, .natOriginalAddressDraft:
            return .natOriginalAddress(try .decode(&r, type: type, field: field()))
        case .fragment: return .fragment(try .decode(&r, field: field()))
        default: return .raw(RawPayload(type: type, body: r.rest()))
        }
    }
}

/// A payload kept as bytes: an unknown or private type, or a known type whose
/// generic header carried a non-zero RESERVED octet.
public struct RawPayload: Hashable, Sendable {
    /// The payload type from the Next Payload field before it.
    public var type: PayloadType
    /// The RESERVED octet of the generic header (RFC 2408 §3.2 says zero).
    public var reserved: UInt8
    /// The body after the 4-byte generic header.
    public var body: [UInt8]
    /// A raw payload; `reserved` is zero unless re-encoding one received.
    public init(type: PayloadType, reserved: UInt8 = 0, body: [UInt8]) {
        self.type = type
        self.reserved = reserved
        self.body = body
    }
}
