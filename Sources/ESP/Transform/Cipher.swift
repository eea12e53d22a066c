import IPsecCrypto

/// The keyed cipher of an SA, one case per ESP transform family.
enum Cipher {
    case null
    case cbc(CBCCipher)
    case ctr(AESCTR)
    /// AES-GCM or AES-CCM: one core, the same calls.
    case aead(AEADCipher)
    case gmac(AESGMAC)

    init(_ algorithm: EncryptionAlgorithm, key: SecretBytes) throws(ESPError) {
        do throws(CryptoError) {
            switch algorithm {
            case .null: self = .null
            case .des, .tripleDES, .aesCBC, .blowfish, .cast128: self = .cbc(try CBCCipher(algorithm: algorithm.cbcAlgorithm!, key: key))
            case .aesCTR: self = .ctr(try AESCTR(keyingMaterial: key))
            case .aesGCM(_, let icv): self = .aead(try AEADCipher(.gcm, keyingMaterial: key, icvLength: icv))
            case .aesGMAC: self = .gmac(try AESGMAC(keyingMaterial: key))
            case .aesCCM(_, let icv): self = .aead(try AEADCipher(.ccm, keyingMaterial: key, icvLength: icv))
            }
            if algorithm.keyingMaterialLength != key.count {
                throw CryptoError(.invalidKeyLength, "\(algorithm.keyword) needs \(algorithm.keyingMaterialLength) bytes of keying material, got \(key.count)")
            }
        } catch {
            throw .configuration(error)
        }
    }
}

/// Fixed per-SA packet geometry, computed once.
struct Geometry {
    /// Explicit IV bytes after the sequence number.
    let ivLength: Int
    /// Alignment of payload | padding | pad length | next header (a power of two).
    let alignment: Int
    /// True when the encrypted part must be whole cipher blocks (CBC).
    let wholeBlocks: Bool
    /// ICV bytes at the end.
    let icvLength: Int
    /// 8 when UDP-encapsulated.
    let udpLength: Int

    init(_ sa: SecurityAssociation) {
        ivLength = sa.encryption.espIVLength
        alignment = Swift.max(4, sa.encryption.blockSize)
        wholeBlocks = sa.encryption.cbcAlgorithm != nil
        icvLength = sa.icvLength
        if case .udp = sa.encapsulation { udpLength = 8 } else { udpLength = 0 }
    }

    /// ESP header (SPI, sequence number) plus IV.
    var headerLength: Int { 8 + ivLength }

    /// Padding so that `length` + pad length + next header fills whole alignment units.
    @inline(__always)
    func padLength(for length: Int) -> Int { (0 &- (length &+ 2)) & (alignment &- 1) }
}
