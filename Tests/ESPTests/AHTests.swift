import Testing
import IPsecCrypto
import PacketCapture
@testable import ESP
import TestSupport

/// AH (RFC 4302): real captures parse; seal/open round trips in both modes and IP versions.
@Suite struct AHTests {
    // Source: Fixtures/captures/public/zeek-spicy-ipsec/traces/IPsec_ESP-AH_tunnel_mode.cap (10 frames,
    // AH with HMAC-96 around ESP) and Fixtures/captures/public/ndpi/ah.pcapng. SPIs and sequence
    // numbers checked against tshark 4.0 (`-e ah.spi -e ah.sequence`).
    @Test("AH headers of the zeek and nDPI captures parse", arguments: [
        ("zeek-spicy-ipsec/traces/IPsec_ESP-AH_tunnel_mode.cap", [UInt32(0x8179_b705), 0xba8b_d060]),
        ("ndpi/ah.pcapng", [0x6048_16f6, 0xaf86_83ef]),
    ])
    func captures(file: String, spis: [UInt32]) throws {
        var seen: [UInt32: [UInt32]] = [:]
        for packet in try CaptureTests.frames("captures/public/\(file)") {
            guard case .ah(let payload)? = packet.transport else { continue }
            let ah = try #require(AHHeader(payload), "frame \(packet.frameIndex)")
            #expect(ah.icv.count == 12, "HMAC-96 ICV")
            #expect([4, 41, 50, 1, 6, 17].contains(ah.nextHeader))
            seen[ah.spi, default: []].append(ah.sequenceNumber)
        }
        #expect(Set(seen.keys) == Set(spis))
        for sequences in seen.values { #expect(sequences.first == 1 && sequences == sequences.sorted()) }
        #expect(AHHeader([0x04, 0x09, 0, 0]) == nil)
        #expect(AHHeader([0x04, 0xFF] + [UInt8](repeating: 0, count: 20)) == nil)
    }

    static func pair(_ integrity: IntegrityAlgorithm, mode: SecurityAssociation.Mode, esn: Bool = false) throws -> (AHOutboundSA, AHInboundSA) {
        var entropy = SeededEntropy(seed: 42)
        let key = entropy.bytes(integrity.keyLength)
        func sa(_ d: SecurityAssociation.Direction) -> SecurityAssociation {
            SecurityAssociation(spi: 0xA0A0_0001, direction: d, securityProtocol: .ah, encryption: .null, integrity: integrity,
                    encryptionKey: SecretBytes([]), integrityKey: SecretBytes(key), mode: mode, extendedSequenceNumbers: esn)
        }
        return (try AHOutboundSA(sa(.outbound)), try AHInboundSA(sa(.inbound)))
    }

    static func ipv4(_ payload: Int, proto: UInt8 = 17) -> [UInt8] {
        var p = RoundTripTests.ipv4Packet(length: 20 + payload)
        p[9] = proto; p[12] = 192; p[13] = 0; p[14] = 2; p[15] = 1; p[16] = 198; p[17] = 51; p[18] = 100; p[19] = 7
        var sum = InternetChecksum()
        p.withUnsafeBytes { sum.add(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
        let c = sum.finish(); p[10] = UInt8(c >> 8); p[11] = UInt8(c & 0xFF)
        return p
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let integrity: IntegrityAlgorithm, mode: SecurityAssociation.Mode, version: Int
        var testDescription: String { "\(integrity.keyword) \(mode) IPv\(version)" }
    }

    static let cases: [Case] = [IntegrityAlgorithm.sha1, .md5, .sha256, .sha384, .sha512, .aesXCBC].flatMap { i in
        [SecurityAssociation.Mode.transport, .tunnel].flatMap { m in [4, 6].map { Case(integrity: i, mode: m, version: $0) } }
    }

    @Test("seal/open round trip; mutable fields may change in transit", arguments: try nonEmpty(cases))
    func roundTrip(c: Case) throws {
        let (out, inbound) = try Self.pair(c.integrity, mode: c.mode)
        let original = c.version == 4 ? Self.ipv4(100) : RoundTripTests.ipv6Packet(payload: 100)
        let outerHeader = c.version == 4 ? Array(Self.ipv4(0).prefix(20)) : Array(RoundTripTests.ipv6Packet(payload: 0).prefix(40))
        let headroom = 128
        var buffer = [UInt8](repeating: 0, count: headroom + original.count)
        buffer.replaceSubrange(headroom..., with: original)
        let range = headroom..<buffer.count
        let sealed = try mutating(&buffer) { b throws(ESPError) in
            c.mode == .transport ? try out.seal(b, packet: range)
                : try outerHeader.withUnsafeBytes { o in Result { () throws(ESPError) in try out.seal(b, inner: range, outerHeader: o) } }.get()
        }
        var packet = Array(buffer[sealed.packet])
        let ipHeader = c.version == 4 ? 20 : 40
        #expect(packet[c.version == 4 ? 9 : 6] == 51)
        let ah = try #require(AHHeader(packet[ipHeader...]))
        #expect(ah.spi == 0xA0A0_0001 && ah.sequenceNumber == 1)
        #expect(ah.length % (c.version == 4 ? 4 : 8) == 0)
        #expect(ah.nextHeader == (c.mode == .tunnel ? (c.version == 4 ? 4 : 41) : 17))

        // A router changes TTL / hop limit and TOS / traffic class: still authentic.
        if c.version == 4 { packet[8] -= 1; packet[1] = 0x10 } else { packet[7] -= 1; packet[1] = 0x30 }
        var tampered = packet
        tampered[tampered.count - 1] ^= 1
        let state = inbound.window.top
        #expect(espError { try mutating(&tampered) { b throws(ESPError) in try inbound.open(b, packet: 0..<b.count) } } == .authenticationFailed)
        #expect(inbound.window.top == state)

        let opened = try mutating(&packet) { b throws(ESPError) in try inbound.open(b, packet: 0..<b.count) }
        let restored = Array(packet[opened.payload])
        if c.mode == .tunnel {
            #expect(restored == original)
        } else {
            #expect(restored.count == original.count && restored.dropFirst(ipHeader) == original.dropFirst(ipHeader))
            #expect(restored[c.version == 4 ? 9 : 6] == 17)
        }
        var replay = Array(buffer[sealed.packet])
        #expect(espError { try mutating(&replay) { b throws(ESPError) in try inbound.open(b, packet: 0..<b.count) } } == .replayed(1))
    }

    @Test("AH with ESN authenticates the high-order bits")
    func esn() throws {
        let (out, inbound) = try Self.pair(.sha256, mode: .transport, esn: true)
        out.nextSequence = (5 << 32) + 9
        inbound.window.accept((5 << 32) + 8)
        var buffer = [UInt8](repeating: 0, count: 64) + Self.ipv4(40)
        let n = buffer.count
        let sealed = try mutating(&buffer) { b throws(ESPError) in try out.seal(b, packet: 64..<n) }
        var packet = Array(buffer[sealed.packet])
        #expect(try mutating(&packet) { b throws(ESPError) in try inbound.open(b, packet: 0..<b.count) }.sequenceNumber == (5 << 32) + 9)
    }
}

/// AH against an independent implementation.
@Suite struct AHScapyTests {
    // Source: Fixtures/ah-vectors/scapy_ah.json, made by Scripts/make-ah-vectors.py with scapy 2.8.0's
    // RFC 4302 code (HMAC-SHA1-96, HMAC-MD5-96, HMAC-SHA2-256-128, HMAC-SHA2-512-256; IPv4/IPv6;
    // transport/tunnel). "routed" is the packet after TTL/TOS changes in transit, verified by scapy.
    nonisolated(unsafe) static let vectors = (try? Fixtures.json("ah-vectors/scapy_ah.json")["vectors"] as? [[String: Any]]) ?? []

    static func integrity(_ name: String) -> IntegrityAlgorithm {
        switch name {
        case "HMAC-SHA1-96": .sha1
        case "HMAC-MD5-96": .md5
        case "SHA2-256-128": .sha256
        default: .sha512
        }
    }

    @Test("scapy's AH packets open, also after routing, and re-seal byte for byte", arguments: try nonEmpty(vectors.indices))
    func vector(index: Int) throws {
        let v = Self.vectors[index]
        let mode: SecurityAssociation.Mode = v["mode"] as! String == "tunnel" ? .tunnel : .transport
        func sa(_ d: SecurityAssociation.Direction) -> SecurityAssociation {
            SecurityAssociation(spi: 0x00A0_B0C0, direction: d, securityProtocol: .ah, encryption: .null,
                    integrity: Self.integrity(v["algorithm"] as! String), encryptionKey: SecretBytes([]),
                    integrityKey: SecretBytes(hex(v["key"] as! String)), mode: mode)
        }
        let original = hex(v["original"] as! String), sealed = hex(v["sealed"] as! String)
        for name in ["sealed", "routed"] {
            let inbound = try AHInboundSA(sa(.inbound))
            var packet = hex(v[name] as! String)
            let opened = try mutating(&packet) { b throws(ESPError) in try inbound.open(b, packet: 0..<b.count) }
            #expect(opened.sequenceNumber == 7, "\(name)")
            let restored = Array(packet[opened.payload])
            let ipHeader = v["ip_version"] as! Int == 4 ? 20 : 40
            if mode == .tunnel {
                #expect(restored == original, "\(name)")
            } else {
                #expect(restored.dropFirst(ipHeader) == original.dropFirst(ipHeader), "\(name)")
                if name == "sealed" { #expect(restored == original) }
            }
        }

        let outbound = try AHOutboundSA(sa(.outbound))
        outbound.nextSequence = 7
        let ipHeader = v["ip_version"] as! Int == 4 ? 20 : 40
        var buffer = [UInt8](repeating: 0, count: 128) + original
        let n = buffer.count
        let result = try mutating(&buffer) { b throws(ESPError) in
            if mode == .transport { return try outbound.seal(b, packet: 128..<n) }
            let outer = Array(sealed.prefix(ipHeader))
            return try outer.withUnsafeBytes { o in
                Result { () throws(ESPError) in try outbound.seal(b, inner: 128..<n, outerHeader: o) }
            }.get()
        }
        #expect(hexString(buffer[result.packet]) == hexString(sealed))
    }

    @Test("all 16 scapy AH vectors are there")
    func count() { #expect(Self.vectors.count == 16) }
}
