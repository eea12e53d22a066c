public import ISAKMPWire

/// A failure of negotiation: a kind, the RFC 2408 notify it maps to, and a reason for people.
/// Equal by kind.
public struct IKEv1Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The kind's name, e.g. `noProposalChosen`.
        public var description: String { name }
        /// No proposal acceptable (NO-PROPOSAL-CHOSEN).
        public static let noProposalChosen = Kind(name: "noProposalChosen")
        /// A message could not be decoded or lacks a required payload (PAYLOAD-MALFORMED).
        public static let payloadMalformed = Kind(name: "payloadMalformed")
        /// A payload type not allowed in this message (INVALID-PAYLOAD-TYPE).
        public static let invalidPayloadType = Kind(name: "invalidPayloadType")
        /// HASH(1)/(2)/(3) or an Informational hash did not verify (INVALID-HASH-INFORMATION).
        public static let invalidHash = Kind(name: "invalidHash")
        /// HASH_I/HASH_R did not verify: wrong PSK (AUTHENTICATION-FAILED).
        public static let authenticationFailed = Kind(name: "authenticationFailed")
        /// The peer's identity or traffic selectors are not acceptable, or its ID does not match
        /// its certificate (INVALID-ID-INFORMATION).
        public static let invalidID = Kind(name: "invalidID")
        /// A CERT payload is not a DER X.509 certificate (INVALID-CERT-ENCODING).
        public static let invalidCertEncoding = Kind(name: "invalidCertEncoding")
        /// The peer's certificate is expired, not yet valid, badly signed or unusable for the
        /// negotiated method (INVALID-CERTIFICATE).
        public static let invalidCertificate = Kind(name: "invalidCertificate")
        /// The peer's certificate does not chain to a trust anchor (INVALID-CERT-AUTHORITY).
        public static let invalidCertAuthority = Kind(name: "invalidCertAuthority")
        /// The peer sent no certificate to verify its signature with (CERTIFICATE-UNAVAILABLE).
        public static let certificateUnavailable = Kind(name: "certificateUnavailable")
        /// The peer's SIG payload does not verify over HASH_I/HASH_R (INVALID-SIGNATURE).
        public static let invalidSignature = Kind(name: "invalidSignature")
        /// The peer's KE value was rejected (INVALID-KEY-INFORMATION).
        public static let invalidKey = Kind(name: "invalidKey")
        /// A message came in a state that does not expect it (dropped).
        public static let unexpectedMessage = Kind(name: "unexpectedMessage")
        /// A message for an ISAKMP SA we do not have (INVALID-COOKIE).
        public static let invalidCookie = Kind(name: "invalidCookie")
        /// The peer did not answer within the retransmission limit.
        public static let timeout = Kind(name: "timeout")
        /// Dead peer detected (RFC 3706).
        public static let deadPeer = Kind(name: "deadPeer")
        /// The peer sent an error notify.
        public static let peerNotify = Kind(name: "peerNotify")
        /// The local configuration is not usable or breaks the security policy.
        public static let configuration = Kind(name: "configuration")
        /// A responder limit was reached (``ResponderLimits``): the message was dropped, unanswered.
        public static let limitExceeded = Kind(name: "limitExceeded")
        /// Mode Config gave no virtual IP: the gateway's pool is exhausted, or the gateway sent none.
        public static let addressUnavailable = Kind(name: "addressUnavailable")
        /// A crypto operation failed unexpectedly.
        public static let crypto = Kind(name: "crypto")
    }

    /// The kind.
    public let kind: Kind
    /// What happened.
    public let reason: String

    /// Creates an error.
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// The notify this failure is answered with, if the peer is told (RFC 2408 §3.14.1).
    public var notifyType: NotifyMessageType? {
        switch kind {
        case .noProposalChosen: .noProposalChosen
        case .payloadMalformed: .payloadMalformed
        case .invalidPayloadType: .invalidPayloadType
        case .invalidHash: .invalidHashInformation
        case .authenticationFailed: .authenticationFailed
        case .invalidID: .invalidIDInformation
        case .invalidCertEncoding: .invalidCertEncoding
        case .invalidCertificate: .invalidCertificate
        case .invalidCertAuthority: .invalidCertAuthority
        case .certificateUnavailable: .certificateUnavailable
        case .invalidSignature: .invalidSignature
        case .invalidKey: .invalidKeyInformation
        default: nil
        }
    }

    /// Equal when the kinds are equal; the reason is not compared.
    public static func == (a: IKEv1Error, b: IKEv1Error) -> Bool { a.kind == b.kind }
    /// Hashes the kind only, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
    /// `<kind>: <reason>`, for logs and command-line messages.
    public var description: String { "\(kind): \(reason)" }
}
