import Testing
import IPsecCrypto
@testable import ESP
import TestSupport

/// ESP against scapy's independent RFC 4303 code for what the Linux and strongSwan fixtures
/// leave out: HMAC-MD5-96, HMAC-SHA2-384-192 / 512-256, NULL encryption, ESN with HMAC (high-order
/// bits appended to the ICV input), IPv6 inner packets, transport mode.
@Suite struct ScapyESPTests {
    // Source: Fixtures/esp-vectors/scapy_esp.json, made by Scripts/make-esp-vectors.py (scapy 2.8.0).
    nonisolated(unsafe) static let vectors = (try? Fixtures.json("esp-vectors/scapy_esp.json")["vectors"] as? [[String: Any]]) ?? []

    static func algorithms(_ v: [String: Any]) -> (EncryptionAlgorithm, IntegrityAlgorithm) {
        let key = hex(v["encryption_key"] as! String)
        let encryption: EncryptionAlgorithm = switch v["encryption"] as! String {
        case "NULL": .null
        case "AES-CBC": .aesCBC(keyBits: key.count * 8)
        case "AES-CTR": .aesCTR(keyBits: (key.count - 4) * 8)
        default: .tripleDES
        }
        let integrity: IntegrityAlgorithm = switch v["integrity"] as! String {
        case "HMAC-MD5-96": .md5
        case "HMAC-SHA1-96": .sha1
        case "SHA2-256-128": .sha256
        case "SHA2-384-192": .sha384
        default: .sha512
        }
        return (encryption, integrity)
    }

    @Test("scapy's ESP packets open and re-seal byte for byte", arguments: try nonEmpty(vectors.indices))
    func vector(index: Int) throws {
        let v = Self.vectors[index]
        let (encryption, integrity) = Self.algorithms(v)
        let high = v["esn_high"] as? Int
        let sequence = UInt64(high ?? 0) << 32 | UInt64(v["seq"] as! Int)
        let mode: SecurityAssociation.Mode = v["mode"] as! String == "tunnel" ? .tunnel : .transport
        func sa(_ d: SecurityAssociation.Direction) -> SecurityAssociation {
            childSA(spi: 0x0E5B_0001, direction: d, encryption: encryption, integrity: integrity,
                    key: hex(v["encryption_key"] as! String), integrityKey: hex(v["integrity_key"] as! String),
                    mode: mode, esn: high != nil)
        }
        let packet = hex(v["esp"] as! String), payload = hex(v["payload"] as! String)
        let nextHeader = UInt8(v["next_header"] as! Int)

        let inbound = try ESPInboundSA(sa(.inbound))
        if sequence > 1 { inbound.window?.accept(sequence - 1) }
        #expect(try inbound.open(packet) == Opened(payload: payload, nextHeader: nextHeader, sequence: sequence))

        let outbound = try ESPOutboundSA(sa(.outbound))
        outbound.nextSequence = sequence
        let iv = Array(packet[8..<(8 + encryption.espIVLength)])
        let sealed = try outbound.seal(payload, nextHeader: mode == .transport ? nextHeader : nil, iv: iv)
        #expect(hexString(sealed) == hexString(packet))
    }

    @Test("all 6 scapy ESP vectors are there")
    func count() { #expect(Self.vectors.count == 6) }
}
