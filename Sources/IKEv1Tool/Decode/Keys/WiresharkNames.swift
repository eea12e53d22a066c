import IPsecCrypto

/// The algorithm names of Wireshark's `esp_sa` table, both ways.
enum WiresharkNames {
    static func encryption(_ name: String, keyLength: Int) -> EncryptionAlgorithm? {
        let n = name.uppercased()
        if n.hasPrefix("NULL ENCRYPTION WITH AES-GMAC") || n.hasPrefix("AES-GMAC") {
            return .aesGMAC(keyBits: (keyLength - 4) * 8)
        }
        if n.hasPrefix("NULL") { return .null }
        if n.hasPrefix("TRIPLEDES-CBC") { return .tripleDES }
        if n.hasPrefix("DES-CBC") { return .des }
        if n.hasPrefix("AES-CBC") { return .aesCBC(keyBits: keyLength * 8) }
        if n.hasPrefix("AES-CTR") { return .aesCTR(keyBits: (keyLength - 4) * 8) }
        if n.hasPrefix("BLOWFISH-CBC") { return .blowfish(keyBits: keyLength * 8) }
        if n.hasPrefix("CAST5-CBC") { return .cast128 }
        if n.hasPrefix("AES-CCM") {
            let icv = n.contains("8 OCTET") ? 8 : n.contains("12 OCTET") ? 12 : 16
            return .aesCCM(keyBits: (keyLength - 3) * 8, icvLength: icv)
        }
        if n.hasPrefix("AES-GCM") {
            let icv = n.contains("8 OCTET") ? 8 : n.contains("12 OCTET") ? 12 : 16
            return .aesGCM(keyBits: (keyLength - 4) * 8, icvLength: icv)
        }
        return nil
    }

    static func encryptionName(_ e: EncryptionAlgorithm) -> String {
        switch e {
        case .null: "NULL"
        case .des: "DES-CBC [RFC2405]"
        case .tripleDES: "TripleDES-CBC [RFC2451]"
        case .aesCBC: "AES-CBC [RFC3602]"
        case .aesCTR: "AES-CTR [RFC3686]"
        case .aesGCM(_, let icv): "AES-GCM with \(icv) octet ICV [RFC4106]"
        case .aesGMAC: "NULL encryption with AES-GMAC [RFC4543]"
        case .blowfish: "BLOWFISH-CBC [RFC2451]"
        case .cast128: "CAST5-CBC [RFC2144]"
        case .aesCCM(_, let icv): "AES-CCM with \(icv) octet ICV [RFC4309]"
        }
    }

    static func integrity(_ name: String) -> IntegrityAlgorithm? {
        let n = name.uppercased()
        if n.hasPrefix("HMAC-SHA-1-96") { return .sha1 }
        if n.hasPrefix("HMAC-SHA-256-128") { return .sha256 }
        if n.hasPrefix("HMAC-SHA-384-192") { return .sha384 }
        if n.hasPrefix("HMAC-SHA-512-256") { return .sha512 }
        if n.hasPrefix("HMAC-MD5-96") { return .md5 }
        if n.hasPrefix("AES-XCBC") { return .aesXCBC }
        return nil
    }

    static func integrityName(_ i: IntegrityAlgorithm?) -> String {
        switch i {
        case nil: "NULL"
        case .sha1: "HMAC-SHA-1-96 [RFC2404]"
        case .sha256: "HMAC-SHA-256-128 [RFC4868]"
        case .sha384: "HMAC-SHA-384-192 [RFC4868]"
        case .sha512: "HMAC-SHA-512-256 [RFC4868]"
        case .md5: "HMAC-MD5-96 [RFC2403]"
        case .aesXCBC: "AES-XCBC-MAC-96 [RFC3566]"
        }
    }
}
