/// The one error type of `IPsecCrypto`: an opaque code plus a human-readable
/// reason. Two errors are equal when their codes are equal.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the particular message.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The name of the code, e.g. `invalidPublicValue`.
        public var description: String { name }

        /// The algorithm (or DH group, or proposal keyword) is not supported.
        public static let unsupportedAlgorithm = Code(name: "unsupportedAlgorithm")
        /// An OpenSSL provider (e.g. `legacy` for DES) could not be loaded.
        public static let providerUnavailable = Code(name: "providerUnavailable")
        /// A key has the wrong length for its algorithm.
        public static let invalidKeyLength = Code(name: "invalidKeyLength")
        /// An IV, nonce or salt has the wrong length.
        public static let invalidIVLength = Code(name: "invalidIVLength")
        /// A buffer length is not acceptable (e.g. not a multiple of the block size).
        public static let invalidInputLength = Code(name: "invalidInputLength")
        /// An ICV / tag did not verify.
        public static let authenticationFailed = Code(name: "authenticationFailed")
        /// A peer's DH / ECDH public value was rejected (RFC 6989).
        public static let invalidPublicValue = Code(name: "invalidPublicValue")
        /// A private key (DH private value, signing key) is unusable.
        public static let invalidPrivateKey = Code(name: "invalidPrivateKey")
        /// A PEM / DER key could not be parsed.
        public static let invalidKeyEncoding = Code(name: "invalidKeyEncoding")
        /// A signature could not be produced or did not verify.
        public static let signatureFailed = Code(name: "signatureFailed")
        /// A proposal string in strongSwan notation could not be parsed.
        public static let invalidProposal = Code(name: "invalidProposal")
        /// An X.509 certificate or distinguished name could not be parsed.
        public static let invalidCertificate = Code(name: "invalidCertificate")
        /// A key or certificate file could not be read.
        public static let unreadableFile = Code(name: "unreadableFile")
        /// A stored password hash (SHA-512-crypt) is malformed or of another scheme.
        public static let invalidPasswordHash = Code(name: "invalidPasswordHash")
        /// libcrypto failed for an internal reason.
        public static let internalFailure = Code(name: "internalFailure")
    }

    /// The RFC 2408 §3.14.1 notify message type a peer-caused error warrants:
    /// INVALID-KEY-INFORMATION (17) for a bad public value, INVALID-HASH-INFORMATION
    /// (23) for a failed ICV/hash, NO-PROPOSAL-CHOSEN (14) for an unusable
    /// proposal, INVALID-SIGNATURE (25), INVALID-CERT-ENCODING (19) for a
    /// certificate that does not parse; nil for local failures.
    public var notifyType: UInt16? {
        switch code {
        case .invalidPublicValue: 17
        case .authenticationFailed: 23
        case .invalidProposal, .unsupportedAlgorithm: 14
        case .signatureFailed: 25
        case .invalidCertificate: 19
        default: nil
        }
    }

    /// The kind of failure; compare on this.
    public let code: Code
    /// A human-readable explanation.
    public let reason: String

    /// Creates an error with a code and a reason.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// Equal when the codes are equal; the reason is not compared.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    /// `CryptoError.<code>: <reason>`, for logs and command-line messages.
    public var description: String { "CryptoError.\(code): \(reason)" }

    package static func internalFailure(_ what: String) -> CryptoError {
        CryptoError(.internalFailure, "libcrypto: \(what) failed")
    }
}
