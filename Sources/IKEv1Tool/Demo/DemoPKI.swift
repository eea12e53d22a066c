import ArgumentParser
import IKEv1
import IPsecCrypto
import IPsecTestSupport

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

/// The certificates `ikev1 demo --auth rsa|ecdsa` signs with, made in memory (TestPKI): a root
/// CA, an intermediate CA under it, and one leaf per side (subjectAltNames: its DNS name and
/// address), every key of one type, valid from an hour before `now` for a day. Each side sends
/// its leaf and the intermediate and trusts the root.
struct DemoPKI {
    let authority: TestPKI
    let initiator: SignatureCredentials
    let responder: SignatureCredentials

    init(_ algorithm: KeyAlgorithm, now: Int64, initiatorAddress: [UInt8], responderAddress: [UInt8]) throws {
        let pki = try TestPKI(algorithm: algorithm, intermediate: true, notBefore: now - 3600, notAfter: now + 86_400,
                              organization: "swift-ikev1 demo")
        func leaf(_ name: String, _ address: [UInt8]) throws -> SignatureCredentials {
            let (certificate, key) = try pki.issueLeaf(commonName: name, subjectAltNames: [.dns(name), .ip(address)], algorithm: algorithm)
            return try SignatureCredentials(signingKey: key, chain: [certificate] + pki.intermediates, trustAnchors: [pki.root])
        }
        authority = pki
        initiator = try leaf("initiator.example", initiatorAddress)
        responder = try leaf("responder.example", responderAddress)
    }
}
