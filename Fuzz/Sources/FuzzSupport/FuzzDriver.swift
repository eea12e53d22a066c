#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Harness

/// Runs libFuzzer's driver on `target`. SwiftPM names an executable's entry `<Module>_main`;
/// each target's entry calls this. With `IKEV1_FUZZ_SEEDS=DIR` in the environment it first
/// writes the seeds the harness builds itself (the engine's real exchanges) into DIR and exits.
public func runFuzzer(_ target: FuzzTarget, _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    if let dir = getenv("IKEV1_FUZZ_SEEDS").map({ String(cString: $0) }) {
        for (i, seed) in target.seeds.enumerated() {
            guard let f = fopen("\(dir)/\(target.rawValue)-\(i)", "wb") else { return 1 }
            _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        return 0
    }
    current = target
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}

nonisolated(unsafe) private var current = FuzzTarget.isakmp

/// One input through the harness; a broken invariant is a crash for libFuzzer.
private func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do { _ = try current.run(bytes) } catch { fatalError("\(current.rawValue): \(error)") }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
