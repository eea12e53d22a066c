import ESP
import IPsecCrypto

/// The ESP open path on arbitrary packets, for an AES-GCM SA, a CBC + HMAC SA and a
/// NULL-encryption SA (whose checks past the ICV the fuzzer can reach). The first byte
/// picks the SA. Invariant: a packet that opens yields a payload inside the buffer.
enum ESPOpenTarget {
    static func run(_ input: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        guard let pick = input.first else { return .accepted }
        var bytes = Array(input.dropFirst())
        // Keyed per input (a few microseconds) so every allocation is freed before the next one.
        let sa: ESPInboundSA
        do { sa = try make(Int(pick) % 3) } catch { throw FuzzViolation("the fixed SA \(pick % 3) does not build: \(error)") }
        let count = bytes.count
        let result = bytes.withUnsafeMutableBytes { b in Result { () throws(ESPError) in try sa.open(b, packet: 0..<b.count) } }
        switch result {
        case .success(let opened):
            try FuzzViolation.check(opened.payload.lowerBound >= 0 && opened.payload.upperBound <= count,
                                    "payload \(opened.payload) outside a \(count)-byte packet")
            return .accepted
        case .failure(let error): return .rejected(error)
        }
    }

    static func make(_ n: Int) throws(ESPError) -> ESPInboundSA {
        switch n {
        case 0: try ESPInboundSA(SecurityAssociation(spi: 0x0102_0304, direction: .inbound, encryption: .aesGCM(keyBits: 128, icvLength: 16),
                                                     integrity: nil, encryptionKey: SecretBytes(Array(repeating: 1, count: 20)),
                                                     replayWindow: 64))
        case 1: try ESPInboundSA(SecurityAssociation(spi: 0x0102_0304, direction: .inbound, encryption: .aesCBC(keyBits: 128),
                                                     integrity: .sha256, encryptionKey: SecretBytes(Array(repeating: 2, count: 16)),
                                                     integrityKey: SecretBytes(Array(repeating: 3, count: 32)), replayWindow: 4096))
        default: try ESPInboundSA(SecurityAssociation(spi: 0x0102_0304, direction: .inbound, encryption: .null, integrity: nil,
                                                      encryptionKey: SecretBytes([]), extendedSequenceNumbers: true, replayWindow: 128))
        }
    }
}
