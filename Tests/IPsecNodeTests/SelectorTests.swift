@testable import IKEv1
import IPsecCrypto
@testable import IPsecNode
import ISAKMPWire
import Testing
import TestSupport

/// RFC 4301 §4.4.1 selectors on packets read in place: addresses, protocol, ports, fragments.
struct SelectorTests {
    /// An IPv4 packet of `proto` with 8 bytes of payload whose first four are the ports.
    static func ipv4(_ source: [UInt8], _ destination: [UInt8], proto: UInt8, ports: (UInt16, UInt16) = (0, 0),
                     fragmentOffset: UInt16 = 0) -> [UInt8] {
        [0x45, 0, 0, 28, 0, 1, UInt8(fragmentOffset >> 8), UInt8(fragmentOffset & 0xff), 64, proto, 0, 0]
            + source + destination
            + [UInt8(ports.0 >> 8), UInt8(ports.0 & 0xff), UInt8(ports.1 >> 8), UInt8(ports.1 & 0xff), 0, 0, 0, 0]
    }

    static func ipv6(_ source: [UInt8], _ destination: [UInt8], proto: UInt8, ports: (UInt16, UInt16)) -> [UInt8] {
        [0x60, 0, 0, 0, 0, 8, proto, 64] + source + destination
            + [UInt8(ports.0 >> 8), UInt8(ports.0 & 0xff), UInt8(ports.1 >> 8), UInt8(ports.1 & 0xff), 0, 0, 0, 0]
    }

    /// A child SA of `local` ↔ `remote` selectors on 192.0.2.1 ↔ 192.0.2.2.
    static func pair(_ local: TrafficSelector?, _ remote: TrafficSelector?) -> SelectorPair {
        let keys = ChildSAKeys(spi: 0x1000, encryptionKey: .init([]), integrityKey: .init([]))
        let child = IKEv1.ChildSA(isakmpSA: .zero, messageID: 1, ipsecProtocol: .esp,
                                  proposal: try! ChildProposal.proposals(notation: "aes128gcm16")[0], mode: .tunnel,
                                  udpEncapsulated: false, local: SocketAddress(address: [192, 0, 2, 1], port: 500),
                                  remote: SocketAddress(address: [192, 0, 2, 2], port: 500),
                                  localTrafficSelector: local, remoteTrafficSelector: remote, inbound: keys, outbound: keys,
                                  lifetime: Lifetime(seconds: 60), installed: EngineTime(milliseconds: 0), peerOriginalAddress: nil)
        return SelectorPair(child)
    }

    static func flow(_ bytes: [UInt8]) -> PacketFlow? {
        bytes.withUnsafeBytes { PacketFlow($0, 0..<bytes.count) }
    }

    static let ours = try! TrafficSelector(notation: "198.51.100.0/24")
    static let theirs = try! TrafficSelector(notation: "203.0.113.0/24")

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var local: TrafficSelector?
        var remote: TrafficSelector?
        var packet: [UInt8]
        var outbound: Bool
        var inbound: Bool
        var testDescription: String { name }
    }

    static let h1: [UInt8] = [198, 51, 100, 7], h2: [UInt8] = [203, 0, 113, 1], stranger: [UInt8] = [10, 66, 0, 1]

    static let cases: [Case] = [
        Case(name: "subnets, any protocol", local: ours, remote: theirs, packet: ipv4(h1, h2, proto: 1), outbound: true, inbound: false),
        Case(name: "subnets, reverse direction", local: ours, remote: theirs, packet: ipv4(h2, h1, proto: 1), outbound: false, inbound: true),
        Case(name: "spoofed source", local: ours, remote: theirs, packet: ipv4(stranger, h1, proto: 1), outbound: false, inbound: false),
        Case(name: "GRE-only SA carries GRE", local: TrafficSelector(ours.identity, ipProtocol: 47),
             remote: TrafficSelector(theirs.identity, ipProtocol: 47), packet: ipv4(h2, h1, proto: 47), outbound: false, inbound: true),
        Case(name: "GRE-only SA refuses ICMP", local: TrafficSelector(ours.identity, ipProtocol: 47),
             remote: TrafficSelector(theirs.identity, ipProtocol: 47), packet: ipv4(h2, h1, proto: 1), outbound: false, inbound: false),
        Case(name: "GRE-only SA refuses ICMP outbound", local: TrafficSelector(ours.identity, ipProtocol: 47),
             remote: TrafficSelector(theirs.identity, ipProtocol: 47), packet: ipv4(h1, h2, proto: 1), outbound: false, inbound: false),
        Case(name: "udp/1701 on our side", local: TrafficSelector(ours.identity, ipProtocol: 17, port: 1701),
             remote: TrafficSelector(theirs.identity, ipProtocol: 17), packet: ipv4(h1, h2, proto: 17, ports: (1701, 40000)),
             outbound: true, inbound: false),
        Case(name: "udp/1701 refuses another port", local: TrafficSelector(ours.identity, ipProtocol: 17, port: 1701),
             remote: TrafficSelector(theirs.identity, ipProtocol: 17), packet: ipv4(h1, h2, proto: 17, ports: (1702, 40000)),
             outbound: false, inbound: false),
        Case(name: "a port selector refuses a non-initial fragment", local: TrafficSelector(ours.identity, ipProtocol: 17, port: 1701),
             remote: TrafficSelector(theirs.identity, ipProtocol: 17),
             packet: ipv4(h1, h2, proto: 17, ports: (1701, 40000), fragmentOffset: 185), outbound: false, inbound: false),
        Case(name: "no selectors: the SA's host addresses", local: nil, remote: nil,
             packet: ipv4([192, 0, 2, 1], [192, 0, 2, 2], proto: 6, ports: (5000, 80)), outbound: true, inbound: false),
        Case(name: "no selectors: another host refused", local: nil, remote: nil,
             packet: ipv4([192, 0, 2, 1], [192, 0, 2, 3], proto: 6, ports: (5000, 80)), outbound: false, inbound: false),
        Case(name: "IPv4 selectors refuse IPv6", local: ours, remote: theirs,
             packet: ipv6([UInt8](repeating: 0, count: 15) + [1], [UInt8](repeating: 0, count: 15) + [2], proto: 6, ports: (1, 2)),
             outbound: false, inbound: false),
        Case(name: "IPv6 subnets with tcp/443", local: TrafficSelector(.ipv6Subnet(address: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12),
                                                                                   mask: [UInt8](repeating: 0xff, count: 8) + [UInt8](repeating: 0, count: 8))),
             remote: TrafficSelector(.ipv6(Array(repeating: 0, count: 15) + [9]), ipProtocol: 6, port: 443),
             packet: ipv6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [5], [UInt8](repeating: 0, count: 15) + [9],
                          proto: 6, ports: (50000, 443)), outbound: true, inbound: false),
    ]

    @Test(arguments: try nonEmpty(cases))
    func selectorsCoverExactlyTheirTraffic(_ c: Case) throws {
        let flow = try #require(Self.flow(c.packet))
        let pair = Self.pair(c.local, c.remote)
        #expect(pair.coversOutbound(flow) == c.outbound)
        #expect(pair.coversInbound(flow) == c.inbound)
    }

    @Test(arguments: [[UInt8](), [0x45], [0x45] + [UInt8](repeating: 0, count: 18), [0x4f] + [UInt8](repeating: 0, count: 19),
                      [0x60] + [UInt8](repeating: 0, count: 30), [0x15] + [UInt8](repeating: 0, count: 40)])
    func truncatedOrForeignHeadersAreNoFlow(_ bytes: [UInt8]) {
        #expect(Self.flow(bytes) == nil)
    }

    @Test func rawIPv4PayloadIsFoundOnlyInAConsistentHeader() {
        let packet: [UInt8] = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, 50, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2] + [UInt8](repeating: 1, count: 8)
        packet.withUnsafeBytes { #expect(RawIPSocket.ipv4Payload($0, protocol: 50) == 20..<28) }
        var longer = packet
        longer[3] = 40   // claims 40 bytes, 28 present
        longer.withUnsafeBytes { #expect(RawIPSocket.ipv4Payload($0, protocol: 50) == nil) }
        var otherProtocol = packet
        otherProtocol[9] = 17
        otherProtocol.withUnsafeBytes { #expect(RawIPSocket.ipv4Payload($0, protocol: 50) == nil) }
        var shortHeader = packet
        shortHeader[0] = 0x44
        shortHeader.withUnsafeBytes { #expect(RawIPSocket.ipv4Payload($0, protocol: 50) == nil) }
    }
}
