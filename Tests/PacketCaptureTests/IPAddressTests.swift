import PacketCapture
import Testing

/// Addresses print as tshark (glibc `inet_ntop`) prints them: RFC 5952 for IPv6.
@Suite struct IPAddressTests {
    static func v6(_ words: [UInt16]) -> [UInt8] { words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }

    @Test("IPv6 text form", arguments: [
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], "2001:db8::1"),
        ([0, 0, 0, 0, 0, 0, 0, 0], "::"),
        ([0, 0, 0, 0, 0, 0, 0, 1], "::1"),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], "fe80::"),
        ([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1], "2001:db8:0:1::1"),
        ([0x2001, 0, 0, 1, 0, 0, 0, 1], "2001:0:0:1::1"),
        ([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"),
        ([0xff02, 0, 0, 0, 0, 0, 0, 5], "ff02::5"),
        ([0x2001, 0xDB8, 0xABCD, 0, 0, 0, 0, 0xEF], "2001:db8:abcd::ef"),
        ([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], "::ffff:192.0.2.1"),
        ([0, 0, 0, 0, 0, 0, 0xc000, 0x0201], "::192.0.2.1"),
    ] as [([UInt16], String)])
    func ipv6Text(words: [UInt16], text: String) throws {
        let address = try #require(IPAddress(bytes: Self.v6(words)))
        #expect(address.description == text)
        #expect(address.version == 6)
    }

    @Test("IPv4 is dotted decimal; endpoints bracket IPv6")
    func endpoints() throws {
        let v4 = try #require(IPAddress(bytes: [10, 0, 255, 1]))
        #expect(v4.description == "10.0.255.1" && v4.formatted(port: 500) == "10.0.255.1:500")
        let v6 = try #require(IPAddress(bytes: Self.v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2])))
        #expect(v6.formatted(port: 4500) == "[2001:db8::2]:4500")
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }
}
