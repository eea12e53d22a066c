import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire

/// Remote access between two engines (issue 16), recorded as ``EngineScenario`` records site to
/// site, so that a fuzz input can take the place of any datagram: Aggressive Mode with XAUTH and
/// Mode Config pull, and Main Mode with XAUTH (a mistyped first password, a second attempt) and
/// Mode Config push, each followed by Quick Mode from the virtual IP and a Delete. The Transaction
/// messages reach both roles: the client gets the REQUESTs, STATUS SETs, the REPLY and the pushed
/// SET; the gateway the REPLYs, ACKs and the pulled REQUEST.
enum TransactionScenario {
    /// Every stage of both scenarios, in order; built once per process.
    nonisolated(unsafe) static let stages: [EngineScenario.Stage] =
        record(aggressive: true, mode: .pull, passwords: ["fuzz-pass"]) + record(aggressive: false, mode: .push, passwords: ["typo", "fuzz-pass"])

    static let password = "fuzz-pass"

    struct Users: XAUTHAuthenticator {
        func authenticate(user: String, password: SecretBytes) -> XAUTHDecision {
            user == "fuzz" && password == SecretBytes(Array(TransactionScenario.password.utf8)) ? .accept : .reject
        }
    }

    struct Answers: XAUTHCredentialSource {
        let passwords: [String]
        func credentials(attempt: Int, message: String?) -> XAUTHCredentials? {
            attempt <= passwords.count ? XAUTHCredentials(user: "fuzz", password: SecretBytes(Array(passwords[attempt - 1].utf8))) : nil
        }
    }

    static func record(aggressive: Bool, mode: ModeConfigMode, passwords: [String]) -> [EngineScenario.Stage] {
        let group = Identity.keyID(Array("fuzzgroup".utf8))
        let psk = SecretBytes(Array("fuzz-group-secret".utf8))
        guard let ike = try? IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
              let esp = try? ChildProposal.proposals(notation: "aes128-sha256"),
              let inner = try? TrafficSelector(notation: "203.0.113.0/24") else { return [] }
        var a = PeerConfig(name: "to-gw", localAddress: EngineScenario.addressA, remoteAddress: EngineScenario.addressB,
                           localIdentity: group, remoteIdentity: .ipv4(EngineScenario.addressB.address), authentication: .preSharedKey(psk),
                           ikeProposals: ike, childProposals: esp, aggressive: aggressive, dpdDelay: 30)
        var b = PeerConfig(name: "ra", localAddress: EngineScenario.addressB, remoteAddress: nil,
                           localIdentity: .ipv4(EngineScenario.addressB.address), remoteIdentity: group, authentication: .preSharedKey(psk),
                           ikeProposals: ike, childProposals: esp, localTrafficSelector: inner,
                           allowAggressiveModePSKResponder: true, dpdDelay: 30)
        a.enableRemoteAccess(.client(RemoteAccessClient(xauth: Answers(passwords: passwords), modeConfig: mode)))
        b.enableRemoteAccess(.gateway(RemoteAccessGateway(
            authenticator: Users(), xauthAttempts: 2, modeConfig: mode, pool: "10.99.0.10-10.99.0.11",
            attributes: [.internalIP4DNS([198, 19, 100, 53]), .unityBanner("fuzz"), .unityDefaultDomain("fuzz.test")])))
        return EngineScenario.record(a, b, nat: false) { pair in
            guard let sa = pair.a.isakmpSAs.first?.id else { return }
            pair.feed(.a, .delete(sa: sa))
            pair.run(seconds: 5)
        }
    }
}
