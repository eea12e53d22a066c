/// Why a peer's certificate was not accepted; each names the certificate so
/// the operator knows which file to fix. `notifyType` is the RFC 2408 §3.14.1
/// notify it warrants.
public enum CertificateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The certificate's validity ended before the verification time.
    case expired(subject: DistinguishedName, notAfter: Int64)
    /// The certificate's validity starts after the verification time.
    case notYetValid(subject: DistinguishedName, notBefore: Int64)
    /// No path from the certificate to a trust anchor: its issuer is neither
    /// an anchor nor among the intermediates supplied.
    case untrusted(subject: DistinguishedName, issuer: DistinguishedName)
    /// The issuer's key does not verify the certificate's signature.
    case badSignature(subject: DistinguishedName)
    /// A certificate that issued another is not a CA (no basicConstraints cA,
    /// no keyCertSign, or its pathLenConstraint is exceeded).
    case notCA(subject: DistinguishedName)
    /// The peer's identity (ID payload) is not one the certificate names.
    case identityMismatch(identity: String, subject: DistinguishedName)
    /// The certificate data does not parse.
    case malformed(reason: String)
    /// Any other verification failure, with libcrypto's explanation.
    case rejected(subject: DistinguishedName, reason: String)

    /// INVALID-CERT-ENCODING (19) for `malformed`, INVALID-CERT-AUTHORITY (22)
    /// for `untrusted`, INVALID-ID-INFORMATION (18) for `identityMismatch`,
    /// INVALID-CERTIFICATE (20) otherwise.
    public var notifyType: UInt16 {
        switch self {
        case .malformed: 19
        case .untrusted: 22
        case .identityMismatch: 18
        default: 20
        }
    }

    /// One line for the operator.
    public var description: String {
        switch self {
        case .expired(let subject, let notAfter):
            "certificate \"\(subject)\" expired at \(Self.utc(notAfter))"
        case .notYetValid(let subject, let notBefore):
            "certificate \"\(subject)\" is not valid before \(Self.utc(notBefore))"
        case .untrusted(let subject, let issuer):
            "certificate \"\(subject)\" is untrusted: its issuer \"\(issuer)\" is not a trust anchor and no certificate of it was supplied"
        case .badSignature(let subject):
            "certificate \"\(subject)\" has a signature its issuer's key does not verify"
        case .notCA(let subject):
            "certificate \"\(subject)\" issued a certificate but is not a CA (basicConstraints, keyUsage or path length)"
        case .identityMismatch(let identity, let subject):
            "identity \(identity) is neither the subject nor a subjectAltName of certificate \"\(subject)\""
        case .malformed(let reason):
            "malformed certificate: \(reason)"
        case .rejected(let subject, let reason):
            "certificate \"\(subject)\" rejected: \(reason)"
        }
    }

    /// "2026-11-29 10:59:46 UTC" (proleptic Gregorian, RFC 5280 §4.1.2.5 times are UTC).
    public static func utc(_ unixTime: Int64) -> String {
        let days = unixTime >= 0 ? unixTime / 86_400 : (unixTime - 86_399) / 86_400
        let second = unixTime - days * 86_400
        // Civil date from day number (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) UTC"
    }
}
