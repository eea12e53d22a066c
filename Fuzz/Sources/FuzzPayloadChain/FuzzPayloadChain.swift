import FuzzSupport
import ISAKMPWire

/// A decrypted payload chain: first byte = the first payload type, the rest the plaintext.
/// Invariants: no trap; a decoded chain re-encodes to its bytes followed by the trailing padding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let first = bytes.first else { return 0 }
    if let (payloads, trailing) = try? PayloadChain.decode(bytes.dropFirst(), first: PayloadType(rawValue: first)),
       !payloads.isEmpty {
        precondition(PayloadChain.encode(payloads) + trailing == Array(bytes.dropFirst()),
                     "payload chain round trip changed the bytes")
    }
    return 0
}

@_cdecl("FuzzPayloadChain_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv)
}
