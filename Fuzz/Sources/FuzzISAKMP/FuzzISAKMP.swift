import FuzzSupport

/// libFuzzer entry of the `isakmp` target; the code path is `FuzzTarget.isakmp` in Fuzz/Harness.
@_cdecl("FuzzISAKMP_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.isakmp, argc, argv)
}
