import FuzzSupport
import ISAKMPWire

/// The ISAKMP decoder on arbitrary datagrams. Invariants: no trap, and whatever
/// decodes re-encodes to exactly the input (DESIGN.md: encode(decode(bytes)) == bytes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    var body = bytes[...]
    if case .ike(let ike) = UDPEncapsulated.classify(body) { body = ike }
    if let m = try? ISAKMPMessage.decode(body) {
        precondition(m.encode() == Array(body), "decode/encode round trip changed the bytes")
        for payload in m.payloads ?? [] { _ = payload.body }
    }
    return 0
}

@_cdecl("FuzzISAKMP_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv)
}
