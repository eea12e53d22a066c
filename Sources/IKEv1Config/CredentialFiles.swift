import IKEv1
import IPsecCrypto

/// The files of certificate authentication (`cert`, `key`, `ca` / `--cert`, `--key`, `--ca`),
/// PEM or DER: every error names the file and says what is wrong with it.
enum CredentialFiles {
    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
    }

    /// The certificates of `path`: ours followed by its intermediates, or (`ca`) trust anchors.
    static func certificates(_ path: String, ca: Bool) throws(Error) -> [Certificate] {
        do { return try Certificate.load(contentsOf: path) } catch {
            throw Error(description: named(ca ? "CA certificate" : "certificate", path, error.reason))
        }
    }

    /// The private key of `path` (RSA or EC, PKCS#8 or traditional, unencrypted).
    static func privateKey(_ path: String) throws(Error) -> SigningKey {
        do { return try SigningKey(contentsOf: path) } catch {
            throw Error(description: named("private key", path, error.reason))
        }
    }

    /// The engine's credentials from the three settings: the key must belong to the certificate.
    static func load(certificate: String, key: String, cas: [String]) throws(Error) -> SignatureCredentials {
        let chain = try certificates(certificate, ca: false)
        let signingKey = try privateKey(key)
        var anchors: [Certificate] = []
        for file in cas { anchors += try certificates(file, ca: true) }
        do {
            return try SignatureCredentials(signingKey: signingKey, chain: chain, trustAnchors: anchors)
        } catch {
            throw Error(description: "key \(key), certificate \(certificate): \(error.reason)")
        }
    }

    /// "certificate F: reason", or "certificate: reason" when the reason names the file already.
    private static func named(_ kind: String, _ path: String, _ reason: String) -> String {
        reason.contains(path) ? "\(kind): \(reason)" : "\(kind) \(path): \(reason)"
    }
}
