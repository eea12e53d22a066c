import Foundation
import IPsecCrypto
import ISAKMPWire

/// `--export-wireshark DIR`: Wireshark's two key tables (`ikev1_decryption_table`, `esp_sa`),
/// so a person can open the capture decrypted. Copy them into a Wireshark profile directory,
/// with `esp.enable_encryption_decode: TRUE` in its `preferences`.
enum WiresharkExport {
    /// Both tables for every session and ESP SA a decode derived.
    static func write(_ d: SessionDecryptor, to directory: String) throws {
        let ike = d.sessions.values.sorted { $0.cookieI.lexicographicallyPrecedes($1.cookieI) }.compactMap { s in
            s.encryptionKey.map { ikeLine(cookieI: s.cookieI, ka: $0) }
        }
        let esp = d.espSAs.sorted { $0.key < $1.key }.filter { !$0.value.source.isEmpty }.map { spi, sa in
            espLine(source: sa.source, destination: sa.destination, spi: spi, encryption: sa.keys.encryption,
                    encryptionKey: sa.keys.encryptionKey, integrity: sa.keys.integrity, integrityKey: sa.keys.integrityKey)
        }
        try write(ike: ike, esp: esp, to: directory)
    }

    /// Writes the two tables, one entry per line (each file replaced atomically).
    static func write(ike: [String], esp: [String], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try ike.map { $0 + "\n" }.joined().write(toFile: directory + "/ikev1_decryption_table", atomically: true, encoding: .utf8)
        try esp.map { $0 + "\n" }.joined().write(toFile: directory + "/esp_sa", atomically: true, encoding: .utf8)
    }

    /// One `ikev1_decryption_table` entry: CKY-I and Ka, unquoted hex.
    static func ikeLine(cookieI: [UInt8], ka: [UInt8]) -> String { "\(cookieI.hexString),\(ka.hexString)" }

    /// One `esp_sa` entry: protocol, outer source and destination, SPI, algorithms and keys.
    static func espLine(source: String, destination: String, spi: UInt32, encryption: EncryptionAlgorithm,
                        encryptionKey: [UInt8], integrity: IntegrityAlgorithm?, integrityKey: [UInt8]) -> String {
        let family = source.contains(":") ? "IPv6" : "IPv4"
        return "\"\(family)\",\"\(source)\",\"\(destination)\",\"0x\(String(format8: spi))\","
            + "\"\(WiresharkNames.encryptionName(encryption))\",\"0x\(encryptionKey.hexString)\","
            + "\"\(WiresharkNames.integrityName(integrity))\",\"0x\(integrityKey.hexString)\""
    }
}
