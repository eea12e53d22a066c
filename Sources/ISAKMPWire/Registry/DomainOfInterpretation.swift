/// The DOI of an SA, Notification or Delete payload (RFC 2408 §3.4; RFC 2407 §4.2).
public struct DomainOfInterpretation: WireCode {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The generic ISAKMP DOI (0).
    public static let isakmp = DomainOfInterpretation(rawValue: 0)
    /// The IPsec DOI (1), RFC 2407.
    public static let ipsec = DomainOfInterpretation(rawValue: 1)

    public static let names: [UInt32: String] = [0: "ISAKMP", 1: "IPSEC"]
}

/// The Protocol-Id of a Proposal, Notification or Delete payload (RFC 2407 §4.4.1).
public struct ProtocolID: WireCode {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let isakmp = ProtocolID(rawValue: 1)
    public static let ah = ProtocolID(rawValue: 2)
    public static let esp = ProtocolID(rawValue: 3)
    public static let ipcomp = ProtocolID(rawValue: 4)

    public static let names: [UInt8: String] = [
        1: "PROTO_ISAKMP", 2: "PROTO_IPSEC_AH", 3: "PROTO_IPSEC_ESP", 4: "PROTO_IPCOMP",
    ]
}

/// The IPsec DOI situation bits (RFC 2407 §4.2).
public struct Situation: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let identityOnly = Situation(rawValue: 0x01)
    public static let secrecy = Situation(rawValue: 0x02)
    public static let integrity = Situation(rawValue: 0x04)
}
