import FuzzSupport

/// libFuzzer entry of the `transaction` target; the code path is `FuzzTarget.transaction` in Fuzz/Harness.
@_cdecl("FuzzTransaction_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.transaction, argc, argv)
}
