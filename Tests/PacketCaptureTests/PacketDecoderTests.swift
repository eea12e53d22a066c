import PacketCapture
import Testing

/// Link, IP and transport decoding of synthetic frames.
@Suite struct PacketDecoderTests {
    let udp = Build.udp(4500, 4500, [0, 0, 0, 0, 0xaa])

    @Test("every link type carrying IPv4 reaches UDP", arguments: [
        (LinkType.ethernet, Build.ethernet(type: 0x0800, [])),
        (LinkType.linuxSLL, [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + Build.u16(0x0800)),
        (LinkType.linuxSLL2, Build.u16(0x0800) + [0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]),
        (LinkType.raw, []), (LinkType.rawIP12, []), (LinkType.rawIP14, []), (LinkType.ipv4, []),
        (LinkType.null, Build.u32(2, bigEndian: false)), (LinkType.null, Build.u32(2)),
        (LinkType.loop, Build.u32(2)),
    ])
    func linkTypesIPv4(linkType: LinkType, header: [UInt8]) {
        let packet = PacketDecoder.decode(header + Build.ipv4(Build.v4a, Build.v4b, protocol: 17, udp), linkType: linkType)
        #expect(packet.error == nil)
        #expect(packet.sourceDescription == "192.0.2.1:4500")
        #expect(packet.transport == .udp(sourcePort: 4500, destinationPort: 4500, payload: [0, 0, 0, 0, 0xaa]))
    }

    @Test("raw IPv6, SLL2 IPv6 and loopback AF_INET6 reach UDP", arguments: [
        (LinkType.raw, [UInt8]()), (LinkType.ipv6, []), (LinkType.null, Build.u32(30, bigEndian: false)),
        (LinkType.linuxSLL2, Build.u16(0x86dd) + [UInt8](repeating: 0, count: 18)),
    ])
    func linkTypesIPv6(linkType: LinkType, header: [UInt8]) {
        let packet = PacketDecoder.decode(header + Build.ipv6(Build.v6a, Build.v6b, nextHeader: 17, udp), linkType: linkType)
        #expect(packet.ip?.version == 6)
        #expect(packet.sourceDescription == "[2001:db8::1]:4500")
        #expect(packet.destinationDescription == "[2001:db8::2]:4500")
    }

    @Test("802.1Q inside 802.1ad tags are skipped and reported")
    func vlanTags() {
        let frame = Build.ethernet(type: 0x0800, vlanTags: [(0x88a8, 100), (0x8100, 0x2000 | 200)],
                                   Build.ipv4(Build.v4a, Build.v4b, protocol: 50, [0, 0, 1, 0, 0, 0, 0, 1]))
        let packet = PacketDecoder.decode(frame, linkType: .ethernet)
        #expect(packet.vlanIDs == [100, 200])
        #expect(packet.linkProtocol == 0x0800)
        #expect(packet.transport == .esp(payload: [0, 0, 1, 0, 0, 0, 0, 1]))
    }

    @Test("IPv4 options are skipped and total length trims Ethernet padding")
    func ipv4OptionsAndPadding() {
        let ip = Build.ipv4(Build.v4a, Build.v4b, protocol: 17, Build.udp(500, 500, [7]), options: [1, 1, 1, 0], ttl: 3)
        let packet = PacketDecoder.decode(Build.ethernet(type: 0x0800, ip + [0, 0, 0, 0, 0, 0]), linkType: .ethernet)
        #expect(packet.ip?.headerLength == 24 && packet.ip?.hopLimit == 3 && packet.ip?.options == [1, 1, 1, 0])
        #expect(packet.transport == .udp(sourcePort: 500, destinationPort: 500, payload: [7]))
    }

    @Test("IPv4 total length 0 (segmentation offload) means the captured length, as in tshark")
    func totalLengthZero() {
        var ip = Build.ipv4(Build.v4a, Build.v4b, protocol: 17, Build.udp(500, 500, [7]))
        ip[2] = 0
        ip[3] = 0
        let packet = PacketDecoder.decode(ip, linkType: .raw)
        #expect(packet.transport == .udp(sourcePort: 500, destinationPort: 500, payload: [7]))
    }

    @Test("UDP length shorter than the IP payload is honoured")
    func udpLengthHonoured() {
        let datagram = Build.u16(500) + Build.u16(500) + Build.u16(9) + Build.u16(0) + [1, 2, 3]
        let packet = PacketDecoder.decode(Build.ipv4(Build.v4a, Build.v4b, protocol: 17, datagram), linkType: .raw)
        #expect(packet.transport == .udp(sourcePort: 500, destinationPort: 500, payload: [1]))
    }

    @Test("IPv4 fragments report offset, MF and ID and have no transport decode", arguments: [
        (UInt16(0x2000), 0, true), (UInt16(0x2000 | 185), 1480, true), (UInt16(185), 1480, false),
    ])
    func ipv4Fragments(flags: UInt16, offset: Int, moreFragments: Bool) {
        let ip = Build.ipv4(Build.v4a, Build.v4b, protocol: 17, udp, identification: 0xbeef, flags: flags)
        let packet = PacketDecoder.decode(ip, linkType: .ipv4)
        #expect(packet.ip?.fragment == IPFragmentInfo(identification: 0xbeef, offset: offset, moreFragments: moreFragments))
        #expect(packet.transport == nil && packet.error == nil)
    }

    @Test("IPv4 Don't Fragment is not a fragment")
    func dontFragment() {
        let packet = PacketDecoder.decode(Build.ipv4(Build.v4a, Build.v4b, protocol: 1, [8, 0], flags: 0x4000), linkType: .raw)
        #expect(packet.ip?.fragment?.dontFragment == true && packet.ip?.fragment?.isFragment == false)
        #expect(packet.transport == .other(protocolNumber: 1))
    }

    @Test("IPv6 hop-by-hop, routing and destination options are walked to UDP")
    func ipv6ExtensionHeaders() {
        let hopByHop: [UInt8] = [43, 0, 1, 4, 0, 0, 0, 0]
        let routing: [UInt8] = [60, 2, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)
        let destination: [UInt8] = [17, 0, 1, 4, 0, 0, 0, 0]
        let ip = Build.ipv6(Build.v6a, Build.v6b, nextHeader: 0, hopByHop + routing + destination + udp)
        let packet = PacketDecoder.decode(ip, linkType: .raw)
        #expect(packet.ip?.protocolNumber == 17 && packet.ip?.headerLength == 40 + 40)
        #expect(packet.transport == .udp(sourcePort: 4500, destinationPort: 4500, payload: [0, 0, 0, 0, 0xaa]))
    }

    @Test("IPv6 stops at ESP and AH and reports other next headers")
    func ipv6Stops() {
        let esp = PacketDecoder.decode(Build.ipv6(Build.v6a, Build.v6b, nextHeader: 50, [1, 2, 3, 4]), linkType: .ipv6)
        #expect(esp.transport == .esp(payload: [1, 2, 3, 4]))
        let ah = PacketDecoder.decode(Build.ipv6(Build.v6a, Build.v6b, nextHeader: 51, [89, 4, 0, 0]), linkType: .ipv6)
        #expect(ah.transport == .ah(payload: [89, 4, 0, 0]))
        let icmp = PacketDecoder.decode(Build.ipv6(Build.v6a, Build.v6b, nextHeader: 60, [58, 0, 1, 4, 0, 0, 0, 0, 128]), linkType: .ipv6)
        #expect(icmp.transport == .other(protocolNumber: 58))
    }

    @Test("IPv6 fragment header: fragments have no transport, atomic fragments do")
    func ipv6Fragments() {
        let fragment: [UInt8] = [17, 0] + Build.u16(1480 | 1) + Build.u32(77)
        let packet = PacketDecoder.decode(Build.ipv6(Build.v6a, Build.v6b, nextHeader: 44, fragment + udp), linkType: .raw)
        #expect(packet.ip?.fragment == IPFragmentInfo(identification: 77, offset: 1480, moreFragments: true))
        #expect(packet.ip?.protocolNumber == 17 && packet.transport == nil)
        let atomic: [UInt8] = [17, 0, 0, 0] + Build.u32(78)
        let whole = PacketDecoder.decode(Build.ipv6(Build.v6a, Build.v6b, nextHeader: 44, atomic + udp), linkType: .raw)
        #expect(whole.ip?.fragment?.isFragment == false)
        #expect(whole.sourceDescription == "[2001:db8::1]:4500")
    }

    @Test("non-IP frames decode to no IP and no error")
    func nonIP() {
        let arp = PacketDecoder.decode(Build.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28)), linkType: .ethernet)
        #expect(arp.ip == nil && arp.error == nil && arp.linkProtocol == 0x0806)
        let unknown = PacketDecoder.decode([1, 2, 3], linkType: LinkType(rawValue: 147))
        #expect(unknown.ip == nil && unknown.error == nil)
    }

    @Test("truncated and malformed headers name their layer and offset", arguments: [
        (LinkType.ethernet, Build.ethernet(type: 0x0800, []).prefix(10).map { $0 }, CaptureError.Layer.link, 0, CaptureError.Kind.truncated),
        (.ethernet, Build.ethernet(type: 0x8100, [0, 1]), .link, 14, .truncated),
        (.ethernet, Build.ethernet(type: 0x0800, [0x45, 0, 0, 20]), .ipv4, 14, .truncated),
        (.raw, [0x46] + [UInt8](repeating: 0, count: 19), .ipv4, 0, .truncated),
        (.raw, [0x44] + [UInt8](repeating: 0, count: 19), .ipv4, 0, .malformed),
        (.ipv4, [0x65] + [UInt8](repeating: 0, count: 19), .ipv4, 0, .malformed),
        (.raw, [0x45, 0, 0, 10] + [UInt8](repeating: 0, count: 16), .ipv4, 2, .malformed),
        (.raw, Build.ipv4(Build.v4a, Build.v4b, protocol: 17, [0, 1, 0, 2]), .udp, 20, .truncated),
        (.raw, Build.ipv4(Build.v4a, Build.v4b, protocol: 17, Build.u16(1) + Build.u16(2) + Build.u16(4) + Build.u16(0)), .udp, 24, .malformed),
        (.raw, Array(Build.ipv6(Build.v6a, Build.v6b, nextHeader: 17, []).prefix(39)), .ipv6, 0, .truncated),
        (.raw, Build.ipv6(Build.v6a, Build.v6b, nextHeader: 0, [17, 1, 0, 0, 0, 0, 0, 0]), .ipv6, 40, .truncated),
        (.raw, Build.ipv6(Build.v6a, Build.v6b, nextHeader: 44, [17, 0, 0, 0]), .ipv6, 40, .truncated),
    ])
    func headerErrors(linkType: LinkType, bytes: [UInt8], layer: CaptureError.Layer, offset: Int, kind: CaptureError.Kind) {
        let packet = PacketDecoder.decode(bytes, linkType: linkType)
        #expect(packet.error == CaptureError(kind, layer: layer, offset: offset, reason: ""), "\(String(describing: packet.error))")
        #expect(packet.error?.frame == 1)
        #expect(packet.transport == nil)
    }

    @Test("a UDP error keeps the IP header decoded")
    func partialDecodeKeepsIP() {
        let packet = PacketDecoder.decode(Build.ipv4(Build.v4a, Build.v4b, protocol: 17, [0, 1]), linkType: .raw)
        #expect(packet.ip?.source.description == "192.0.2.1" && packet.error?.layer == .udp)
        #expect(packet.sourceDescription == "192.0.2.1")
    }
}
