/// The DOI of an SA, Notification or Delete payload (RFC 2408 §3.4; RFC 2407 §4.2).
public struct DomainOfInterpretation: WireCode {
    /// The DOI field's value (32 bits).
    public let rawValue: UInt32
    /// The DOI `rawValue`, named or not.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The generic ISAKMP DOI (0).
    public static let isakmp = DomainOfInterpretation(rawValue: 0)
    /// The IPsec DOI (1), RFC 2407.
    public static let ipsec = DomainOfInterpretation(rawValue: 1)

    /// The names of RFC 2408 and RFC 2407, which `description` prints.
    public static let names: [UInt32: String] = [0: "ISAKMP", 1: "IPSEC"]
}

/// The Protocol-Id of a Proposal, Notification or Delete payload (RFC 2407 §4.4.1).
public struct ProtocolID: WireCode {
    /// The Protocol-Id field's value.
    public let rawValue: UInt8
    /// The protocol `rawValue`, named or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// PROTO_ISAKMP (1): the ISAKMP SA itself (Phase 1 proposals, ISAKMP SA deletes).
    public static let isakmp = ProtocolID(rawValue: 1)
    /// PROTO_IPSEC_AH (2): AH, RFC 4302.
    public static let ah = ProtocolID(rawValue: 2)
    /// PROTO_IPSEC_ESP (3): ESP, RFC 4303.
    public static let esp = ProtocolID(rawValue: 3)
    /// PROTO_IPCOMP (4): IP payload compression (RFC 3173).
    public static let ipcomp = ProtocolID(rawValue: 4)

    /// The names of RFC 2407 §4.4.1, which `description` prints.
    public static let names: [UInt8: String] = [
        1: "PROTO_ISAKMP", 2: "PROTO_IPSEC_AH", 3: "PROTO_IPSEC_ESP", 4: "PROTO_IPCOMP",
    ]
}

/// The IPsec DOI situation bits (RFC 2407 §4.2).
public struct Situation: OptionSet, Hashable, Sendable {
    /// The Situation field's bits.
    public let rawValue: UInt32
    /// The bits `rawValue`, known or not.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// SIT_IDENTITY_ONLY (0x01): the SA is identified by the Identification payloads alone (RFC 2407 §4.2.1).
    public static let identityOnly = Situation(rawValue: 0x01)
    /// SIT_SECRECY (0x02): a secrecy labelled SA (RFC 2407 §4.2.2).
    public static let secrecy = Situation(rawValue: 0x02)
    /// SIT_INTEGRITY (0x04): an integrity labelled SA (RFC 2407 §4.2.3).
    public static let integrity = Situation(rawValue: 0x04)
}
