import Foundation
import ISAKMPWire

/// `--export-wireshark DIR`: Wireshark's two key tables, so a person can open the capture decrypted.
enum WiresharkExport {
    static func write(_ d: SessionDecryptor, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var ike = ""
        for s in d.sessions.values.sorted(by: { $0.cookieI.lexicographicallyPrecedes($1.cookieI) }) {
            guard let ka = s.encryptionKey else { continue }
            ike += "\(s.cookieI.hexString),\(ka.hexString)\n"
        }
        var esp = ""
        for (spi, sa) in d.espSAs.sorted(by: { $0.key < $1.key }) where !sa.source.isEmpty {
            let family = sa.source.contains(":") ? "IPv6" : "IPv4"
            esp += "\"\(family)\",\"\(sa.source)\",\"\(sa.destination)\",\"0x\(String(format8: spi))\","
                + "\"\(WiresharkNames.encryptionName(sa.keys.encryption))\",\"0x\(sa.keys.encryptionKey.hexString)\","
                + "\"\(WiresharkNames.integrityName(sa.keys.integrity))\",\"0x\(sa.keys.integrityKey.hexString)\"\n"
        }
        try ike.write(toFile: directory + "/ikev1_decryption_table", atomically: true, encoding: .utf8)
        try esp.write(toFile: directory + "/esp_sa", atomically: true, encoding: .utf8)
    }
}
