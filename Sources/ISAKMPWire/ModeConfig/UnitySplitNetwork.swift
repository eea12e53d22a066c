// Cisco Unity UNITY_SPLIT_INCLUDE / UNITY_LOCAL_LAN entry: 14 bytes each, back to back
// (vpnc isakmp-pkt.c reads them so; strongSwan unity_provider.c writes them so).
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                        IPv4 Address                           !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                        IPv4 Netmask                           !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !           Protocol            !          Source Port          !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !        Destination Port       !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// One network of a Cisco Unity split-include or local-LAN list.
///
/// vpnc reads protocol and ports big-endian and passes them to its script; strongSwan notes
/// that Cisco's own client reads the destination port in host order, and sends all three as
/// zero, as does every gateway seen. They are kept as sent.
public struct UnitySplitNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The network address (4 bytes).
    public var address: [UInt8]
    /// Its netmask (4 bytes).
    public var mask: [UInt8]
    /// IP protocol, 0 = any.
    public var ipProtocol: UInt16
    /// Source port, 0 = any.
    public var sourcePort: UInt16
    /// Destination port, 0 = any.
    public var destinationPort: UInt16

    /// The length of one entry on the wire.
    public static let size = 14

    /// Creates an entry; `address` and `mask` are 4 bytes each.
    public init(address: [UInt8], mask: [UInt8], ipProtocol: UInt16 = 0, sourcePort: UInt16 = 0, destinationPort: UInt16 = 0) {
        precondition(address.count == 4 && mask.count == 4, "a Unity split network is an IPv4 address and netmask")
        self.address = address
        self.mask = mask
        self.ipProtocol = ipProtocol
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    /// The prefix length of ``mask``; nil when the mask has holes.
    public var prefixLength: Int? { IPAddressText.prefixLength(mask) }

    /// `198.19.100.0/24`, with `[proto sport dport]` when any is set.
    public var description: String {
        let net = "\(IPAddressText.format(address))/\(prefixLength.map(String.init) ?? IPAddressText.format(mask))"
        return ipProtocol == 0 && sourcePort == 0 && destinationPort == 0
            ? net : "\(net)[\(ipProtocol) \(sourcePort) \(destinationPort)]"
    }

    /// Entries back to back; nil when `bytes` is not a whole number of entries.
    static func decodeList(_ bytes: [UInt8]) -> [UnitySplitNetwork]? {
        guard bytes.count % size == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: size).map { i in
            func u16(_ at: Int) -> UInt16 { UInt16(bytes[i + at]) << 8 | UInt16(bytes[i + at + 1]) }
            return UnitySplitNetwork(address: Array(bytes[i..<i + 4]), mask: Array(bytes[i + 4..<i + 8]),
                                     ipProtocol: u16(8), sourcePort: u16(10), destinationPort: u16(12))
        }
    }

    static func encodeList(_ list: [UnitySplitNetwork]) -> [UInt8] {
        var w = ByteWriter()
        for n in list {
            w.append(n.address)
            w.append(n.mask)
            w.u16(n.ipProtocol)
            w.u16(n.sourcePort)
            w.u16(n.destinationPort)
        }
        return w.bytes
    }
}
