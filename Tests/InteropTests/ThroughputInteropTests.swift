import Foundation
import Testing

/// The short form of the throughput benchmark (Interop/throughput.sh, whose full runs give
/// README's figures): every path carries TCP for 2 s (the kernel's ceilings: datagrams for 2 s,
/// Interop/datagram-ceiling.c compiled on the way) and our node processes' CPU per gigabyte is
/// measured. No rate is asserted (the debug build on a shared machine); that each path carried
/// traffic is. Under a minute. Part of `CharonInteropTests`: the scenarios share the lock.
extension CharonInteropTests {
    static let throughputPaths = ["veth", "kernel-raw", "kernel-udp", "ours-raw", "ours-encap", "ours-charon", "charon-charon"]

    @Test func throughputShortForm() async throws {
        let (status, text) = try await Self.runScript("Interop/throughput.sh", "--seconds", "2", "--repetitions", "1",
                                                      "--esp", "aes128gcm16", "--streams", "1",
                                                      "--paths", Self.throughputPaths.joined(separator: " "), Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        let rows = text.split(separator: "\n").compactMap { line in
            line.hasPrefix("{") ? (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] : nil
        }
        for path in Self.throughputPaths {
            let row = rows.first { $0["path"] as? String == path }
            #expect((row?["mbit_s"] as? Double ?? 0) > 0, "\(path): \(text.suffix(3000))")
            if path.hasPrefix("ours") { #expect((row?["cpu_s_per_gb"] as? Double ?? 0) > 0, "\(path): \(text.suffix(3000))") }
        }
    }
}
