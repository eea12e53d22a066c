import FuzzSupport
import PacketCapture

/// The capture reader, the packet decoder and the fragment reassembler on arbitrary files.
/// Invariants: no trap, no hang, no more records than the file can hold.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard var reader = try? CaptureReader(bytes: bytes) else { return 0 }
    var reassembler = FragmentReassembler()
    let results = reader.readAll()
    precondition(results.count <= size / 12 + 2, "more records than the file can hold")
    for case .success(let frame) in results {
        let packet = PacketDecoder.decode(frame)
        _ = reassembler.add(packet)
        _ = packet.sourceDescription
    }
    return 0
}

@_cdecl("FuzzCapture_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv)
}
