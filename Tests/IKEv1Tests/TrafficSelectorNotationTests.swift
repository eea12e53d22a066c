import IKEv1
import ISAKMPWire
import Testing

/// Traffic selectors in swanctl.conf's notation (strongSwan's `local_ts`/`remote_ts`, as
/// vici_config.c parse_ts reads them), limited to what an IKEv1 client ID carries: what is read,
/// what is refused and why, what is printed, and which selector lies within which.
struct TrafficSelectorNotationTests {
    static let host: [UInt8] = [192, 0, 2, 1]
    static let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12)
    static let v6Mask64 = [UInt8](repeating: 0xff, count: 8) + [UInt8](repeating: 0, count: 8)
    static let net24 = Identity.ipv4Subnet(address: [10, 1, 0, 0], mask: [255, 255, 255, 0])

    @Test(arguments: [
        ("10.1.0.0/24", TrafficSelector(net24)),
        ("10.1.0.77/24", TrafficSelector(net24)),
        ("10.1.0.0/255.255.255.0", TrafficSelector(net24)),
        ("192.0.2.1", TrafficSelector(.ipv4(host))),
        ("192.0.2.1/32", TrafficSelector(.ipv4Subnet(address: host, mask: [255, 255, 255, 255]))),
        ("0.0.0.0/0", TrafficSelector(.ipv4Subnet(address: [0, 0, 0, 0], mask: [0, 0, 0, 0]))),
        ("2001:db8::/64", TrafficSelector(.ipv6Subnet(address: v6, mask: v6Mask64))),
        ("2001:db8::", TrafficSelector(.ipv6(v6))),
        ("10.1.0.1-10.1.0.9", TrafficSelector(.ipv4Range(start: [10, 1, 0, 1], end: [10, 1, 0, 9]))),
        ("10.1.0.0/24[gre]", TrafficSelector(net24, ipProtocol: 47)),
        ("10.1.0.0/24[GRE]", TrafficSelector(net24, ipProtocol: 47)),
        ("10.1.0.0/24[47]", TrafficSelector(net24, ipProtocol: 47)),
        ("10.1.0.0/24[udp/1701]", TrafficSelector(net24, ipProtocol: 17, port: 1701)),
        ("10.1.0.0/24[udp/l2tp]", TrafficSelector(net24, ipProtocol: 17, port: 1701)),
        ("10.1.0.0/24[tcp/http]", TrafficSelector(net24, ipProtocol: 6, port: 80)),
        ("10.1.0.0/24[17/53]", TrafficSelector(net24, ipProtocol: 17, port: 53)),
        ("10.1.0.0/24[udp/%any]", TrafficSelector(net24, ipProtocol: 17)),
        ("10.1.0.0/24[udp/any]", TrafficSelector(net24, ipProtocol: 17)),
        ("10.1.0.0/24[any]", TrafficSelector(net24)),
        ("10.1.0.0/24[sctp/0]", TrafficSelector(net24, ipProtocol: 132)),
        ("10.1.0.0/24[icmp]", TrafficSelector(net24, ipProtocol: 1)),
        ("2001:db8::/64[icmpv6]", TrafficSelector(.ipv6Subnet(address: v6, mask: v6Mask64), ipProtocol: 58)),
        ("2001:db8::/64[ipv6-icmp]", TrafficSelector(.ipv6Subnet(address: v6, mask: v6Mask64), ipProtocol: 58)),
        ("dynamic[udp/1701]", TrafficSelector(.ipv4(host), ipProtocol: 17, port: 1701)),
        ("[tcp/80]", TrafficSelector(.ipv4(host), ipProtocol: 6, port: 80)),
        ("dynamic", TrafficSelector(.ipv4(host))),
    ] as [(String, TrafficSelector)])
    func reads(text: String, selector: TrafficSelector) throws {
        #expect(try TrafficSelector(notation: text, dynamic: Self.host) == selector)
    }

    /// `dynamic` is the IKE address of that side, IPv6 included.
    @Test func dynamicTakesTheFamilyOfItsHost() throws {
        #expect(try TrafficSelector(notation: "[gre]", dynamic: Self.v6) == TrafficSelector(.ipv6(Self.v6), ipProtocol: 47))
    }

    @Test(arguments: [
        ("10.1.0.0/33", .prefixLength, "prefix length 33 is more than 32, the bits of an IPv4 address"),
        ("2001:db8::/129", .prefixLength, "prefix length 129 is more than 128, the bits of an IPv6 address"),
        ("10.1.0.0/", .prefixLength, "\"/\" is neither a prefix length 0-32 nor a netmask"),
        ("10.1.0.0/255.0.255.0", .prefixLength, "netmask 255.0.255.0 has holes"),
        ("10.1.0.0/ffff:ffff::", .addressFamily, "netmask ffff:ffff:: is IPv6, but address 10.1.0.0 is IPv4"),
        ("2001:db8::/255.255.0.0", .addressFamily, "netmask 255.255.0.0 is IPv4, but address 2001:db8:: is IPv6"),
        ("10.1.0.1-2001:db8::1", .addressFamily, "range 10.1.0.1-2001:db8::1 goes from an IPv4 to an IPv6 address"),
        ("10.1.0.9-10.1.0.1", .range, "range 10.1.0.9-10.1.0.1 ends before it starts"),
        ("10.1.0.256/24", .address, "\"10.1.0.256\" is not an IPv4 or IPv6 address"),
        ("office-net", .address, "\"office\" is not an IPv4 or IPv6 address"),
        ("10.1.0.0/24[foo]", .ipProtocol, "unknown protocol \"foo\": give a number 0-255, any, or one of icmp, tcp, udp, gre, esp, ah, ipv6-icmp, icmpv6, sctp"),
        ("10.1.0.0/24[256]", .ipProtocol, "protocol 256 is not between 0 and 255"),
        ("10.1.0.0/24[]", .ipProtocol, "unknown protocol \"\": give a number 0-255, any, or one of icmp, tcp, udp, gre, esp, ah, ipv6-icmp, icmpv6, sctp"),
        ("10.1.0.0/24[udp/65536]", .port, "port 65536 is not between 0 and 65535"),
        ("10.1.0.0/24[tcp/gopher]", .port, "unknown service \"gopher\": give a port 0-65535, %any, or one of domain, http, https, isakmp, l2tp, ipsec-nat-t"),
        ("10.1.0.0/24[udp/1024-2048]", .port, "port range 1024-2048: an IKEv1 client ID holds one port (RFC 2407 §4.6.2)"),
        ("10.1.0.0/24[gre/1701]", .protocolWithoutPorts, "protocol gre has no ports, but port 1701 is given"),
        ("10.1.0.0/24[icmp/8]", .protocolWithoutPorts, "protocol icmp has no ports, but port 8 is given"),
        ("10.1.0.0/24[any/80]", .protocolWithoutPorts, "port 80 needs a protocol with ports (tcp, udp, sctp), not any"),
        ("10.1.0.0/24[udp", .syntax, "[udp is not [protocol] or [protocol/port]: a selector ends with ]"),
        ("10.1.0.0/24[udp]/25", .syntax, "[udp]/25 is not [protocol] or [protocol/port]: a selector ends with ]"),
        ("10.1.0.0/24]", .syntax, "10.1.0.0/24] has a ] without a ["),
        ("", .syntax, "a selector is not empty"),
        ("dynamic[gre]", .dynamic, "dynamic stands for this side's IKE address, which is not known"),
    ] as [(String, TrafficSelector.NotationError.Kind, String)])
    func refuses(text: String, kind: TrafficSelector.NotationError.Kind, reason: String) {
        let error = #expect(throws: TrafficSelector.NotationError.self) { try TrafficSelector(notation: text) }
        #expect(error?.kind == kind, "\(text)")
        #expect(error?.reason == reason, "\(text)")
    }

    /// What status lines show: swanctl's notation, ports as numbers, protocols by name.
    @Test(arguments: [
        (TrafficSelector(net24, ipProtocol: 47), "10.1.0.0/24[gre]"),
        (TrafficSelector(net24, ipProtocol: 17, port: 1701), "10.1.0.0/24[udp/1701]"),
        (TrafficSelector(net24, ipProtocol: 115), "10.1.0.0/24[115]"),
        (TrafficSelector(net24), "10.1.0.0/24"),
        (TrafficSelector(.ipv4Range(start: [10, 1, 0, 1], end: [10, 1, 0, 9])), "10.1.0.1-10.1.0.9"),
        (TrafficSelector(.ipv6Subnet(address: v6, mask: v6Mask64), ipProtocol: 6, port: 443), "2001:db8::/64[tcp/443]"),
        (TrafficSelector(.ipv4(host), ipProtocol: 58), "192.0.2.1[ipv6-icmp]"),
    ] as [(TrafficSelector, String)])
    func prints(selector: TrafficSelector, text: String) {
        #expect(selector.description == text)
    }

    /// parse(print(x)) == x for every kind of address and suffix.
    @Test(arguments: [
        TrafficSelector(net24),
        TrafficSelector(net24, ipProtocol: 47),
        TrafficSelector(net24, ipProtocol: 17, port: 1701),
        TrafficSelector(net24, ipProtocol: 200),
        TrafficSelector(.ipv4(host), ipProtocol: 6, port: 65535),
        TrafficSelector(.ipv4Subnet(address: host, mask: [255, 255, 255, 255]), ipProtocol: 132, port: 9),
        TrafficSelector(.ipv4Subnet(address: [0, 0, 0, 0], mask: [0, 0, 0, 0])),
        TrafficSelector(.ipv4Range(start: [10, 1, 0, 1], end: [10, 1, 0, 9]), ipProtocol: 1),
        TrafficSelector(.ipv6(v6), ipProtocol: 58),
        TrafficSelector(.ipv6Subnet(address: v6, mask: v6Mask64), ipProtocol: 17, port: 500),
        TrafficSelector(.ipv6Range(start: v6, end: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0xff, count: 12))),
    ])
    func readsBackWhatItPrints(selector: TrafficSelector) throws {
        #expect(try TrafficSelector(notation: selector.description) == selector, "\(selector)")
    }

    /// charon's `is_contained_in`: addresses within, protocol and port any or equal.
    @Test(arguments: [
        ("10.1.0.0/24", "10.1.0.0/24", true),
        ("10.1.0.0/24", "10.1.0.0/25", true),
        ("10.1.0.0/24", "10.1.0.7", true),
        ("10.1.0.0/24", "10.1.0.1-10.1.0.255", true),
        ("10.1.0.0/24", "10.1.0.0/23", false),
        ("10.1.0.0/24", "10.1.0.200-10.1.1.1", false),
        ("10.1.0.7/32", "10.1.0.7", true),
        ("10.1.0.7", "10.1.0.7/32", true),
        ("10.1.0.0/24", "10.1.0.0/24[gre]", true),
        ("10.1.0.0/24[gre]", "10.1.0.0/24", false),
        ("10.1.0.0/24[gre]", "10.1.0.0/24[esp]", false),
        ("10.1.0.0/24[udp]", "10.1.0.0/24[udp/1701]", true),
        ("10.1.0.0/24[udp/1701]", "10.1.0.0/24[udp]", false),
        ("10.1.0.0/24[udp/1701]", "10.1.0.0/24[udp/1702]", false),
        ("0.0.0.0/0", "2001:db8::/64", false),
        ("::/0", "2001:db8::/64", true),
    ])
    func covers(ours: String, theirs: String, expected: Bool) throws {
        let a = try TrafficSelector(notation: ours), b = try TrafficSelector(notation: theirs)
        #expect(a.covers(b) == expected, "\(ours) covers \(theirs)")
    }

    /// A range reaches a route table as the fewest prefixes covering exactly it.
    @Test(arguments: [
        ("10.1.0.1-10.1.0.6", ["10.1.0.1/32", "10.1.0.2/31", "10.1.0.4/31", "10.1.0.6/32"]),
        ("10.1.0.0-10.1.1.255", ["10.1.0.0/23"]),
        ("0.0.0.0-255.255.255.255", ["0.0.0.0/0"]),
        ("255.255.255.254-255.255.255.255", ["255.255.255.254/31"]),
        ("2001:db8::-2001:db8::ffff", ["2001:db8::/112"]),
        ("2001:db8::ffff-2001:db8::1:0", ["2001:db8::ffff/128", "2001:db8::1:0/128"]),
        ("10.1.0.0/24[gre]", ["10.1.0.0/24"]),
        ("192.0.2.1", ["192.0.2.1"]),
    ])
    func subnetsOfARange(text: String, subnets: [String]) throws {
        #expect(try TrafficSelector(notation: text).subnets.map(\.description) == subnets)
    }
}
