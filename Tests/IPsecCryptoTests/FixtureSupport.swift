import Foundation
import IPsecCrypto
import ISAKMPWire
import Testing

/// Fixtures live at the repository root: three levels above this file.
enum Fixture {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    static func data(_ path: String) throws -> Data { try Data(contentsOf: url(path)) }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: data(path)) as! [String: Any]
    }

    /// Decompresses a `.gz` fixture with `/bin/gzip -dc`; nil when gzip is missing.
    static func gunzip(_ path: String) throws -> String? {
        let gzip = URL(fileURLWithPath: "/bin/gzip")
        guard FileManager.default.isExecutableFile(atPath: gzip.path) else { return nil }
        let process = Process()
        process.executableURL = gzip
        process.arguments = ["-dc", url(path).path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    /// Names of the strongSwan fixture folders (each with a keys.json).
    static var strongSwanFolders: [String] {
        let dir = url("captures/strongswan")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).appendingPathComponent("keys.json").path)
        }.sorted()
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
