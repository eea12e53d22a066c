import Foundation
import IKEv1
import IPsecCrypto
import ISAKMPWire
import PacketCapture
import TestSupport

/// strongSwan fixtures (Fixtures/captures/strongswan/<scenario>, made by
/// shared/interop/run-scenario.sh with two charon 5.9.8 daemons; see Fixtures/README.md).
struct StrongSwanFixture {
    let name: String
    let keys: [String: Any]
    /// ISAKMP messages by frame number (non-ESP marker stripped), with addresses.
    let isakmp: [Int: (bytes: [UInt8], from: SocketAddress, to: SocketAddress)]
    /// `key = value` lines of swanctl-responder.conf / -initiator.conf by block path (`local.id`, `proposals`).
    let responderConf: [String: String]
    let initiatorConf: [String: String]

    init(_ name: String) throws {
        self.name = name
        let dir = "captures/strongswan/\(name)/"
        keys = try Fixtures.json(dir + "keys.json")
        var reader = try CaptureReader(bytes: Fixtures.bytes(dir + "capture.pcap"))
        var found: [Int: ([UInt8], SocketAddress, SocketAddress)] = [:]
        while let frame = try reader.next() {
            let p = PacketDecoder.decode(frame)
            guard let ip = p.ip, case .udp(let sp, let dp, let payload)? = p.transport else { continue }
            var body = Array(payload)
            if sp == 4500 || dp == 4500 {
                guard body.count > 8, body.prefix(4) == [0, 0, 0, 0] else { continue }
                body.removeFirst(4)
            }
            found[frame.index] = (body, SocketAddress(address: ip.source.bytes, port: sp), SocketAddress(address: ip.destination.bytes, port: dp))
        }
        isakmp = found.mapValues { (bytes: $0.0, from: $0.1, to: $0.2) }
        responderConf = Self.parse(try Fixtures.text(dir + "swanctl-responder.conf"))
        initiatorConf = Self.parse(try Fixtures.text(dir + "swanctl-initiator.conf"))
    }

    /// A flat reading of swanctl.conf: the innermost `local`/`remote` block prefixes its keys.
    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var stack: [String] = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasSuffix("{") { stack.append(String(line.dropLast()).trimmingCharacters(in: .whitespaces)); continue }
            if line == "}" { _ = stack.popLast(); continue }
            let kv = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            let prefix = stack.last.map { ["local", "remote"].contains($0) ? "\($0)." : "" } ?? ""
            if out[prefix + kv[0]] == nil { out[prefix + kv[0]] = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return out
    }

    var phase1: [String: Any] { keys["phase1"] as! [String: Any] }
    var quickModes: [[String: Any]] { keys["quick_modes"] as? [[String: Any]] ?? [] }

    static func identity(_ text: String) -> Identity {
        if text.hasPrefix("@") { return .fqdn(String(text.dropFirst())) }
        if let a = SocketAddress.ipv4(text) { return .ipv4(a) }
        if text.contains("@") { return .userFQDN(text) }
        return .fqdn(text)
    }

    /// A config like swanctl-responder.conf (or -initiator.conf); legacy when its proposals need it.
    func config(responder: Bool) throws -> PeerConfig {
        let conf = responder ? responderConf : initiatorConf
        let ike = try IKEProposal.proposals(notation: conf["proposals"]!)
        let esp = try ChildProposal.proposals(notation: conf["esp_proposals"]!)
        let local = SocketAddress(address: SocketAddress.ipv4(conf["local_addrs"]!)!, port: 500)
        let remote = SocketAddress(address: SocketAddress.ipv4(conf["remote_addrs"]!)!, port: 500)
        return PeerConfig(name: name, localAddress: local, remoteAddress: responder ? nil : remote,
                          localIdentity: Self.identity(conf["local.id"]!), remoteIdentity: Self.identity(conf["remote.id"]!),
                          authentication: .preSharedKey(SecretBytes(Array(conf["secret"]!.utf8))), ikeProposals: ike, childProposals: esp,
                          mode: conf["mode"] == "transport" ? .transport : .tunnel,
                          localTrafficSelector: try TrafficSelector(notation: conf["local_ts"]!),
                          remoteTrafficSelector: try TrafficSelector(notation: conf["remote_ts"]!),
                          aggressive: conf["aggressive"] == "yes",
                          legacy: ike.contains(where: \.isLegacy) || esp.contains(where: \.isLegacy),
                          allowAggressiveModePSKResponder: true, forceEncapsulation: conf["encap"] == "yes")
    }

    /// charon's `IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048` in our notation.
    static func notation(_ charon: String) -> String {
        let parts = charon.replacingOccurrences(of: "IKE:", with: "").split(separator: "/").map(String.init)
        var enc = "", prf = "", group = ""
        for p in parts {
            if p.hasPrefix("AES_CBC_") { enc = "aes" + p.dropFirst(8) }
            else if p == "3DES_CBC" { enc = "3des" }
            else if p.hasPrefix("PRF_HMAC_SHA2_") { prf = "sha" + p.dropFirst(14) }
            else if p == "PRF_HMAC_SHA1" { prf = "sha1" }
            else if p == "PRF_HMAC_MD5" { prf = "md5" }
            else if p.hasPrefix("MODP_") { group = "modp" + p.dropFirst(5) }
            else if p.hasPrefix("ECP_") { group = "ecp" + p.dropFirst(4) }
        }
        return "\(enc)-\(prf)-\(group)"
    }
}

func hex(_ s: String) -> [UInt8] { [UInt8](hexString: s) ?? [] }

extension Dictionary where Key == String, Value == Any {
    func bytes(_ key: String) -> [UInt8] { hex(self[key] as? String ?? "") }
}
