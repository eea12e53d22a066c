public import ISAKMPWire

/// Why an `--updown SCRIPT` runs: vpnc-script's `reason`.
public enum UpdownReason: String, Hashable, Sendable {
    /// The tunnel is up (after Mode Config; vpnc runs its script before Quick Mode).
    case connect
    /// The tunnel is going down.
    case disconnect
}

/// What an updown script is told about a remote-access tunnel, named as vpnc tells
/// vpnc-script (vpnc 0.5.3 `do_config_to_env`, vpnc-scripts' list of parameters), so existing
/// vpnc-scripts keep working:
///
/// | variable | from |
/// |---|---|
/// | `reason` | ``UpdownReason`` |
/// | `VPNGATEWAY`, `TUNDEV` | the gateway's address, our TUN device |
/// | `INTERNAL_IP4_ADDRESS`, `INTERNAL_IP4_DNS`, `INTERNAL_IP4_NBNS` | the attributes, several joined by spaces |
/// | `INTERNAL_IP4_NETMASK`, `_NETMASKLEN`, `_NETADDR` | INTERNAL_IP4_NETMASK (the last one), vpnc's mask length |
/// | `INTERNAL_IP6_ADDRESS`, `INTERNAL_IP6_NETMASK` (`addr/len`), `INTERNAL_IP6_DNS` | the IPv6 attributes, as openconnect passes them |
/// | `CISCO_BANNER`, `CISCO_DEF_DOMAIN`, `CISCO_SPLIT_DNS` | Unity text, several joined by spaces |
/// | `CISCO_SPLIT_INC`, `CISCO_SPLIT_INC_<i>_ADDR`/`_MASK`/`_MASKLEN`/`_PROTOCOL`/`_SPORT`/`_DPORT` | UNITY_SPLIT_INCLUDE entries |
/// | `CISCO_SPLIT_EXC`, `CISCO_SPLIT_EXC_<i>_…` | UNITY_LOCAL_LAN entries (vpnc-script reads them; vpnc itself drops them) |
/// | `IPSEC_SPI_IN`, `IPSEC_SPI_OUT` | ours: the ESP SPIs, 8 hex digits as charon prints them |
///
/// Where vpnc's output depends on attribute order it is not copied: entries of several
/// split-include attributes are numbered on (vpnc restarts at 0 and keeps only the last
/// count), and the network address uses the final INTERNAL_IP4_ADDRESS. Secrets (XAUTH
/// attributes) never reach the environment.
public struct UpdownEnvironment: Hashable, Sendable {
    /// The gateway's address (`VPNGATEWAY`).
    public var gateway: [UInt8]
    /// Our TUN device (`TUNDEV`).
    public var tunnelDevice: String
    /// The Mode Config attributes received (client) or sent (gateway).
    public var attributes: [ModeConfigAttribute]
    /// Our inbound ESP SPI, once Quick Mode has made it (`IPSEC_SPI_IN`).
    public var inboundSPI: UInt32?
    /// Our outbound ESP SPI (`IPSEC_SPI_OUT`).
    public var outboundSPI: UInt32?

    /// The values of one tunnel.
    public init(gateway: [UInt8], tunnelDevice: String, attributes: [ModeConfigAttribute],
                inboundSPI: UInt32? = nil, outboundSPI: UInt32? = nil) {
        self.gateway = gateway
        self.tunnelDevice = tunnelDevice
        self.attributes = attributes
        self.inboundSPI = inboundSPI
        self.outboundSPI = outboundSPI
    }

    /// The script's environment for `reason` (to be added to the inherited one).
    public func variables(_ reason: UpdownReason) -> [String: String] {
        var env = ["reason": reason.rawValue, "VPNGATEWAY": IPAddressText.format(gateway), "TUNDEV": tunnelDevice]
        func add(_ name: String, _ value: String) { env[name] = env[name].map { "\($0) \(value)" } ?? value }
        var ip4: [UInt8]?, netmask: [UInt8]?, ip6: (address: [UInt8], prefix: UInt8?)?, ip6Mask: [UInt8]?
        var include: [UnitySplitNetwork] = [], exclude: [UnitySplitNetwork] = []
        for attribute in attributes {
            switch attribute {
            case .internalIP4Address(let a): add("INTERNAL_IP4_ADDRESS", IPAddressText.format(a)); ip4 = a
            case .internalIP4Netmask(let m): netmask = m
            case .internalIP4DNS(let a): add("INTERNAL_IP4_DNS", IPAddressText.format(a))
            case .internalIP4NBNS(let a): add("INTERNAL_IP4_NBNS", IPAddressText.format(a))
            case .internalIP6Address(let a, let p): add("INTERNAL_IP6_ADDRESS", IPAddressText.format(a)); ip6 = (a, p)
            case .internalIP6Netmask(let m): ip6Mask = m
            case .internalIP6DNS(let a): add("INTERNAL_IP6_DNS", IPAddressText.format(a))
            case .unityBanner(let s): add("CISCO_BANNER", s)
            case .unityDefaultDomain(let s): add("CISCO_DEF_DOMAIN", s)
            case .unitySplitDNS(let names): add("CISCO_SPLIT_DNS", names.joined(separator: ","))
            case .unitySplitInclude(let list): include += list
            case .unityLocalLAN(let list): exclude += list
            default: break
            }
        }
        if let netmask {
            env["INTERNAL_IP4_NETMASK"] = IPAddressText.format(netmask)
            env["INTERNAL_IP4_NETMASKLEN"] = String(Self.vpncMaskLength(netmask))
            if let ip4 { env["INTERNAL_IP4_NETADDR"] = IPAddressText.format(zip(ip4, netmask).map { $0 & $1 }) }
        }
        if let ip6, let length = ip6.prefix.map(Int.init) ?? ip6Mask.flatMap(IPAddressText.prefixLength) {
            env["INTERNAL_IP6_NETMASK"] = "\(IPAddressText.format(ip6.address))/\(length)"
        }
        for (list, prefix) in [(include, "CISCO_SPLIT_INC"), (exclude, "CISCO_SPLIT_EXC")] where !list.isEmpty {
            env[prefix] = String(list.count)
            for (i, n) in list.enumerated() {
                env["\(prefix)_\(i)_ADDR"] = IPAddressText.format(n.address)
                env["\(prefix)_\(i)_MASK"] = IPAddressText.format(n.mask)
                env["\(prefix)_\(i)_MASKLEN"] = String(Self.vpncMaskLength(n.mask))
                env["\(prefix)_\(i)_PROTOCOL"] = String(n.ipProtocol)
                env["\(prefix)_\(i)_SPORT"] = String(n.sourcePort)
                env["\(prefix)_\(i)_DPORT"] = String(n.destinationPort)
            }
        }
        if let inboundSPI { env["IPSEC_SPI_IN"] = Self.hex8(inboundSPI) }
        if let outboundSPI { env["IPSEC_SPI_OUT"] = Self.hex8(outboundSPI) }
        return env
    }

    /// vpnc's `mask_to_masklen`: the position of the mask's last set bit (the prefix length
    /// of a contiguous mask; 24 for 255.0.255.0).
    static func vpncMaskLength(_ mask: [UInt8]) -> Int {
        let v = mask.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return v == 0 ? 0 : 32 - v.trailingZeroBitCount
    }

    private static func hex8(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
