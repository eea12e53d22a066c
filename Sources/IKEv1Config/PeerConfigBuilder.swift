import Foundation
public import IKEv1
import IPsecCrypto
import ISAKMPWire

/// Turns connection settings into the engine's `PeerConfig`, with a clear error per mistake.
public enum PeerConfigBuilder {
    /// Why the settings do not make a configuration.
    public struct Error: Swift.Error, CustomStringConvertible {
        /// What is wrong, naming the setting.
        public var description: String
    }

    /// `@fqdn`, `user@fqdn`, an IPv4/IPv6 address, `@#hex` or `keyid:#hex` (key ID from hex),
    /// `keyid:NAME` (key ID of the name's bytes: the group of a Cisco-style remote-access
    /// gateway, as swanctl writes it), a distinguished name as swanctl writes it
    /// (`C=CH, O=Example, CN=peer.example`: ID_DER_ASN1_DN); `%any` is nil.
    public static func identity(_ text: String) throws(Error) -> Identity? {
        if text == "%any" { return nil }
        if text.hasPrefix("keyid:") {
            let name = text.dropFirst("keyid:".count)
            guard !name.isEmpty else { throw Error(description: "key ID \(text) is empty") }
            guard name.hasPrefix("#") else { return .keyID(Array(name.utf8)) }
            guard let bytes = [UInt8](hexString: name.dropFirst()), !bytes.isEmpty else { throw Error(description: "key ID \(text) is not hex") }
            return .keyID(bytes)
        }
        if text.contains("=") {
            do { return try .distinguishedName(text) } catch { throw Error(description: "identity \(error.reason)") }
        }
        if text.hasPrefix("@#") {
            guard let bytes = [UInt8](hexString: text.dropFirst(2)) else { throw Error(description: "key ID \(text) is not hex") }
            return .keyID(bytes)
        }
        if text.hasPrefix("@") { return .fqdn(String(text.dropFirst())) }
        if let a = SocketAddress(text, defaultPort: 0), !text.contains("]"), a.port == 0 {
            return a.isIPv6 ? .ipv6(a.address) : .ipv4(a.address)
        }
        if text.contains("@") { return .userFQDN(text) }
        if text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) { return .fqdn(text) }
        throw Error(description: "identity \(text) is neither @fqdn, user@fqdn, an address, a DN (C=.., O=.., CN=..) nor %any")
    }

    /// A traffic selector in swanctl's notation (`10.1.0.0/24[gre]`, `dynamic[udp/1701]`:
    /// `TrafficSelector.init(notation:dynamic:)` of IKEv1); `dynamic` stands for `host`, nil when that
    /// side's address is not known (a responder for `remote = %any`). `name` is the key or flag.
    public static func selector(_ text: String, name: String, dynamic host: [UInt8]?) throws(Error) -> TrafficSelector {
        do { return try TrafficSelector(notation: text, dynamic: host) } catch {
            throw Error(description: "\(name) \(text): \(error.reason)")
        }
    }

    /// Checks a selector where it is written (a config file line, a flag), before the addresses
    /// `dynamic` stands for are known: any address stands in for them, the rest is checked in full.
    public static func checkSelector(_ text: String, name: String) throws(Error) {
        _ = try selector(text, name: name, dynamic: [0, 0, 0, 0])
    }

    /// The engine configuration of one connection; `local` is our resolved IKE address.
    /// `readFile` reads the XAUTH users file (`xauth_users`).
    public static func build(_ s: ConnectionSettings, local: SocketAddress, responder: Bool,
                             readFile: (String) -> [UInt8]? = { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } })
        throws(Error) -> PeerConfig {
        if let problem = s.authenticationProblem { throw Error(description: "\(s.name) \(problem)") }
        // authenticationProblem is nil: exactly one of a PSK and a complete certificate setup.
        let authentication: PeerAuthentication
        if let certificate = s.certificateFile, let key = s.keyFile {
            do { authentication = .signatures(try CredentialFiles.load(certificate: certificate, key: key, cas: s.caFiles)) } catch {
                throw Error(description: "\(s.name): \(error)")
            }
        } else if let psk = s.psk {
            authentication = .preSharedKey(psk)
        } else {
            throw Error(description: "\(s.name) has no pre-shared key or certificate")
        }
        let credentials = authentication.signatureCredentials
        var remote: SocketAddress?
        if let r = s.remote, r != "%any" {
            guard let a = SocketAddress(r, defaultPort: 500) else { throw Error(description: "remote \(r) is not an address") }
            remote = a
        } else if !responder {
            throw Error(description: "\(s.name): an initiator needs the peer's address")
        }
        // With a certificate our default identity is its subject DN, as charon's.
        let localID = try s.localID.map(identity) ?? credentials?.identity ?? (local.isIPv6 ? .ipv6(local.address) : .ipv4(local.address))
        guard let localID else { throw Error(description: "local_id cannot be %any") }
        let remoteID = try s.remoteID.map(identity) ?? remote.map { $0.address.count == 16 ? .ipv6($0.address) : .ipv4($0.address) }
        // Lifetimes become 32-bit seconds (RFC 2407 §4.5); a larger or non-finite duration is refused, not trapped on.
        let durations = [("ike_lifetime", s.ikeLifetime), ("esp_lifetime", s.espLifetime), ("keepalive", s.keepalive)]
            + (s.dpdDelay.map { [("dpd_delay", $0)] } ?? [])
        for (key, value) in durations where !(value.isFinite && value >= 1 && value <= Double(UInt32.max)) {
            throw Error(description: "\(s.name): \(key) \(value) s is not between 1 s and \(UInt32.max) s")
        }
        let ike: [IKEProposal], esp: [ChildProposal]
        do {
            ike = try IKEProposal.proposals(notation: s.ikeProposals, lifetime: Lifetime(seconds: UInt32(s.ikeLifetime)))
            esp = try ChildProposal.proposals(notation: s.espProposals)
        } catch {
            throw Error(description: "\(s.name): \(error.reason)")
        }
        // Without selectors the SA is host-to-host, without client IDs; a side left out is
        // swanctl's default, `dynamic`: that side's IKE address.
        var localTS: TrafficSelector?, remoteTS: TrafficSelector?
        let role: RemoteAccessRole?
        do throws(RemoteAccessSettings.Error) { role = try s.remoteAccess.role(responder: responder, readFile: readFile) } catch {
            throw Error(description: "\(s.name): \(error)")
        }
        // A remote-access gateway's peer side is each client's virtual IP, a client's its own virtual
        // IP (with the gateway's split network or 0.0.0.0/0 as remote): neither is written here.
        let virtualIPs = responder ? s.remoteAccess.pool != nil : role != nil
        if virtualIPs {
            localTS = try s.localTS.map { t throws(Error) in try selector(t, name: "local_ts", dynamic: local.address) }
            remoteTS = try s.remoteTS.map { t throws(Error) in try selector(t, name: "remote_ts", dynamic: remote?.address) }
        } else if s.localTS != nil || s.remoteTS != nil {
            localTS = try selector(s.localTS ?? "dynamic", name: "local_ts", dynamic: local.address)
            remoteTS = try selector(s.remoteTS ?? "dynamic", name: "remote_ts", dynamic: remote?.address)
        }
        var retransmit = RetransmitPolicy()
        if let t = s.retransmitTries { retransmit.tries = t }
        if let t = s.retransmitTimeout { retransmit.timeout = t }
        if let b = s.retransmitBase { retransmit.base = b }
        var config = PeerConfig(
            name: s.name, localAddress: local, remoteAddress: remote,
            localIdentity: localID, remoteIdentity: remoteID, authentication: authentication,
            ikeProposals: ike, childProposals: esp, mode: s.transport ? .transport : .tunnel,
            localTrafficSelector: localTS, remoteTrafficSelector: remoteTS,
            childLifetime: Lifetime(seconds: UInt32(s.espLifetime),
                                    kilobytes: s.espLifetimeBytes.map { UInt32(clamping: ($0 + 1023) / 1024) }), aggressive: s.aggressive, legacy: s.legacy,
            allowAggressiveModePSKResponder: s.aggressivePSKResponder, forceEncapsulation: s.encap,
            dpdDelay: s.dpdDelay, keepaliveInterval: s.keepalive, retransmit: retransmit,
            // Rekey a child SA a tenth of its lifetime before it ends, as charon's defaults do (rekey 1 h of 1.1 h).
            rekeyMargin: s.espRekeyMargin ?? s.espLifetime / 10)
        config.rekeyFuzz = s.espRekeyFuzz
        config.childPacketLimit = s.espLifetimePackets
        config.ikeRenewal = RenewalPolicy(margin: s.ikeRekeyMargin, fuzz: s.ikeRekeyFuzz, asResponder: s.ikeRekeyResponder)
        config.uniqueness = s.unique
        config.dpdAction = s.dpdAction
        config.closeAction = s.closeAction
        config.fragmentation = s.fragmentation
        config.fragmentSize = s.fragmentSize
        config.retry = RetryPolicy(keyingTries: s.keyingTries, initialDelay: s.retryBackoff,
                                   maximumDelay: max(s.retryBackoff, s.retryBackoffMax))
        if let role { config.enableRemoteAccess(role) }
        do { try config.validate() } catch { throw Error(description: "\(error)") }
        return config
    }
}
