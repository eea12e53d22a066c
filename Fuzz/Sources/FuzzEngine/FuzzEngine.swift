import FuzzSupport

/// libFuzzer entry of the `engine` target; the code path is `FuzzTarget.engine` in Fuzz/Harness.
@_cdecl("FuzzEngine_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.engine, argc, argv)
}
