import Foundation
import IPsecCrypto
import ISAKMPWire

/// What `ikev1 decode --keys FILE` was given: a PSK and DH shared secrets from
/// which everything else is derived, and/or explicit keys (DESIGN.md, "Secrets file").
struct Secrets {
    /// One ISAKMP SA's secrets, matched by initiator cookie (nil: the first ISAKMP SA of the capture).
    struct Phase1 {
        var cookieI: [UInt8]?
        var gxy: [UInt8]?
        /// Ka given directly (Wireshark's ikev1_decryption_table or keys.json `encryption_key`).
        var encryptionKey: [UInt8]?
    }

    /// A Quick Mode's PFS shared secret, matched by message ID (and initiator cookie when given).
    struct QuickMode {
        var messageID: UInt32
        var cookieI: [UInt8]?
        var gxy: [UInt8]
    }

    /// An ESP SA with explicit keys.
    struct ESPKeys {
        var spi: UInt32
        var encryption: EncryptionAlgorithm
        var encryptionKey: [UInt8]
        var integrity: IntegrityAlgorithm?
        var integrityKey: [UInt8]
    }

    var psk: [UInt8]?
    var phase1: [Phase1] = []
    var quickModes: [QuickMode] = []
    var esp: [ESPKeys] = []

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads a JSON secrets file (the schema of Fixtures/captures/strongswan/*/keys.json,
    /// or any subset of it), a Wireshark `ikev1_decryption_table` or an `esp_sa` file.
    static func load(path: String) throws -> Secrets {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(description: "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        if text.drop(while: { $0.isWhitespace }).first == "{" {
            let any: Any
            do { any = try JSONSerialization.jsonObject(with: data) } catch {
                throw FormatError(description: "\(path): not valid JSON: \(error.localizedDescription)")
            }
            guard let json = any as? [String: Any] else { throw FormatError(description: "\(path): top level is not an object") }
            return try fromJSON(json, path: path)
        }
        return try fromWiresharkTable(text, path: path)
    }

    static func hex(_ value: Any?, _ field: String, _ path: String) throws -> [UInt8]? {
        guard let s = value as? String, !s.isEmpty else { return nil }
        let trimmed = s.hasPrefix("0x") ? String(s.dropFirst(2)) : s
        guard let bytes = [UInt8](hexString: trimmed) else {
            throw FormatError(description: "\(path): \(field) is not hex: \(s.prefix(40))")
        }
        return bytes
    }

    static func fromJSON(_ j: [String: Any], path: String) throws -> Secrets {
        var s = Secrets()
        if let p = try hex(j["psk_hex"], "psk_hex", path) { s.psk = p }
        else if let a = j["psk_ascii"] as? String { s.psk = Array(a.utf8) }
        var phase1s: [[String: Any]] = []
        if let p = j["phase1"] as? [String: Any] { phase1s.append(p) }
        phase1s += j["phase1_additional"] as? [[String: Any]] ?? []
        for p in phase1s {
            s.phase1.append(Phase1(cookieI: try hex(p["cookie_i"], "cookie_i", path),
                                   gxy: try hex(p["g_xy"], "phase1.g_xy", path),
                                   encryptionKey: nil))
        }
        for q in j["quick_modes"] as? [[String: Any]] ?? [] {
            guard let gxy = try hex(q["g_xy"], "quick_modes[].g_xy", path) else { continue }
            guard let mid = (q["message_id"] as? String).flatMap({ UInt32($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) })
                    ?? (q["message_id_decimal"] as? Int).map(UInt32.init) else {
                throw FormatError(description: "\(path): a quick_modes entry with g_xy has no message_id")
            }
            s.quickModes.append(QuickMode(messageID: mid, cookieI: try hex(q["cookie_i"], "cookie_i", path), gxy: gxy))
        }
        for e in j["esp_sas"] as? [[String: Any]] ?? [] {
            guard let spiBytes = try hex(e["spi"], "esp_sas[].spi", path), spiBytes.count == 4,
                  let encName = e["wireshark_encryption"] as? String ?? e["encryption"] as? String,
                  let encKey = try hex(e["encryption_key"], "esp_sas[].encryption_key", path) else { continue }
            guard let enc = WiresharkNames.encryption(encName, keyLength: encKey.count) else {
                throw FormatError(description: "\(path): unknown ESP encryption \(encName)")
            }
            let authName = e["wireshark_authentication"] as? String ?? e["authentication"] as? String ?? "NULL"
            s.esp.append(ESPKeys(spi: spiBytes.reduce(0) { $0 << 8 | UInt32($1) }, encryption: enc, encryptionKey: encKey,
                                 integrity: WiresharkNames.integrity(authName),
                                 integrityKey: try hex(e["integrity_key"], "esp_sas[].integrity_key", path) ?? []))
        }
        return s
    }

    /// Wireshark's `ikev1_decryption_table` (`icookie,Ka` lines) or `esp_sa` UAT lines.
    static func fromWiresharkTable(_ text: String, path: String) throws -> Secrets {
        var s = Secrets()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            let at = "\(path) line \(n + 1)"
            if fields.count == 2 {
                guard let cookie = [UInt8](hexString: fields[0]), cookie.count == 8,
                      let key = [UInt8](hexString: fields[1]), !key.isEmpty else {
                    throw FormatError(description: "\(at): expected <16 hex digit initiator cookie>,<key hex>")
                }
                s.phase1.append(Phase1(cookieI: cookie, gxy: nil, encryptionKey: key))
            } else if fields.count >= 8 {
                let strip = { (f: String) in f.hasPrefix("0x") ? String(f.dropFirst(2)) : f }
                guard let spi = UInt32(strip(fields[3]), radix: 16), let encKey = [UInt8](hexString: strip(fields[5])),
                      let enc = WiresharkNames.encryption(fields[4], keyLength: encKey.count) else {
                    throw FormatError(description: "\(at): expected an esp_sa line: family, src, dst, SPI, encryption, key, authentication, key")
                }
                s.esp.append(ESPKeys(spi: spi, encryption: enc, encryptionKey: encKey,
                                     integrity: WiresharkNames.integrity(fields[6]),
                                     integrityKey: [UInt8](hexString: strip(fields[7])) ?? []))
            } else {
                throw FormatError(description: "\(at): neither an ikev1_decryption_table nor an esp_sa line")
            }
        }
        return s
    }
}
