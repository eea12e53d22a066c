// Link-layer headers in front of the IP packet.
//
//   Ethernet II (LINKTYPE_ETHERNET 1)     802.1Q / 802.1ad tag (repeatable)
//   +------------------------------+      +------------------------------+
//   | destination MAC           6  |      | TPID 0x8100/0x88a8/0x9100 2  |
//   | source MAC                6  |      | PCP, DEI, VLAN ID         2  |
//   | EtherType                 2  |      +------------------------------+
//   +------------------------------+
//
//   Linux cooked v1 (113), 16 bytes       Linux cooked v2 (276), 20 bytes
//   packet type 2, ARPHRD 2,              protocol 2, reserved 2, ifindex 4,
//   address length 2, address 8,          ARPHRD 2, packet type 1,
//   protocol 2                            address length 1, address 8
//
//   BSD loopback NULL (0): 4-byte address family, capturing host's byte order;
//   LOOP (108): the same in network byte order. Raw IP (12, 14, 101, 228, 229): no header.

/// The network protocol a link-layer header announces.
enum NetworkProtocol: Equatable {
    case ipv4
    case ipv6
    /// Anything else (ARP, 802.3 lengths, unknown link types, ...).
    case other
}

/// What the link-layer header of a frame holds.
struct LinkHeader {
    var network: NetworkProtocol
    /// EtherType, Linux cooked protocol, or for loopback the address family.
    var protocolType: UInt32?
    var vlanIDs: [UInt16] = []
    /// Where the network-layer packet starts in the frame.
    var payloadOffset: Int
}

enum EtherType {
    static let ipv4: UInt16 = 0x0800
    static let ipv6: UInt16 = 0x86dd
    static let vlanTags: Set<UInt16> = [0x8100, 0x88a8, 0x9100]
}

extension LinkHeader {
    /// Reads the link-layer header of `bytes` for `linkType`.
    static func decode(_ bytes: ArraySlice<UInt8>, linkType: LinkType) throws(CaptureError) -> LinkHeader {
        func truncated(_ needed: Int, _ what: String) -> CaptureError {
            CaptureError(.truncated, layer: .link, offset: 0,
                         reason: "\(what) header needs \(needed) bytes, the frame has \(bytes.count)")
        }
        switch linkType {
        case .ethernet:
            guard var type = bytes.uint16(at: 12) else { throw truncated(14, "Ethernet") }
            var offset = 14
            var vlanIDs: [UInt16] = []
            while EtherType.vlanTags.contains(type) {
                guard let tag = bytes.uint16(at: offset), let inner = bytes.uint16(at: offset + 2) else {
                    throw CaptureError(.truncated, layer: .link, offset: offset, reason: "VLAN tag needs 4 bytes")
                }
                vlanIDs.append(tag & 0x0fff)
                type = inner
                offset += 4
            }
            return LinkHeader(etherType: type, vlanIDs: vlanIDs, payloadOffset: offset)
        case .linuxSLL:
            guard let type = bytes.uint16(at: 14) else { throw truncated(16, "Linux cooked") }
            return LinkHeader(etherType: type, payloadOffset: 16)
        case .linuxSLL2:
            guard let type = bytes.uint16(at: 0), bytes.count >= 20 else { throw truncated(20, "Linux cooked v2") }
            return LinkHeader(etherType: type, payloadOffset: 20)
        case .null, .loop:
            guard let big = bytes.uint32(at: 0), let little = bytes.uint32(at: 0, bigEndian: false) else {
                throw truncated(4, "loopback")
            }
            // NULL is in the capturing host's byte order: families are small, so the smaller reading is right.
            let family = linkType == .loop ? big : min(big, little)
            let network: NetworkProtocol = switch family {
            case 2: .ipv4
            case 10, 24, 28, 30: .ipv6  // Linux, NetBSD/OpenBSD, FreeBSD, Darwin AF_INET6
            default: .other
            }
            return LinkHeader(network: network, protocolType: family, payloadOffset: 4)
        case .raw, .rawIP12, .rawIP14:
            let network: NetworkProtocol = switch bytes.byte(at: 0).map({ $0 >> 4 }) {
            case 4: .ipv4
            case 6: .ipv6
            default: .other
            }
            return LinkHeader(network: network, protocolType: nil, payloadOffset: 0)
        case .ipv4:
            return LinkHeader(network: .ipv4, protocolType: nil, payloadOffset: 0)
        case .ipv6:
            return LinkHeader(network: .ipv6, protocolType: nil, payloadOffset: 0)
        default:
            return LinkHeader(network: .other, protocolType: nil, payloadOffset: 0)
        }
    }

    private init(etherType: UInt16, vlanIDs: [UInt16] = [], payloadOffset: Int) {
        let network: NetworkProtocol = switch etherType {
        case EtherType.ipv4: .ipv4
        case EtherType.ipv6: .ipv6
        default: .other
        }
        self.init(network: network, protocolType: UInt32(etherType), vlanIDs: vlanIDs, payloadOffset: payloadOffset)
    }
}
