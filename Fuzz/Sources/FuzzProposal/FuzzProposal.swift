import FuzzSupport

/// libFuzzer entry of the `proposal` target; the code path is `FuzzTarget.proposal` in Fuzz/Harness.
@_cdecl("FuzzProposal_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(.proposal, argc, argv)
}
