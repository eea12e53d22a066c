import FuzzSupport

/// libFuzzer entry of the `config` target; the code path is `FuzzTarget.config` in Fuzz/Harness.
@_cdecl("FuzzConfig_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.config, argc, argv)
}
