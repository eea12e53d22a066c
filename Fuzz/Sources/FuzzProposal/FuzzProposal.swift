import FuzzSupport
import IPsecCrypto

/// The strongSwan proposal-notation parser on arbitrary text.
/// Invariant: a parsed list prints to text that parses back to the same list.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    if let list = try? ProposalList(parsing: text) {
        precondition((try? ProposalList(parsing: list.description)) == list,
                     "proposal notation does not round-trip: \(text) -> \(list)")
    }
    return 0
}

@_cdecl("FuzzProposal_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv)
}
