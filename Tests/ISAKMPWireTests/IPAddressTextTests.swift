import ISAKMPWire
import Testing

/// `IPAddressText.parse`: the dotted quad and every RFC 4291 §2.2 IPv6 text form, refusing what
/// glibc's `inet_pton` refuses; and that it reads back what `format` writes.
struct IPAddressTextTests {
    static func v6(_ words: [UInt16]) -> [UInt8] { words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }

    @Test(arguments: [
        ("192.0.2.1", [192, 0, 2, 1]),
        ("0.0.0.0", [0, 0, 0, 0]),
        ("255.255.255.255", [255, 255, 255, 255]),
        ("2001:db8::1", v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])),
        ("2001:DB8:0:0:0:0:0:1", v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])),
        ("::", v6([0, 0, 0, 0, 0, 0, 0, 0])),
        ("::1", v6([0, 0, 0, 0, 0, 0, 0, 1])),
        ("fe80::", v6([0xfe80, 0, 0, 0, 0, 0, 0, 0])),
        ("1:2:3:4:5:6:7::", v6([1, 2, 3, 4, 5, 6, 7, 0])),
        ("::2:3:4:5:6:7:8", v6([0, 2, 3, 4, 5, 6, 7, 8])),
        ("::ffff:192.0.2.1", v6([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])),
        ("1:2:3:4:5:6:192.0.2.1", v6([1, 2, 3, 4, 5, 6, 0xc000, 0x0201])),
    ] as [(String, [UInt8])])
    func parsesAddresses(text: String, bytes: [UInt8]) {
        #expect(IPAddressText.parse(text) == bytes)
    }

    @Test(arguments: [
        "", "192.0.2", "192.0.2.1.5", "192.0.2.256", "192.0.02.1", "192.0.2.-1", "192.0.2.+1", " 192.0.2.1",
        "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "12345::", "g::1", "1:2:3:4:5:6:7:8::",
        "::192.0.2.1:1", "192.0.2.1::", "fe80::1%eth0", "2001:db8::/64", "+1::",
    ])
    func refusesMalformedText(text: String) {
        #expect(IPAddressText.parse(text) == nil, "\(text)")
    }

    @Test(arguments: [
        [10, 1, 0, 9],
        v6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1]),
        v6([0, 0, 0, 0, 0, 0, 0, 0]),
        v6([0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff]),
        v6([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]),
    ] as [[UInt8]])
    func readsBackWhatFormatWrites(bytes: [UInt8]) {
        #expect(IPAddressText.parse(IPAddressText.format(bytes)) == bytes)
    }
}
