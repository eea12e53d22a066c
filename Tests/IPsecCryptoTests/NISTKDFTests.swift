import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// NIST CAVP KDF135 IKEv1 vectors (CAVS 17.3, SP 800-135 §4.1), copied from
/// shared/fixtures/public/nist-cavp-kdf135-ikev1 (origin: nss-dev/nss, see
/// Fixtures/README.md): SKEYID for pre-shared keys and for digital
/// signatures, SKEYID_d, SKEYID_a, SKEYID_e.
@Suite struct NISTKDFTests {
    struct Vector {
        var hash: HashAlgorithm
        var fields: [String: String] = [:]
    }

    static func parse(_ text: String) -> [Vector] {
        var vectors: [Vector] = []
        var hash = HashAlgorithm.sha1
        var current: Vector? = nil
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            switch line {
            case "[SHA-1]": hash = .sha1
            case "[SHA-256]": hash = .sha256
            case "[SHA-384]": hash = .sha384
            case "[SHA-512]": hash = .sha512
            default:
                let parts = line.components(separatedBy: " = ")
                guard parts.count == 2, !line.hasPrefix("[") else { continue }
                if parts[0] == "COUNT" {
                    if let v = current { vectors.append(v) }
                    current = Vector(hash: hash)
                }
                current?.fields[parts[0]] = parts[1]
            }
        }
        if let v = current { vectors.append(v) }
        return vectors
    }

    static func check(_ file: String, signature: Bool) throws -> Int {
        let vectors = parse(try Fixtures.gunzip("nist-cavp-kdf135-ikev1/\(file)"))
        for v in vectors {
            let f = v.fields
            let prf = IKEv1PRF(hash: v.hash)
            let gxy = SecretBytes(hex(f["g^xy"]!))
            let input: IKEv1SKEYIDInput = signature ? .signature : .preSharedKey(SecretBytes(hex(f["pre-shared-key"]!)))
            let keys = IKEv1Phase1Keys(prf: prf, input: input, nonceI: hex(f["Ni"]!), nonceR: hex(f["Nr"]!),
                                       sharedSecret: gxy, cookieI: hex(f["CKY_I"]!), cookieR: hex(f["CKY_R"]!),
                                       encryptionKeyLength: 16)
            let label = "\(file) \(v.hash) COUNT \(f["COUNT"]!)"
            #expect(keys.skeyid.bytes == hex(f["SKEYID"]!), "\(label) SKEYID")
            #expect(keys.skeyidD.bytes == hex(f["SKEYID_d"]!), "\(label) SKEYID_d")
            #expect(keys.skeyidA.bytes == hex(f["SKEYID_a"]!), "\(label) SKEYID_a")
            #expect(keys.skeyidE.bytes == hex(f["SKEYID_e"]!), "\(label) SKEYID_e")
        }
        return vectors.count
    }

    @Test(.enabled(if: Fixtures.gzip != nil, "gzip is not installed (the CAVP files are compressed)"))
    func preSharedKeyVectorsReproduceEverySKEYID() throws {
        #expect(try Self.check("ikev1_psk.fax.gz", signature: false) == 1700)
    }

    @Test(.enabled(if: Fixtures.gzip != nil, "gzip is not installed (the CAVP files are compressed)"))
    func digitalSignatureVectorsReproduceEverySKEYID() throws {
        #expect(try Self.check("ikev1_dsa.fax.gz", signature: true) == 1700)
    }
}
