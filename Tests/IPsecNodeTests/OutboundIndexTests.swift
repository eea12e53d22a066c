@testable import IKEv1
@testable import IPsecNode
import Testing
import TestSupport

/// The outbound SA lookup by remote block (issue 19: flat as SAs grow): the same answer as
/// checking every SA newest first, for subnets, single hosts, ranges, IPv4 and IPv6.
struct OutboundIndexTests {
    @Test(arguments: try nonEmpty([
        ("10.2.0.0/24", 24 as UInt8?), ("10.2.3.4", 32), ("0.0.0.0/0", 0), ("10.2.0.1-10.2.0.9", nil), ("10.2.0.0-10.2.0.255", 24),
        ("2001:db8::/32", 32), ("2001:db8::1", 128), ("::/0", 0), ("2001:db8::/64", 64), ("2001:db8::/80", 80),
        ("2001:db8::1-2001:db8::3", nil),
    ] as [(String, UInt8?)]))
    func aSubnetIsAnAlignedBlockAndARangeIsNot(notation: String, length: UInt8?) throws {
        let s = CompiledSelector(try TrafficSelector(notation: notation), host: [192, 0, 2, 2])
        #expect(s.prefixLength == length)
        if let length { #expect(s.low.masked(prefix: length, version: s.version) == s.low) }
    }

    /// 300 SAs with random remote selectors (subnets of several lengths, hosts, ranges, some with
    /// a protocol or port) and 3,000 random packets: the index picks what a scan picks.
    @Test func theIndexAgreesWithAScanOfEverySA() throws {
        var rng = SplitMix64(seed: 1919)
        func byte(_ n: UInt64) -> UInt8 { UInt8(rng.next() % n) }
        var selectors: [CompiledSelector] = []
        for _ in 0..<300 {
            let net = "10.\(byte(4)).\(byte(8))"
            let notation: String
            switch rng.next() % 5 {
            case 0: notation = "\(net).0/24"
            case 1: notation = "\(net).\(byte(255))"
            case 2: notation = "10.\(byte(4)).0.0/16"
            case 3: let a = byte(200); notation = "\(net).\(a)-\(net).\(a + byte(50))"
            default: notation = "\(net).\(byte(4) * 64)/26[udp/\(53 + rng.next() % 2)]"
            }
            selectors.append(CompiledSelector(try TrafficSelector(notation: notation), host: [192, 0, 2, 2]))
        }
        let index = OutboundIndex(selectors)
        var found = 0
        for _ in 0..<3000 {
            let packet = SelectorTests.ipv4([198, 51, 100, 1], [10, byte(6), byte(8), byte(255)], proto: rng.next() % 2 == 0 ? 17 : 1,
                                            ports: (1000, UInt16(53 + rng.next() % 2)))
            let flow = try #require(SelectorTests.flow(packet))
            let covers = { (i: Int) in selectors[i].contains(flow.version, flow.destination, port: flow.ports?.destination)
                && (selectors[i].ipProtocol == 0 || selectors[i].ipProtocol == flow.ipProtocol) }
            let scan = selectors.indices.last(where: covers)
            #expect(index.newest(version: flow.version, destination: flow.destination, where: covers) == scan)
            if scan != nil { found += 1 }
        }
        #expect(found > 500 && found < 3000, "\(found) of 3000 packets had an SA: the draw tests both answers")
    }
}
