import ESP
import FuzzSupport
import IPsecCrypto

/// The ESP open path on arbitrary packets, for an AES-GCM SA, a CBC + HMAC SA and a
/// NULL-encryption SA (whose checks past the ICV the fuzzer can reach). The first byte
/// picks the SA. Invariants: no trap; a packet that opens yields a payload inside the buffer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = fuzzBytes(data, size)
    guard let pick = bytes.first else { return 0 }
    bytes.removeFirst()
    // Keyed per input (a few microseconds) so every allocation is freed before the next one.
    guard let sa = SAs.make(Int(pick) % 3) else { return 0 }
    bytes.withUnsafeMutableBytes { b in
        if let opened = try? sa.open(b, packet: 0..<b.count) {
            precondition(opened.payload.lowerBound >= 0 && opened.payload.upperBound <= b.count, "payload outside the packet")
        }
    }
    return 0
}

enum SAs {
    static func make(_ n: Int) -> ESPInboundSA? {
        switch n {
        case 0: try? ESPInboundSA(SecurityAssociation(spi: 0x0102_0304, direction: .inbound, encryption: .aesGCM(keyBits: 128, icvLength: 16),
                                              integrity: nil, encryptionKey: SecretBytes(Array(repeating: 1, count: 20)),
                                              replayWindow: 64))
        case 1: try? ESPInboundSA(SecurityAssociation(spi: 0x0102_0304, direction: .inbound, encryption: .aesCBC(keyBits: 128),
                                              integrity: .sha256, encryptionKey: SecretBytes(Array(repeating: 2, count: 16)),
                                              integrityKey: SecretBytes(Array(repeating: 3, count: 32)), replayWindow: 4096))
        default: try? ESPInboundSA(SecurityAssociation(spi: 0x0102_0304, direction: .inbound, encryption: .null, integrity: nil,
                                              encryptionKey: SecretBytes([]), extendedSequenceNumbers: true, replayWindow: 128))
        }
    }
}

@_cdecl("FuzzESPOpen_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv)
}
