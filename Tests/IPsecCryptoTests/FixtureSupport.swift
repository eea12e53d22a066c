import Foundation
import IPsecCrypto
import ISAKMPWire
import Testing
import TestSupport

extension Fixtures {
    /// gzip, which `gunzip` needs.
    static let gzip = ChildProcess.find("gzip")

    /// Decompresses a `.gz` fixture with gzip.
    static func gunzip(_ path: String) throws -> String {
        let result = try ChildProcess.run(try #require(gzip), ["-dc", url(path).path])
        guard result.status == 0 else { throw FixtureError(description: "gzip -dc \(path): \(result.text)") }
        return result.text
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
    func bytes(_ key: String) -> [UInt8] { hex(string(key)) }
}
