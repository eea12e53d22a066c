import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire

/// The pair harness is IPsecTestSupport's `EndpointPair`; these helpers read its log.
typealias Pair = EndpointPair

extension EndpointPair {
    static let addressA = SocketAddress(address: [192, 0, 2, 1], port: 500)
    static let addressB = SocketAddress(address: [192, 0, 2, 2], port: 500)

    func installed(_ side: Side) -> [ChildSA] {
        actions(side).compactMap { if case .installChildSA(let c) = $0 { c } else { nil } }
    }

    func established(_ side: Side) -> [ISAKMPSAInfo] {
        actions(side).compactMap { if case .isakmpSAEstablished(let i) = $0 { i } else { nil } }
    }

    func failures(_ side: Side) -> [Failure] {
        actions(side).compactMap { if case .failed(let f) = $0 { f } else { nil } }
    }

    func notifies(_ side: Side) -> [ReceivedNotify] {
        actions(side).compactMap { if case .notifyReceived(let n) = $0 { n } else { nil } }
    }

    /// One line per datagram sent (exchange, message ID, cleartext payloads), for failure messages.
    var trace: [String] {
        transcript.map { bytes in
            let ike = bytes.count > 4 && bytes.prefix(4) == [0, 0, 0, 0] ? bytes.dropFirst(4) : bytes[...]
            guard let m = try? ISAKMPMessage.decode(ike) else { return "\(bytes.count) bytes" }
            let list = m.payloads.map { $0.map { $0.type.name ?? "?" }.joined(separator: " ") } ?? "encrypted"
            return "\(m.header.exchangeType.name ?? "") mid=\(m.header.messageID) [\(list)]"
        }
    }
}

/// Configurations for the two sides, like the fixtures' (192.0.2.1 protects 198.51.100.0/24,
/// 192.0.2.2 protects 203.0.113.0/24).
enum TestConfig {
    static let psk = SecretBytes(Array("ikev1-interop-test-psk".utf8))

    static func pair(ike: String, esp: String, legacy: Bool = false, mode: IPsecMode = .tunnel, aggressive: Bool = false,
                     hostToHost: Bool = false, responderIKE: String? = nil, responderESP: String? = nil,
                     customize: (inout PeerConfig, inout PeerConfig) -> Void = { _, _ in }) throws -> (PeerConfig, PeerConfig) {
        let netA = try TrafficSelector(notation: "198.51.100.0/24")
        let netB = try TrafficSelector(notation: "203.0.113.0/24")
        let useTS = !hostToHost && mode == .tunnel
        var a = PeerConfig(name: "to-b", localAddress: Pair.addressA, remoteAddress: Pair.addressB,
                           localIdentity: aggressive ? .fqdn("initiator.example") : .ipv4(Pair.addressA.address),
                           remoteIdentity: aggressive ? .fqdn("responder.example") : .ipv4(Pair.addressB.address),
                           authentication: .preSharedKey(psk), ikeProposals: try IKEProposal.proposals(notation: ike),
                           childProposals: try ChildProposal.proposals(notation: esp), mode: mode,
                           localTrafficSelector: useTS ? netA : nil, remoteTrafficSelector: useTS ? netB : nil,
                           aggressive: aggressive, legacy: legacy)
        var b = PeerConfig(name: "from-a", localAddress: Pair.addressB, remoteAddress: nil,
                           localIdentity: aggressive ? .fqdn("responder.example") : .ipv4(Pair.addressB.address),
                           remoteIdentity: aggressive ? .fqdn("initiator.example") : .ipv4(Pair.addressA.address),
                           authentication: .preSharedKey(psk), ikeProposals: try IKEProposal.proposals(notation: responderIKE ?? ike),
                           childProposals: try ChildProposal.proposals(notation: responderESP ?? esp), mode: mode,
                           localTrafficSelector: useTS ? netB : nil, remoteTrafficSelector: useTS ? netA : nil,
                           legacy: legacy, allowAggressiveModePSKResponder: aggressive)
        customize(&a, &b)
        return (a, b)
    }
}
