/// The Notify Message Type: RFC 2408 §3.14.1 errors, RFC 2407 §4.6.3 status,
/// RFC 3706 DPD and common vendor status types.
public struct NotifyMessageType: WireCode {
    /// The Notify Message Type field's value.
    public let rawValue: UInt16
    /// The type `rawValue`, named or not.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// True for the error range 1-8191 (RFC 2408 §3.14.1).
    public var isError: Bool { rawValue >= 1 && rawValue < 8192 }

    /// INVALID-PAYLOAD-TYPE (1): a payload type the receiver does not know or allow there.
    public static let invalidPayloadType = NotifyMessageType(rawValue: 1)
    /// DOI-NOT-SUPPORTED (2): the Domain of Interpretation is not supported.
    public static let doiNotSupported = NotifyMessageType(rawValue: 2)
    /// SITUATION-NOT-SUPPORTED (3): the SA payload's Situation is not supported.
    public static let situationNotSupported = NotifyMessageType(rawValue: 3)
    /// INVALID-COOKIE (4): the cookies match no SA of the receiver.
    public static let invalidCookie = NotifyMessageType(rawValue: 4)
    /// INVALID-MAJOR-VERSION (5): the header's major version is not supported.
    public static let invalidMajorVersion = NotifyMessageType(rawValue: 5)
    /// INVALID-MINOR-VERSION (6): the header's minor version is not supported.
    public static let invalidMinorVersion = NotifyMessageType(rawValue: 6)
    /// INVALID-EXCHANGE-TYPE (7): the exchange type is unknown or not allowed.
    public static let invalidExchangeType = NotifyMessageType(rawValue: 7)
    /// INVALID-FLAGS (8): the header's flags are not valid for the exchange.
    public static let invalidFlags = NotifyMessageType(rawValue: 8)
    /// INVALID-MESSAGE-ID (9): the Message ID is not valid.
    public static let invalidMessageID = NotifyMessageType(rawValue: 9)
    /// INVALID-PROTOCOL-ID (10): a protocol ID the DOI does not define.
    public static let invalidProtocolID = NotifyMessageType(rawValue: 10)
    /// INVALID-SPI (11): an SPI that is not valid.
    public static let invalidSPI = NotifyMessageType(rawValue: 11)
    /// INVALID-TRANSFORM-ID (12): a transform ID not defined for its protocol.
    public static let invalidTransformID = NotifyMessageType(rawValue: 12)
    /// ATTRIBUTES-NOT-SUPPORTED (13): SA attributes the receiver does not support.
    public static let attributesNotSupported = NotifyMessageType(rawValue: 13)
    /// NO-PROPOSAL-CHOSEN (14): none of the proposals offered is acceptable.
    public static let noProposalChosen = NotifyMessageType(rawValue: 14)
    /// BAD-PROPOSAL-SYNTAX (15): proposals or transforms are numbered or nested wrongly.
    public static let badProposalSyntax = NotifyMessageType(rawValue: 15)
    /// PAYLOAD-MALFORMED (16): a payload does not decode.
    public static let payloadMalformed = NotifyMessageType(rawValue: 16)
    /// INVALID-KEY-INFORMATION (17): the Key Exchange payload is not valid (e.g. a rejected DH public value).
    public static let invalidKeyInformation = NotifyMessageType(rawValue: 17)
    /// INVALID-ID-INFORMATION (18): the Identification payload is not valid or not acceptable.
    public static let invalidIDInformation = NotifyMessageType(rawValue: 18)
    /// INVALID-CERT-ENCODING (19): a certificate's encoding is unknown, or it does not parse.
    public static let invalidCertEncoding = NotifyMessageType(rawValue: 19)
    /// INVALID-CERTIFICATE (20): a certificate is not valid.
    public static let invalidCertificate = NotifyMessageType(rawValue: 20)
    /// CERT-TYPE-UNSUPPORTED (21): the certificate encoding is not supported.
    public static let certTypeUnsupported = NotifyMessageType(rawValue: 21)
    /// INVALID-CERT-AUTHORITY (22): the certificate authority asked for is not valid or not known.
    public static let invalidCertAuthority = NotifyMessageType(rawValue: 22)
    /// INVALID-HASH-INFORMATION (23): a Hash payload did not verify.
    public static let invalidHashInformation = NotifyMessageType(rawValue: 23)
    /// AUTHENTICATION-FAILED (24): authentication failed.
    public static let authenticationFailed = NotifyMessageType(rawValue: 24)
    /// INVALID-SIGNATURE (25): a Signature payload did not verify.
    public static let invalidSignature = NotifyMessageType(rawValue: 25)
    /// ADDRESS-NOTIFICATION (26): listed by RFC 2408 without a defined use.
    public static let addressNotification = NotifyMessageType(rawValue: 26)
    /// NOTIFY-SA-LIFETIME (27): about an SA's lifetime (RFC 2408); IPsec DOI peers send RESPONDER-LIFETIME.
    public static let notifySALifetime = NotifyMessageType(rawValue: 27)
    /// CERTIFICATE-UNAVAILABLE (28): the sender has no certificate of the kind needed.
    public static let certificateUnavailable = NotifyMessageType(rawValue: 28)
    /// UNSUPPORTED-EXCHANGE-TYPE (29): the exchange type is not supported.
    public static let unsupportedExchangeType = NotifyMessageType(rawValue: 29)
    /// UNEQUAL-PAYLOAD-LENGTHS (30): the payload lengths do not add up to the message's length.
    public static let unequalPayloadLengths = NotifyMessageType(rawValue: 30)
    /// CONNECTED (16384): status, sent when an exchange with the Commit flag has completed (RFC 2408 §3.1).
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

    /// The names of RFC 2408, RFC 2407, RFC 3706 and the Cisco Unity status types, which `description`
    /// prints (the Unity ones have no constant here).
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
