@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// A remote-access client (side A, group `ragroup` as ID_KEY_ID, user alice) and gateway (side
/// B, pool 10.99.0.10-10.99.0.19, protecting 203.0.113.0/24), both ours, as the lab's
/// (../shared/interop/remote-access: charon's ra-am/ra-mm connections).
enum RemoteAccessConfig {
    static let group = Identity.keyID(Array("ragroup".utf8))
    static let users = TestUsers(["alice": "alice-pass", "bob": "bob-pass"])
    static let gatewayAttributes: [ModeConfigAttribute] = [
        .internalIP4DNS([198, 19, 100, 53]), .internalIP4NBNS([198, 19, 100, 54]),
        .unityBanner("Welcome to the ra lab gateway"), .unityDefaultDomain("ra.test"),
    ]

    /// Users in memory (the CLI's XAUTHUsersFile does the same from a file).
    struct TestUsers: XAUTHAuthenticator {
        let passwords: [String: String]
        init(_ passwords: [String: String]) { self.passwords = passwords }
        func authenticate(user: String, password: SecretBytes) -> XAUTHDecision {
            passwords[user].map { SecretBytes(Array($0.utf8)) == password } == true ? .accept : .reject
        }
    }

    /// Answers each REQUEST with the next password of a list (a user who mistypes first).
    struct Attempts: XAUTHCredentialSource {
        let passwords: [String]
        func credentials(attempt: Int, message: String?) -> XAUTHCredentials? {
            attempt <= passwords.count ? XAUTHCredentials(user: "alice", password: SecretBytes(Array(passwords[attempt - 1].utf8))) : nil
        }
    }

    static func pair(aggressive: Bool = true, clientMode: ModeConfigMode? = .pull, gatewayMode: ModeConfigMode? = .pull,
                     password: String = "alice-pass", source: (any XAUTHCredentialSource)? = nil, xauth: Bool = true,
                     pool: String = "10.99.0.10-10.99.0.19", attempts: Int = 1, attributes: [ModeConfigAttribute] = gatewayAttributes,
                     localTS: String = "203.0.113.0/24", esp: String = "aes128-sha256",
                     customize: (inout PeerConfig, inout PeerConfig) -> Void = { _, _ in }) throws -> (PeerConfig, PeerConfig) {
        var client = PeerConfig(name: "to-gw", localAddress: Pair.addressA, remoteAddress: Pair.addressB, localIdentity: group,
                                remoteIdentity: .ipv4(Pair.addressB.address), authentication: .preSharedKey(TestConfig.psk),
                                ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
                                childProposals: try ChildProposal.proposals(notation: esp), aggressive: aggressive)
        var gateway = PeerConfig(name: "ra", localAddress: Pair.addressB, remoteAddress: nil, localIdentity: .ipv4(Pair.addressB.address),
                                 remoteIdentity: group, authentication: .preSharedKey(TestConfig.psk),
                                 ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
                                 childProposals: try ChildProposal.proposals(notation: esp),
                                 localTrafficSelector: try TrafficSelector(notation: localTS),
                                 allowAggressiveModePSKResponder: true)
        let credentials = source ?? XAUTHCredentials(user: "alice", password: SecretBytes(Array(password.utf8)))
        client.enableRemoteAccess(.client(RemoteAccessClient(xauth: xauth ? credentials : nil, modeConfig: clientMode)))
        gateway.enableRemoteAccess(.gateway(RemoteAccessGateway(authenticator: xauth ? users : nil, xauthAttempts: attempts,
                                                                modeConfig: gatewayMode, pool: pool, attributes: attributes)))
        customize(&client, &gateway)
        return (client, gateway)
    }

    /// Runs the pair until both sides installed a child SA (or 60 virtual seconds passed).
    static func run(_ client: PeerConfig, _ gateway: PeerConfig, seed: UInt64 = 1,
                    configure: (inout Pair) -> Void = { _ in }) throws -> Pair {
        var pair = try Pair(a: client, b: gateway, seed: seed)
        configure(&pair)
        pair.feed(.a, .initiate(peer: client.name))
        pair.run(seconds: 60) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
        return pair
    }

    /// The exchange types in the order they went on the wire.
    static func exchanges(_ pair: Pair) -> [UInt8] {
        pair.transcript.compactMap { bytes in
            let ike = bytes.count > 4 && bytes.prefix(4) == [0, 0, 0, 0] ? bytes.dropFirst(4) : bytes[...]
            return (try? ISAKMPHeader.decode(ike))?.exchangeType.rawValue
        }
    }

    static func leased(_ endpoint: IKEv1Endpoint) -> Int { endpoint.addressPools.reduce(0) { $0 + $1.leasedCount } }
}
