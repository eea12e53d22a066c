import ESP
import IKEv1
import IPsecCrypto
@testable import IPsecNode
import ISAKMPWire
import Testing

/// The largest inner packet for a path (RFC 4301 §8), checked against what ESP sealing really
/// makes: a packet of that size fits the path, one byte more does not.
struct TunMTUTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let notation: String
        let transport: Bool
        let ipv6: Bool
        let udp: Bool
        var testDescription: String { "\(notation) \(transport ? "transport" : "tunnel") \(ipv6 ? "IPv6" : "IPv4")\(udp ? " in UDP" : "")" }
    }

    static let cases: [Case] = ["aes128gcm16", "aes128-sha256", "aes256-sha512", "3des-sha1", "aes128ctr-sha1", "null-sha256"]
        .flatMap { n in [Case(notation: n, transport: false, ipv6: false, udp: true), Case(notation: n, transport: true, ipv6: false, udp: false),
                         Case(notation: n, transport: false, ipv6: true, udp: false), Case(notation: n, transport: true, ipv6: true, udp: true)] }

    /// The bytes on the path for an inner packet of `length`: IP header, UDP header, sealed ESP.
    static func onThePath(_ sa: SecurityAssociation, _ c: Case, length: Int) throws -> Int {
        var entropy = SystemEntropy()
        let keyed = SecurityAssociation(spi: 1, direction: .outbound, encryption: sa.encryption, integrity: sa.integrity,
                                        encryptionKey: SecretBytes(entropy.bytes(sa.encryption.keyingMaterialLength)),
                                        integrityKey: SecretBytes(entropy.bytes(sa.integrity?.keyLength ?? 0)),
                                        mode: c.transport ? .transport : .tunnel)
        let out = try ESPOutboundSA(keyed, entropy: &entropy)
        let ipHeader = c.ipv6 ? 40 : 20
        let payload = c.transport ? length - ipHeader : length
        var buffer = [UInt8](repeating: 0x45, count: out.headroom + payload + out.maximumTailroom)
        let h = out.headroom
        let sealed = try buffer.withUnsafeMutableBytes { b throws(ESPError) in
            try out.seal(b, payload: h..<(h + payload), nextHeader: c.transport ? 17 : nil)
        }
        return ipHeader + (c.udp ? 8 : 0) + sealed.packet.count
    }

    @Test(arguments: cases)
    func theLargestInnerPacketFitsAndOneMoreByteDoesNot(_ c: Case) throws {
        let proposal = try #require(try ChildProposal.proposals(notation: c.notation).first)
        let sa = SecurityAssociation(spi: 1, direction: .outbound, encryption: proposal.encryption ?? .null,
                                     integrity: proposal.integrity, encryptionKey: SecretBytes([]))
        for pathMTU in [1500, 1400, 1280, 9000] {
            let largest = TunMTU.largestInner(sa, transport: c.transport, ipv6: c.ipv6, udpEncapsulated: c.udp, pathMTU: pathMTU)
            #expect(try Self.onThePath(sa, c, length: largest) <= pathMTU, "\(largest) bytes sealed do not fit \(pathMTU)")
            #expect(try Self.onThePath(sa, c, length: largest + 1) > pathMTU, "\(largest + 1) bytes sealed still fit \(pathMTU)")
        }
    }

    @Test func ahTakesItsHeaderAlignedToTheIPVersion() throws {
        let proposal = try #require(try ChildProposal.proposals(notation: "ah-sha256").first)
        let sa = SecurityAssociation(spi: 1, direction: .outbound, securityProtocol: .ah, encryption: .null,
                                     integrity: proposal.integrity, encryptionKey: SecretBytes([]),
                                     integrityKey: SecretBytes([UInt8](repeating: 1, count: 32)))
        let out = try AHOutboundSA(sa)
        // RFC 4302 §2.2: 12 bytes and a 16-byte ICV, a multiple of 4 (IPv4) or 8 (IPv6) bytes.
        #expect(TunMTU.largestInner(sa, transport: false, ipv6: false, udpEncapsulated: false, pathMTU: 1500)
                == 1500 - 20 - out.headroom(version: 4))
        #expect(TunMTU.largestInner(sa, transport: true, ipv6: true, udpEncapsulated: false, pathMTU: 1500)
                == 1500 - out.headroom(version: 6))
    }

    static func config(_ name: String, peer: SocketAddress?, esp: String, mode: IPsecMode = .tunnel) throws -> PeerConfig {
        PeerConfig(name: name, localAddress: SocketAddress(address: [192, 0, 2, 1], port: 500), remoteAddress: peer,
                   localIdentity: .ipv4([192, 0, 2, 1]), authentication: .preSharedKey(SecretBytes(Array("k".utf8))),
                   ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
                   childProposals: try ChildProposal.proposals(notation: esp), mode: mode)
    }

    @Test func theDeviceTakesTheSmallestOverConnectionsAndProposals() throws {
        let v4 = SocketAddress(address: [192, 0, 2, 2], port: 500)
        let v6 = SocketAddress(address: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2], port: 500)
        let paths: (SocketAddress) -> Int? = { $0 == v4 ? 1500 : $0 == v6 ? 1400 : nil }
        // aes128-sha256 in UDP over IPv4: 1500 - 20 - 8 = 1472; less SPI, sequence, IV and ICV
        // (40) is 1432, whole AES blocks 1424, less pad length and next header 1422.
        #expect(TunMTU.derived(for: [try Self.config("a", peer: v4, esp: "aes128-sha256")], pathMTU: paths) == 1422)
        // The second proposal (AES-GCM, 4-byte alignment) fits more; the smallest wins.
        #expect(TunMTU.derived(for: [try Self.config("a", peer: v4, esp: "aes128gcm16,aes128-sha256")], pathMTU: paths) == 1422)
        // A peer without an address, or without a route, says nothing; the IPv6 one is smaller.
        let all = [try Self.config("any", peer: nil, esp: "aes128-sha256"), try Self.config("a", peer: v4, esp: "aes128-sha256"),
                   try Self.config("b", peer: v6, esp: "aes128gcm16")]
        #expect(TunMTU.derived(for: all, pathMTU: paths) == 1400 - 40 - 8 - 8 - 8 - 16 - 2)
        #expect(TunMTU.derived(for: [try Self.config("any", peer: nil, esp: "aes128-sha256")], pathMTU: paths) == TunMTU.fallback)
        #expect(TunMTU.derived(for: [try Self.config("a", peer: v4, esp: "aes128-sha256")], pathMTU: { _ in 600 }) == TunMTU.minimum)
    }
}
