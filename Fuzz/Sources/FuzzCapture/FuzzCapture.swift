import FuzzSupport

/// libFuzzer entry of the `capture` target; the code path is `FuzzTarget.capture` in Fuzz/Harness.
@_cdecl("FuzzCapture_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.capture, argc, argv)
}
