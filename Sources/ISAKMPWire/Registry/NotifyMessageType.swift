/// The Notify Message Type: RFC 2408 §3.14.1 errors, RFC 2407 §4.6.3 status,
/// RFC 3706 DPD and common vendor status types.
public struct NotifyMessageType: WireCode {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// True for the error range 1-8191 (RFC 2408 §3.14.1).
    public var isError: Bool { rawValue >= 1 && rawValue < 8192 }

    public static let invalidPayloadType = NotifyMessageType(rawValue: 1)
    public static let doiNotSupported = NotifyMessageType(rawValue: 2)
    public static let situationNotSupported = NotifyMessageType(rawValue: 3)
    public static let invalidCookie = NotifyMessageType(rawValue: 4)
    public static let invalidMajorVersion = NotifyMessageType(rawValue: 5)
    public static let invalidMinorVersion = NotifyMessageType(rawValue: 6)
    public static let invalidExchangeType = NotifyMessageType(rawValue: 7)
    public static let invalidFlags = NotifyMessageType(rawValue: 8)
    public static let invalidMessageID = NotifyMessageType(rawValue: 9)
    public static let invalidProtocolID = NotifyMessageType(rawValue: 10)
    public static let invalidSPI = NotifyMessageType(rawValue: 11)
    public static let invalidTransformID = NotifyMessageType(rawValue: 12)
    public static let attributesNotSupported = NotifyMessageType(rawValue: 13)
    public static let noProposalChosen = NotifyMessageType(rawValue: 14)
    public static let badProposalSyntax = NotifyMessageType(rawValue: 15)
    public static let payloadMalformed = NotifyMessageType(rawValue: 16)
    public static let invalidKeyInformation = NotifyMessageType(rawValue: 17)
    public static let invalidIDInformation = NotifyMessageType(rawValue: 18)
    public static let invalidCertEncoding = NotifyMessageType(rawValue: 19)
    public static let invalidCertificate = NotifyMessageType(rawValue: 20)
    public static let certTypeUnsupported = NotifyMessageType(rawValue: 21)
    public static let invalidCertAuthority = NotifyMessageType(rawValue: 22)
    public static let invalidHashInformation = NotifyMessageType(rawValue: 23)
    public static let authenticationFailed = NotifyMessageType(rawValue: 24)
    public static let invalidSignature = NotifyMessageType(rawValue: 25)
    public static let addressNotification = NotifyMessageType(rawValue: 26)
    public static let notifySALifetime = NotifyMessageType(rawValue: 27)
    public static let certificateUnavailable = NotifyMessageType(rawValue: 28)
    public static let unsupportedExchangeType = NotifyMessageType(rawValue: 29)
    public static let unequalPayloadLengths = NotifyMessageType(rawValue: 30)
    public static let connected = NotifyMessageType(rawValue: 16384)
    /// RFC 2407 §4.6.3.1.
    public static let responderLifetime = NotifyMessageType(rawValue: 24576)
    /// RFC 2407 §4.6.3.2.
    public static let replayStatus = NotifyMessageType(rawValue: 24577)
    /// RFC 2407 §4.6.3.3.
    public static let initialContact = NotifyMessageType(rawValue: 24578)
    /// RFC 3706 §5.
    public static let rUThere = NotifyMessageType(rawValue: 36136)
    /// RFC 3706 §5.
    public static let rUThereAck = NotifyMessageType(rawValue: 36137)

    public static let names: [UInt16: String] = [
        1: "INVALID-PAYLOAD-TYPE", 2: "DOI-NOT-SUPPORTED", 3: "SITUATION-NOT-SUPPORTED", 4: "INVALID-COOKIE",
        5: "INVALID-MAJOR-VERSION", 6: "INVALID-MINOR-VERSION", 7: "INVALID-EXCHANGE-TYPE", 8: "INVALID-FLAGS",
        9: "INVALID-MESSAGE-ID", 10: "INVALID-PROTOCOL-ID", 11: "INVALID-SPI", 12: "INVALID-TRANSFORM-ID",
        13: "ATTRIBUTES-NOT-SUPPORTED", 14: "NO-PROPOSAL-CHOSEN", 15: "BAD-PROPOSAL-SYNTAX",
        16: "PAYLOAD-MALFORMED", 17: "INVALID-KEY-INFORMATION", 18: "INVALID-ID-INFORMATION",
        19: "INVALID-CERT-ENCODING", 20: "INVALID-CERTIFICATE", 21: "CERT-TYPE-UNSUPPORTED",
        22: "INVALID-CERT-AUTHORITY", 23: "INVALID-HASH-INFORMATION", 24: "AUTHENTICATION-FAILED",
        25: "INVALID-SIGNATURE", 26: "ADDRESS-NOTIFICATION", 27: "NOTIFY-SA-LIFETIME",
        28: "CERTIFICATE-UNAVAILABLE", 29: "UNSUPPORTED-EXCHANGE-TYPE", 30: "UNEQUAL-PAYLOAD-LENGTHS",
        16384: "CONNECTED", 24576: "RESPONDER-LIFETIME", 24577: "REPLAY-STATUS", 24578: "INITIAL-CONTACT",
        36136: "R-U-THERE", 36137: "R-U-THERE-ACK",
        40500: "UNITY-LOAD-BALANCE", 40501: "UNITY-UNKNOWN", 40503: "UNITY-GROUP-HASH",
    ]
}
