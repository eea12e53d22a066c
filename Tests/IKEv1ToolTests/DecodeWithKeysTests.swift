import Foundation
import IPsecCrypto
import ISAKMPWire
import Testing
@testable import IKEv1Tool
import TestSupport

/// `ikev1 decode --keys`: from the PSK and the DH shared secrets alone, every
/// encrypted message of real strongSwan 5.9.8 exchanges decrypts and every hash
/// verifies; the derived ESP keys are the ones charon logged (Fixtures/captures/strongswan/*/keys.json).
struct DecodeWithKeysTests {
    static let scenarios = [
        "main-mode-psk", "main-mode-psk-port500", "aggressive-mode-psk", "nat-t-encap", "3des-sha1-modp1024",
        "aes256-sha384-ecp384", "quick-mode-pfs-rekey", "proposal-selection", "reauth-then-rekey",
    ]

    /// The secrets a user would have: PSK and g^xy values only, nothing derived.
    static func minimalSecrets(_ scenario: String) throws -> (Secrets, [String: Any]) {
        let url = Fixtures.url("captures/strongswan/\(scenario)/keys.json")
        let full = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var minimal: [String: Any] = ["psk_ascii": full["psk_ascii"]!]
        let p1 = full["phase1"] as! [String: Any]
        minimal["phase1"] = ["cookie_i": p1["cookie_i"]!, "g_xy": p1["g_xy"]!]
        minimal["phase1_additional"] = (full["phase1_additional"] as? [[String: Any]] ?? []).map {
            ["cookie_i": $0["cookie_i"]!, "g_xy": $0["g_xy"]!]
        }
        minimal["quick_modes"] = (full["quick_modes"] as? [[String: Any]] ?? []).map {
            ["message_id": $0["message_id"]!, "g_xy": $0["g_xy"] ?? "", "cookie_i": $0["cookie_i"] ?? ""]
        }
        return (try Secrets.fromJSON(minimal, path: url.path), full)
    }

    static func decode(_ scenario: String, _ secrets: Secrets) throws -> ([DecodeRecord], SessionDecryptor) {
        let decryptor = SessionDecryptor(secrets: secrets)
        var inspector = CaptureInspector()
        inspector.decryptor = decryptor
        let bytes = try Fixtures.bytes("captures/strongswan/\(scenario)/capture.pcap")
        return (try inspector.inspect(bytes), decryptor)
    }

    @Test(arguments: scenarios)
    func everyMessageDecryptsAndEveryHashVerifies(scenario: String) throws {
        let (secrets, _) = try Self.minimalSecrets(scenario)
        let (records, _) = try Self.decode(scenario, secrets)
        let isakmp = records.filter { $0.proto == .isakmp }
        #expect(isakmp.count >= 8)
        for r in isakmp {
            let i = try #require(r.isakmp)
            #expect(r.error == nil, "\(scenario) frame \(r.frame): \(r.error ?? "")")
            if i.encrypted { #expect(i.decrypted == true, "\(scenario) frame \(r.frame) not decrypted") }
            if i.payloads?.contains(where: { $0.type == .hash }) == true {
                #expect(i.hashValid == true, "\(scenario) frame \(r.frame): hash not verified")
            }
        }
        // Main Mode 5/6 (or Aggressive Mode 2/3) and every Quick Mode message carry a verified hash.
        #expect(isakmp.filter { $0.isakmp?.hashValid == true }.count >= 5)
    }

    @Test(arguments: scenarios)
    func derivedESPKeysAreTheOnesCharonUsed(scenario: String) throws {
        let (secrets, full) = try Self.minimalSecrets(scenario)
        let (_, decryptor) = try Self.decode(scenario, secrets)
        let expected = full["esp_sas"] as? [[String: Any]] ?? []
        for e in expected {
            let spi = UInt32(e["spi"] as! String, radix: 16)!
            let derived = try #require(decryptor.espSAs[spi], "\(scenario): SPI \(e["spi"]!) not derived")
            #expect(derived.keys.encryptionKey.hexString == e["encryption_key"] as? String, "\(scenario) \(spi)")
            #expect(derived.keys.integrityKey.hexString == (e["integrity_key"] as? String ?? ""), "\(scenario) \(spi)")
            #expect(derived.source == e["src"] as? String && derived.destination == e["dst"] as? String)
        }
    }

    @Test(arguments: scenarios)
    func everyESPPacketOpensToTheICMPEchoInside(scenario: String) throws {
        let (secrets, _) = try Self.minimalSecrets(scenario)
        let (records, _) = try Self.decode(scenario, secrets)
        let esp = records.filter { $0.proto == .esp }
        // As many as tshark found (main-mode-psk-port500 has none: its kernel could not install ESP).
        let tshark = try Fixtures.json("tshark/strongswan/\(scenario)/capture.pcap.json")
        #expect(esp.count == (tshark["esp"] as! [Any]).count)
        for r in esp {
            #expect(r.esp?.icvValid == true, "\(scenario) frame \(r.frame): \(r.error ?? "")")
            #expect(r.esp?.nextHeader == 4, "\(scenario) frame \(r.frame)")
            #expect(r.esp?.inner?.protocolNumber == 1, "\(scenario) frame \(r.frame): not ICMP")
        }
        if scenario != "main-mode-psk-port500" { #expect(esp.count >= 6) }
    }

    @Test func wrongPSKDecryptsNothingAndSaysSo() throws {
        var (secrets, _) = try Self.minimalSecrets("main-mode-psk")
        secrets.psk = Array("not-the-psk".utf8)
        let (records, _) = try Self.decode("main-mode-psk", secrets)
        let encrypted = records.filter { $0.isakmp?.encrypted == true }
        #expect(!encrypted.isEmpty)
        for r in encrypted {
            #expect(r.isakmp?.hashValid != true)
            #expect(r.error != nil, "frame \(r.frame) reports no problem with a wrong PSK")
        }
    }

    /// Wireshark's own test: ikev1-certs.pcap (RSA signatures, 3DES/MD5) with the
    /// Ka of test/config/ikev1_decryption_table; expectations from
    /// Fixtures/captures/public/README.md and Wireshark's suite_decryption.py.
    @Test func wiresharkKeyTableDecryptsIKEv1Certs() throws {
        let table = Fixtures.url("captures/public/wireshark/config/ikev1_decryption_table").path
        let decryptor = SessionDecryptor(secrets: try Secrets.load(path: table))
        var inspector = CaptureInspector()
        inspector.decryptor = decryptor
        let bytes = try Fixtures.bytes("captures/public/zeek-spicy-ipsec/traces/ikev1-certs.pcap")
        let records = try inspector.inspect(bytes)
        func types(_ frame: Int) -> [PayloadType]? { records.first { $0.frame == frame }?.isakmp?.payloads?.map(\.type) }
        func hash(_ frame: Int) -> String? {
            records.first { $0.frame == frame }?.isakmp?.payloads?.compactMap { p -> String? in
                if case .hash(let h) = p { return h.data.hexString } else { return nil }
            }.first
        }
        #expect(types(5) == [.identification, .certificate, .certificateRequest, .signature])
        #expect(types(6) == [.identification, .certificate, .signature])
        #expect(types(7) == [.hash, .securityAssociation, .nonce, .keyExchange, .identification, .identification])
        #expect(types(8) == types(7)) // frame 8 retransmits frame 7
        #expect(hash(7) == "5a32e8a56d40768d60f16a0521da6cbc")
        #expect(hash(9)?.hasPrefix("69791a19") == true)
        #expect(hash(10)?.hasPrefix("0b4f60a7") == true)
        // The certificates carry Wireshark's pass criterion.
        let certs = records.compactMap(\.isakmp?.payloads).joined().compactMap { p -> [UInt8]? in
            if case .certificate(let c) = p { return c.data } else { return nil }
        }
        #expect(certs.count == 2)
        #expect(certs.contains { String(decoding: $0, as: UTF8.self).contains("OpenSwan") })
    }

    @Test func exportWritesBothWiresharkTables() throws {
        let (secrets, full) = try Self.minimalSecrets("main-mode-psk")
        let (_, decryptor) = try Self.decode("main-mode-psk", secrets)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ikev1-export-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WiresharkExport.write(decryptor, to: dir)
        let ike = try String(contentsOfFile: dir + "/ikev1_decryption_table", encoding: .utf8)
        let table = (full["tshark"] as! [String: Any])["ikev1_decryption_table"] as! String
        #expect(ike.trimmingCharacters(in: .whitespacesAndNewlines) == table)
        let esp = try String(contentsOfFile: dir + "/esp_sa", encoding: .utf8)
        #expect(esp.split(separator: "\n").count == 2)
        // Reading the export back gives the same ESP keys.
        let back = try Secrets.load(path: dir + "/esp_sa")
        #expect(Set(back.esp.map(\.spi)) == Set(decryptor.espSAs.keys))
    }

    @Test func badSecretsFileSaysWhichLineAndWhy() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "# comment\nfafaeb49382a763c,zz\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: Secrets.FormatError.self) { try Secrets.load(path: path) }
        do { _ = try Secrets.load(path: path) } catch {
            #expect("\(error)".contains("line 2"))
        }
    }
}
