import IKEv1
import IPsecCrypto
import ISAKMPWire

/// Cisco-IOS-style status tables (`show crypto isakmp sa detail`, `show crypto ipsec sa`)
/// for the SAs an endpoint holds.
enum StatusTables {
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    /// "RSA-2048 certificate "C=CH, ..., CN=peer" issued by "...", valid until ...".
    static func certificate(_ certificate: Certificate) -> String {
        "\(certificate.keyDescription) certificate \"\(certificate.subject)\" issued by \"\(certificate.issuer)\", "
            + "valid until \(CertificateError.utc(certificate.notAfter))"
    }

    /// How the peer of `sa` proved its identity, for the lines printed when an ISAKMP SA is up.
    static func peerAuthentication(_ sa: ISAKMPSAInfo) -> String {
        "peer \(sa.remoteIdentity.readableDescription) authenticated by " + (sa.peerCertificate.map {
            "\(sa.proposal.authMethod) signature with its \(certificate($0))"
        } ?? "the pre-shared key")
    }

    /// The Auth column: Cisco's names.
    static func auth(_ method: AuthMethod) -> String {
        switch method.base {
        case .preSharedKey: "psk"
        case .rsaSignature: "rsig"
        case .dssSignature: "dss"
        default: "ecdsa"
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        let two = { (v: Int) in v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(s / 3600)):\(two(s % 3600 / 60)):\(two(s % 60))"
    }

    static func encr(_ c: CBCAlgorithm) -> String {
        switch c {
        case .des: "des"
        case .tripleDES: "3des"
        case .aes(let bits): bits == 128 ? "aes" : "aes\(bits)"
        case .blowfish(let bits): "bf\(bits)"
        case .cast128: "cast"
        }
    }

    static func hash(_ h: HashAlgorithm) -> String { h == .sha1 ? "sha" : h.rawValue }

    /// `show crypto isakmp sa detail`.
    static func isakmp(_ sas: [ISAKMPSAInfo], now: EngineTime) -> String {
        var lines = ["Codes: C - IKE configuration mode, D - Dead Peer Detection",
                     "       K - Keepalives, N - NAT-traversal",
                     "       X - IKE Extended Authentication",
                     "       psk - Preshared key, rsig - RSA signature, ecdsa - ECDSA signature",
                     "",
                     "\(sas.contains { $0.local.address.count == 16 } ? "IPv6" : "IPv4") Crypto ISAKMP SA",
                     "",
                     pad("C-id", 6) + pad("Local", 16) + pad("Remote", 16) + pad("I-VRF", 7) + pad("Status", 8) + pad("Encr", 7)
                     + pad("Hash", 7) + pad("Auth", 6) + pad("DH", 4) + pad("Lifetime", 10) + "Cap."]
        for (i, sa) in sas.enumerated() {
            var cap = ""
            if sa.remoteAccess != nil { cap += "C" }
            if sa.peerSupportsDPD { cap += "D" }
            if sa.localBehindNAT { cap += "K" }   // we send NAT keepalives
            if sa.natDetected { cap += "N" }
            if sa.proposal.authMethod.isXAUTH { cap += "X" }
            let left = sa.expires.map { clock($0.seconds(since: now)) } ?? "-"
            lines.append(pad("\(1001 + i)", 6) + pad(IPAddressText.format(sa.local.address), 16) + pad(IPAddressText.format(sa.remote.address), 16)
                         + pad("", 7) + pad("ACTIVE", 8) + pad(encr(sa.proposal.encryption), 7) + pad(hash(sa.proposal.hash), 7)
                         + pad(auth(sa.proposal.authMethod), 6) + pad("\(sa.proposal.group.id)", 4) + pad(left, 10) + cap)
            lines.append("      Engine-id:Conn-id = SW:\(i + 1)  \(sa.exchange == .aggressive ? "Aggressive" : "Main") Mode, "
                         + "\(sa.isInitiator ? "initiator" : "responder"), cookies \(sa.id)/\(sa.cookieR), peer id \(sa.remoteIdentity.readableDescription)")
            if let ra = sa.remoteAccess {
                lines.append("      IKE configuration mode: virtual IP \(ra.virtualIP.map(IPAddressText.format) ?? "none")"
                             + (ra.xauthUser.map { ", XAUTH user \($0)" } ?? "")
                             + (ra.attributes.isEmpty ? "" : ", " + ra.attributes.filter { $0.type != .internalIP4Address }.map(\.description).joined(separator: ", ")))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func ident(_ ts: TrafficSelector?, host: SocketAddress) -> String {
        guard let ts else { return "(\(IPAddressText.format(host.address))/255.255.255.255/0/0)" }
        switch ts.identity {
        case .ipv4Subnet(let a, let m), .ipv6Subnet(let a, let m):
            return "(\(IPAddressText.format(a))/\(IPAddressText.format(m))/\(ts.ipProtocol)/\(ts.port))"
        default:
            return "(\(ts.identity)/\(ts.ipProtocol)/\(ts.port))"
        }
    }

    static func transform(_ c: ChildSA) -> String {
        var parts: [String] = []
        let p = c.proposal
        if c.ipsecProtocol == .ah, let i = p.integrity { parts.append("ah-\(i.keyword)-hmac") }
        if let e = p.encryption {
            switch e {
            case .des: parts.append("esp-des")
            case .tripleDES: parts.append("esp-3des")
            case .aesCBC(let b): parts.append(b == 128 ? "esp-aes" : "esp-aes \(b)")
            case .aesCTR(let b): parts.append("esp-aes-ctr \(b)")
            case .aesGCM(let b, _): parts.append("esp-gcm \(b)")
            case .aesGMAC(let b): parts.append("esp-gmac \(b)")
            case .aesCCM(let b, _): parts.append("esp-ccm \(b)")
            case .blowfish(let b): parts.append("esp-blowfish \(b)")
            case .cast128: parts.append("esp-cast")
            case .null: parts.append("esp-null")
            }
        }
        if c.ipsecProtocol == .esp, let i = p.integrity { parts.append("esp-\(i == .sha1 ? "sha" : i.keyword)-hmac") }
        return parts.joined(separator: " ") + " ,"
    }

    static func hex32(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 8 - h.count) + h + "(\(v))"
    }

    /// `show crypto ipsec sa`; `counters` gives (encaps, decaps) per inbound SPI (zero until ESP runs).
    static func ipsec(_ children: [ChildSA], local: SocketAddress, now: EngineTime, interface: String = "demo0",
                      mapTag: String = "demo", counters: (ChildSA) -> (encaps: Int, decaps: Int)) -> String {
        var lines = ["interface: \(interface)", "    Crypto map tag: \(mapTag), local addr \(IPAddressText.format(local.address))", ""]
        for c in children {
            let (enc, dec) = counters(c)
            let remaining = c.lifetime.seconds.map { "\(max(0, Int(Double($0) - now.seconds(since: c.installed))))" } ?? "-"
            let mode = (c.mode == .tunnel ? "Tunnel" : "Transport") + (c.udpEncapsulated ? " UDP-Encaps" : "")
            let proto = c.ipsecProtocol == .esp ? "esp" : "ah"
            lines += [
                "   protected vrf: (none)",
                "   local  ident (addr/mask/prot/port): \(ident(c.localTrafficSelector, host: c.local))",
                "   remote ident (addr/mask/prot/port): \(ident(c.remoteTrafficSelector, host: c.remote))",
                "   current_peer \(IPAddressText.format(c.remote.address)) port \(c.remote.port)",
                "     PERMIT, flags={origin_is_acl,}",
                "    #pkts encaps: \(enc), #pkts encrypt: \(enc), #pkts digest: \(enc)",
                "    #pkts decaps: \(dec), #pkts decrypt: \(dec), #pkts verify: \(dec)",
                "",
                "     local crypto endpt.: \(IPAddressText.format(c.local.address)), remote crypto endpt.: \(IPAddressText.format(c.remote.address))",
                "     current outbound spi: \(hex32(c.outbound.spi))",
                "     PFS (Y/N): \(c.proposal.pfsGroup == nil ? "N" : "Y"), DH group: \(c.proposal.pfsGroup.map { "group\($0.id)" } ?? "none")",
                "",
                "     inbound \(proto) sas:",
                "      spi: \(hex32(c.inbound.spi))",
                "        transform: \(transform(c))",
                "        in use settings ={\(mode), }",
                "        sa timing: remaining key lifetime (sec): (\(remaining))",
                "",
                "     outbound \(proto) sas:",
                "      spi: \(hex32(c.outbound.spi))",
                "        transform: \(transform(c))",
                "        in use settings ={\(mode), }",
                "        sa timing: remaining key lifetime (sec): (\(remaining))",
                "",
            ]
        }
        if children.isEmpty { lines.append("   (no IPsec SAs)") }
        return lines.joined(separator: "\n")
    }
}
