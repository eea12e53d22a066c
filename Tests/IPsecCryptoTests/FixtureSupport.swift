import Foundation
import IPsecCrypto
import ISAKMPWire
import Testing
import TestSupport

extension Fixtures {
    /// Decompresses a `.gz` fixture with gzip; nil when gzip is not installed or fails.
    static func gunzip(_ path: String) throws -> String? {
        guard let gzip = ChildProcess.find("gzip") else { return nil }
        let result = try ChildProcess.run(gzip, ["-dc", url(path).path], output: .standardOutputOnly)
        return result.status == 0 ? result.text : nil
    }
}

/// Hex decoding for fixtures, with the codec's parser; a fixture that is not hex fails the test.
func hex(_ string: String) -> [UInt8] {
    guard let bytes = [UInt8](hexString: string) else {
        Issue.record("fixture value is not hex: \(string.prefix(40))")
        return []
    }
    return bytes
}

extension Sequence<UInt8> {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String { self[key] as? String ?? "" }
    func bytes(_ key: String) -> [UInt8] { hex(string(key)) }
    func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
}
