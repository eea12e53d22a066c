import FuzzSupport

/// libFuzzer entry of the `fragment` target; the code path is `FuzzTarget.fragment` in Fuzz/Harness.
@_cdecl("FuzzFragment_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.fragment, argc, argv)
}
