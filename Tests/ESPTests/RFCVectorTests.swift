import Testing
import IPsecCrypto
@testable import ESP
import TestSupport

/// Published ESP packets: RFC 3602 §4 cases 5-8 and draft-mcgrew-gcm-test-01.
@Suite struct RFCVectorTests {
    // Source: RFC 3602 §4 (Fixtures/rfc-vectors/rfc3602_aes_cbc.json, esp_cases 5-8):
    // AES-128-CBC, no integrity; each packet opens to its payload and re-seals byte for byte.
    nonisolated(unsafe) static let rfc3602 = (try? Fixtures.json("rfc-vectors/rfc3602_aes_cbc.json")["esp_cases"] as? [[String: Any]]) ?? []

    @Test("RFC 3602 §4 ESP packets open and re-seal exactly", arguments: try nonEmpty(rfc3602.indices))
    func rfc3602Packet(index: Int) throws {
        let c = Self.rfc3602[index]
        let spi = UInt32(c["spi"] as! String, radix: 16)!
        let seq = UInt64(c["seq"] as! Int)
        let mode: SecurityAssociation.Mode = c["mode"] as! String == "tunnel" ? .tunnel : .transport
        let key = hex(c["key"] as! String)
        let packet = hex(c["esp_packet"] as! String)
        let payload = hex(c["payload_before_padding"] as! String)
        let nextHeader = UInt8(c["next_header"] as! Int)

        let inbound = try ESPInboundSA(childSA(spi: spi, direction: .inbound, encryption: .aesCBC(keyBits: 128), key: key, mode: mode))
        let opened = try inbound.open(packet)
        #expect(opened == Opened(payload: payload, nextHeader: nextHeader, sequence: seq))

        let outbound = try ESPOutboundSA(childSA(spi: spi, direction: .outbound, encryption: .aesCBC(keyBits: 128), key: key, mode: mode))
        outbound.nextSequence = seq
        let sealed = try outbound.seal(payload, nextHeader: mode == .transport ? nextHeader : nil, iv: hex(c["iv"] as! String))
        #expect(hexString(sealed) == hexString(packet))
    }

    // Source: draft-mcgrew-gcm-test-01 (Fixtures/rfc-vectors/draft-mcgrew-gcm-test-01_esp_gcm_gmac.json):
    // 17 AES-GCM / AES-GMAC ESP packets, ESN among them; the plaintext includes the ESP trailer.
    nonisolated(unsafe) static let gcm = (try? Fixtures.json("rfc-vectors/draft-mcgrew-gcm-test-01_esp_gcm_gmac.json")["cases"] as? [[String: Any]]) ?? []

    @Test("draft-mcgrew-gcm-test-01: all 17 packets open and re-seal exactly", arguments: try nonEmpty(gcm.indices))
    func mcgrewPacket(index: Int) throws {
        let c = Self.gcm[index]
        let bits = c["key_bits"] as! Int
        let isGMAC = (c["algorithm"] as! String).contains("GMAC")
        let encryption: EncryptionAlgorithm = isGMAC ? .aesGMAC(keyBits: bits) : .aesGCM(keyBits: bits, icvLength: 16)
        let keying = hex(c["key"] as! String) + hex(c["salt"] as! String)
        let spi = UInt32(c["spi"] as! String, radix: 16)!
        let esn = c["esn"] as! Bool
        let seq = UInt64(c["seq"] as! String, radix: 16)!
        let packet = hex(c["packet"] as! String)
        let plaintext: [UInt8] = isGMAC ? Array(hex(c["aad"] as! String).dropFirst(esn ? 20 : 16)) : hex(c["plaintext"] as! String)
        let padLength = Int(plaintext[plaintext.count - 2])
        let payload = Array(plaintext.prefix(plaintext.count - 2 - padLength))
        let nextHeader = plaintext.last!

        let inbound = try ESPInboundSA(childSA(spi: spi, direction: .inbound, encryption: encryption, key: keying,
                                               mode: .transport, esn: esn))
        // Put the window just below the vector's number so ESN inference lands on its high half.
        if seq > 1 { inbound.window?.accept(seq - 1) }
        let opened = try inbound.open(packet)
        #expect(opened == Opened(payload: payload, nextHeader: nextHeader, sequence: seq))

        let outbound = try ESPOutboundSA(childSA(spi: spi, direction: .outbound, encryption: encryption, key: keying,
                                                 mode: .transport, esn: esn))
        outbound.nextSequence = seq
        let sealed = try outbound.seal(payload, nextHeader: nextHeader, iv: hex(c["iv"] as! String))
        #expect(hexString(sealed) == hexString(packet))
    }

    @Test("the draft-mcgrew and RFC 3602 fixtures are all there")
    func counts() {
        #expect(Self.rfc3602.count == 4)
        #expect(Self.gcm.count == 17)
    }
}
