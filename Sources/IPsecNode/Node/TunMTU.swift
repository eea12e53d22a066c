import ESP
import IKEv1
import IPsecCrypto

/// How large an inner packet may be so that, sealed, it fits the path toward the peer without
/// IP fragmentation (RFC 4301 §8): for one SA (the data plane answers larger packets with ICMP)
/// and, before any SA exists, for the TUN device's MTU when `--tun-mtu` is not given.
public enum TunMTU {
    /// The TUN device's MTU where no connection has a peer address whose route is known: a
    /// 1500-byte link less ESP in UDP's overhead for the usual suites, with room to spare.
    public static let fallback = 1400
    /// The smallest MTU a derived value may have (IPv4's minimum datagram, RFC 791).
    public static let minimum = 576

    /// The largest inner packet that, sealed into `sa`, fits `pathMTU`: an IP header (the outer
    /// one in tunnel mode; in transport mode the packet's own, which stays in front), the UDP
    /// header of ESP in UDP (RFC 3948) and what ESP or AH adds to the rest
    /// (`SecurityAssociation.largestPayload(fitting:ipv6:)` in ESP).
    public static func largestInner(_ sa: SecurityAssociation, transport: Bool, ipv6: Bool, udpEncapsulated: Bool,
                                    pathMTU: Int) -> Int {
        let ipHeader = ipv6 ? 40 : 20
        let payload = sa.largestPayload(fitting: pathMTU - ipHeader - (udpEncapsulated ? 8 : 0), ipv6: ipv6)
        return transport ? ipHeader + payload : payload
    }

    /// The MTU for a TUN device carrying `configs`' traffic: for each connection with a peer
    /// address whose route `pathMTU` knows (the system's IP_MTU by default), the largest inner
    /// packet that fits it sealed into any of the connection's proposals, with ESP in UDP where
    /// NAT traversal may choose it; the smallest of these, at least ``minimum``, or ``fallback``.
    public static func derived(for configs: [PeerConfig],
                               pathMTU: (SocketAddress) -> Int? = { IPsecNode.pathMTU(toward: $0) }) -> Int {
        var smallest: Int?
        for config in configs {
            guard let peer = config.remoteAddress, let mtu = pathMTU(peer) else { continue }
            for proposal in config.childProposals {
                let ah = proposal.ipsecProtocol == .ah
                let sa = SecurityAssociation(spi: 0, direction: .outbound, securityProtocol: ah ? .ah : .esp,
                                             encryption: proposal.encryption ?? .null, integrity: proposal.integrity,
                                             encryptionKey: SecretBytes([]))
                let fits = largestInner(sa, transport: config.mode == .transport, ipv6: peer.isIPv6,
                                        udpEncapsulated: !ah && (config.natTraversal || config.forceEncapsulation), pathMTU: mtu)
                smallest = min(smallest ?? fits, fits)
            }
        }
        return max(smallest ?? fallback, minimum)
    }
}
