import ArgumentParser
import IKEv1
import IPsecCrypto

/// How `ikev1 demo` authenticates Phase 1.
enum DemoAuthentication: String, ExpressibleByArgument, CaseIterable {
    /// A pre-shared key.
    case psk
    /// RSA-2048 signatures (RFC 2409 §5.1, method 3).
    case rsa
    /// ECDSA P-256 signatures (RFC 4754, method 9).
    case ecdsa

    /// The key type of the demo's certificates; nil for a PSK.
    var algorithm: KeyAlgorithm? {
        switch self {
        case .psk: nil
        case .rsa: .rsa(bits: 2048)
        case .ecdsa: .ecdsaP256
        }
    }
}

/// The certificates `ikev1 demo --auth rsa|ecdsa` signs with, made in memory: a root CA and one
/// leaf per side (subjectAltNames: the side's DNS name and address), every key of one type,
/// valid from an hour before `now` for a day.
struct DemoPKI {
    let root: Certificate
    let initiator: SignatureCredentials
    let responder: SignatureCredentials

    static let organization = "C=CH, O=swift-ikev1 demo"

    init(_ algorithm: KeyAlgorithm, now: Int64, initiatorAddress: [UInt8], responderAddress: [UInt8]) throws {
        let validity = (now - 3600, now + 86_400)
        let rootKey = try SigningKey.generate(algorithm)
        let root = try CertificateBuilder(subject: DistinguishedName(parsing: "\(Self.organization), CN=Demo Root CA"),
                                      notBefore: validity.0, notAfter: validity.1, isCA: true).selfSigned(key: rootKey)
        func leaf(_ name: String, _ address: [UInt8]) throws -> SignatureCredentials {
            let key = try SigningKey.generate(algorithm)
            let certificate = try CertificateBuilder(subject: DistinguishedName(parsing: "\(Self.organization), CN=\(name)"),
                                                     notBefore: validity.0, notAfter: validity.1,
                                                     subjectAltNames: [.dns(name), .ip(address)])
                .issued(publicKey: VerifyingKey(key), by: root, issuerKey: rootKey)
            return try SignatureCredentials(signingKey: key, chain: [certificate], trustAnchors: [root])
        }
        self.root = root
        initiator = try leaf("initiator.example", initiatorAddress)
        responder = try leaf("responder.example", responderAddress)
    }
}
