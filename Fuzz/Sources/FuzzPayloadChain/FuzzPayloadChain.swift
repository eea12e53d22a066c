import FuzzSupport

/// libFuzzer entry of the `payloadChain` target; the code path is `FuzzTarget.payloadChain` in Fuzz/Harness.
@_cdecl("FuzzPayloadChain_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.payloadChain, argc, argv)
}
