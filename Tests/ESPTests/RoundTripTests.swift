import Testing
import IPsecCrypto
import ISAKMPWire
@testable import ESP

/// Seal → open round trips over every transform, mode and encapsulation (no external data:
/// keys from a seeded generator).
@Suite struct RoundTripTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let encryption: EncryptionAlgorithm
        let integrity: IntegrityAlgorithm?
        var testDescription: String { "\(encryption.keyword)-\(integrity?.keyword ?? "aead")" }
    }

    static let cases: [Case] = [
        Case(encryption: .aesGCM(keyBits: 128, icvLength: 16), integrity: nil),
        Case(encryption: .aesGCM(keyBits: 256, icvLength: 12), integrity: nil),
        Case(encryption: .aesGCM(keyBits: 192, icvLength: 8), integrity: nil),
        Case(encryption: .aesGMAC(keyBits: 128), integrity: nil),
        Case(encryption: .aesCBC(keyBits: 128), integrity: .sha1),
        Case(encryption: .aesCBC(keyBits: 192), integrity: .md5),
        Case(encryption: .aesCBC(keyBits: 256), integrity: .sha256),
        Case(encryption: .aesCBC(keyBits: 256), integrity: .sha384),
        Case(encryption: .aesCBC(keyBits: 256), integrity: .sha512),
        Case(encryption: .tripleDES, integrity: .sha1),
        Case(encryption: .des, integrity: .md5),
        Case(encryption: .aesCTR(keyBits: 128), integrity: .aesXCBC),
        Case(encryption: .aesCTR(keyBits: 256), integrity: .sha256),
        Case(encryption: .null, integrity: .sha256),
        Case(encryption: .aesCCM(keyBits: 128, icvLength: 16), integrity: nil),
        Case(encryption: .aesCCM(keyBits: 256, icvLength: 8), integrity: nil),
        Case(encryption: .aesCCM(keyBits: 192, icvLength: 12), integrity: nil),
        Case(encryption: .blowfish(keyBits: 128), integrity: .sha256),
        Case(encryption: .blowfish(keyBits: 256), integrity: .sha1),
        Case(encryption: .cast128, integrity: .sha1),
    ]

    static func pair(_ c: Case, mode: SecurityAssociation.Mode = .tunnel, encapsulation: SecurityAssociation.Encapsulation = .none,
                     esn: Bool = false, truncbug: Bool = false, tfc: Int? = nil, seed: UInt64 = 1) throws -> (ESPOutboundSA, ESPInboundSA) {
        var entropy = SeededEntropy(seed: seed)
        let key = entropy.bytes(c.encryption.keyingMaterialLength)
        let integrityKey = entropy.bytes(c.integrity?.keyLength ?? 0)
        func sa(_ d: SecurityAssociation.Direction) -> SecurityAssociation {
            childSA(direction: d, encryption: c.encryption, integrity: c.integrity, key: key, integrityKey: integrityKey,
                    mode: mode, encapsulation: encapsulation, esn: esn, truncbug: truncbug, tfc: tfc)
        }
        return (try ESPOutboundSA(sa(.outbound), entropy: &entropy), try ESPInboundSA(sa(.inbound)))
    }

    static func ipv4Packet(length: Int) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: length)
        p[0] = 0x45; p[2] = UInt8(length >> 8); p[3] = UInt8(length & 0xFF); p[8] = 64; p[9] = 17
        for i in 20..<length { p[i] = UInt8(truncatingIfNeeded: i) }
        return p
    }

    static func ipv6Packet(payload: Int) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: 40 + payload)
        p[0] = 0x60; p[4] = UInt8(payload >> 8); p[5] = UInt8(payload & 0xFF); p[6] = 17; p[7] = 64
        for i in 40..<p.count { p[i] = UInt8(truncatingIfNeeded: i * 7) }
        return p
    }

    @Test("tunnel mode, IPv4 and IPv6 inner packets of many sizes", arguments: cases)
    func tunnel(c: Case) throws {
        let (out, inbound) = try Self.pair(c)
        for size in [20, 21, 63, 64, 100, 1400, 8900] {
            let inner = Self.ipv4Packet(length: size)
            let packet = try out.seal(inner)
            let alignment = max(4, c.encryption.blockSize)
            let expectedLength = 8 + c.encryption.espIVLength + (size + 2 + alignment - 1) / alignment * alignment
                + SecurityAssociation.icvLengthOf(c)
            #expect(packet.count == expectedLength)
            #expect(try inbound.open(packet) == Opened(payload: inner, nextHeader: 4, sequence: out.sequenceNumber - 1))
        }
        let v6 = Self.ipv6Packet(payload: 333)
        #expect(try inbound.open(try out.seal(v6)).nextHeader == 41)
        #expect(inbound.packetsProcessed == 8)
    }

    @Test("transport mode carries the caller's protocol", arguments: cases)
    func transport(c: Case) throws {
        let (out, inbound) = try Self.pair(c, mode: .transport)
        let segment: [UInt8] = Array(0..<77)
        #expect(try inbound.open(try out.seal(segment, nextHeader: 6)) == Opened(payload: segment, nextHeader: 6, sequence: 1))
    }

    @Test("ESN round trip across the 2^32 boundary", arguments: cases)
    func esn(c: Case) throws {
        let (out, inbound) = try Self.pair(c, esn: true)
        out.nextSequence = UInt64(UInt32.max) - 1
        inbound.window?.accept(UInt64(UInt32.max) - 2)
        let expectations: [UInt64] = [UInt64(UInt32.max) - 1, UInt64(UInt32.max), 1 << 32, (1 << 32) + 1]
        for expected in expectations {
            let inner = Self.ipv4Packet(length: 60)
            #expect(try inbound.open(try out.seal(inner)).sequence == expected)
        }
    }

    @Test("UDP encapsulation writes an 8-byte header on 4500 that classifies as ESP")
    func udpEncapsulation() throws {
        let (out, inbound) = try Self.pair(Self.cases[0], encapsulation: .udp(sourcePort: 4500, destinationPort: 4500))
        #expect(out.headroom == 8 + 8 + 8)
        let inner = Self.ipv4Packet(length: 100)
        let datagram = try out.seal(inner)
        let header = try #require(datagram.withUnsafeBytes { UDPEncapsulation.readHeader($0) })
        #expect(header.sourcePort == 4500 && header.destinationPort == 4500 && header.payload == 8..<datagram.count)
        #expect(datagram[6] == 0 && datagram[7] == 0, "checksum zero (RFC 3948 §2.1)")
        let esp = Array(datagram[8...])
        #expect(esp.withUnsafeBytes(UDPEncapsulated.kind) == .esp)
        #expect(try inbound.open(esp).payload == inner)
    }

    @Test("TFC padding is added in tunnel mode and removed by the inner length")
    func tfc() throws {
        let (out, inbound) = try Self.pair(Self.cases[0], tfc: 256)
        let inner = Self.ipv4Packet(length: 40)
        let packet = try out.seal(inner)
        #expect(packet.count == 8 + 8 + 256 + 4 + 16)
        #expect(try inbound.open(packet).payload == inner)
    }

    @Test("sha2-truncbug gives HMAC-SHA-256 a 96-bit ICV, only when asked")
    func truncbug() throws {
        let c = Case(encryption: .aesCBC(keyBits: 128), integrity: .sha256)
        let (out, inbound) = try Self.pair(c, truncbug: true)
        let packet = try out.seal(Self.ipv4Packet(length: 64))
        #expect(packet.count == 8 + 16 + 80 + 12)
        #expect(try inbound.open(packet).payload.count == 64)
        let (_, strict) = try Self.pair(c)
        // Read with a 16-byte ICV, the CBC part is no longer whole blocks.
        #expect(espError { try strict.open(packet) } == .truncated)
    }

    @Test("CBC IVs differ packet to packet")
    func cbcIVs() throws {
        let (out, _) = try Self.pair(Self.cases[4])
        var ivs = Set<[UInt8]>()
        for _ in 0..<100 { ivs.insert(Array(try out.seal(Self.ipv4Packet(length: 40))[8..<24])) }
        #expect(ivs.count == 100)
    }

    @Test("transport-mode checksum fix-up (RFC 3948 §3.1.2) yields a verifiable UDP checksum")
    func transportChecksum() {
        var segment: [UInt8] = [0x12, 0x34, 0x00, 0x35, 0x00, 0x0C, 0xAB, 0xCD, 1, 2, 3, 4]
        let source: [UInt8] = [10, 0, 0, 1], destination: [UInt8] = [10, 0, 0, 2]
        segment.withUnsafeMutableBytes { s in
            source.withUnsafeBytes { a in destination.withUnsafeBytes { b in
                UDPEncapsulation.fixTransportChecksum(s, proto: 17, source: a, destination: b)
            } }
        }
        var sum = InternetChecksum()
        source.withUnsafeBytes { sum.add($0) }
        destination.withUnsafeBytes { sum.add($0) }
        sum.add(UInt32(17)); sum.add(UInt32(segment.count))
        segment.withUnsafeBytes { sum.add($0) }
        #expect(sum.finish() == 0)
    }
}

extension RoundTripTests {
    @Test("NAT-OA incremental checksum update equals a full recomputation (RFC 3948 §3.1.2, RFC 1624)")
    func incrementalChecksum() {
        let original: [UInt8] = [192, 0, 2, 10], observed: [UInt8] = [198, 51, 100, 77], destination: [UInt8] = [10, 1, 2, 3]
        for proto: UInt8 in [6, 17] {
            var segment = [UInt8](repeating: 0, count: 40)
            for i in segment.indices { segment[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 11) }
            if proto == 17 { segment[4] = 0; segment[5] = 40 }
            func full(_ source: [UInt8]) -> [UInt8] {
                var copy = segment
                copy.withUnsafeMutableBytes { s in
                    source.withUnsafeBytes { a in destination.withUnsafeBytes { b in
                        UDPEncapsulation.fixTransportChecksum(s, proto: proto, source: a, destination: b)
                    } }
                }
                return copy
            }
            var adjusted = full(original)
            adjusted.withUnsafeMutableBytes { s in
                original.withUnsafeBytes { o in observed.withUnsafeBytes { n in
                    UDPEncapsulation.adjustTransportChecksum(s, proto: proto, original: o, observed: n)
                } }
            }
            #expect(adjusted == full(observed), "protocol \(proto)")
        }
    }
}

extension SecurityAssociation {
    static func icvLengthOf(_ c: RoundTripTests.Case) -> Int {
        childSA(direction: .outbound, encryption: c.encryption, integrity: c.integrity, key: []).icvLength
    }
}
