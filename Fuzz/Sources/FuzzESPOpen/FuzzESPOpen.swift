import FuzzSupport

/// libFuzzer entry of the `espOpen` target; the code path is `FuzzTarget.espOpen` in Fuzz/Harness.
@_cdecl("FuzzESPOpen_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.espOpen, argc, argv)
}
