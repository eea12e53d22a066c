import IKEv1
import IKEv1Config
import IPsecCrypto
import IPsecNode
import ISAKMPWire
import Testing

/// Remote access through the one config path: `[conn]` keys and the CLI's flags (same names,
/// ConnectionOptions applies flags through RemoteAccessSettings) into the engine's PeerConfig.
struct RemoteAccessConfigTests {
    static let local = SocketAddress(address: [198, 19, 0, 1], port: 500)
    static let users: [String: [UInt8]] = ["/etc/ra-users": Array("alice:alice-pass\nbob:$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/\n".utf8)]

    static func build(_ body: String, responder: Bool, environment: [String: String] = ["XPW": "alice-pass"]) throws -> PeerConfig {
        let conns = try ConfigFile.parse("[conn ra]\n" + body, readFile: { users[$0] }, environment: environment)
        return try PeerConfigBuilder.build(conns[0], local: local, responder: responder, readFile: { users[$0] })
    }

    @Test(arguments: [("keyid:ragroup", Array("ragroup".utf8)), ("keyid:#0a0b", [0x0a, 0x0b]), ("@#0a0b", [0x0a, 0x0b])])
    func keyIDIdentities(text: String, bytes: [UInt8]) throws {
        #expect(try PeerConfigBuilder.identity(text) == .keyID(bytes))
    }

    @Test(arguments: ["keyid:", "keyid:#zz"])
    func badKeyIDsAreRefused(text: String) {
        #expect(throws: PeerConfigBuilder.Error.self) { try PeerConfigBuilder.identity(text) }
    }

    /// The lab's gateway as a config section: XAUTH users, pool, DNS, NBNS, banner, domain;
    /// local_ts becomes the split include, and every proposal XAUTHInitPreShared.
    @Test func gatewaySection() throws {
        let config = try Self.build("""
            psk = ra-group-secret
            aggressive = yes
            aggressive_psk_responder = yes
            remote_id = keyid:ragroup
            local_ts = 198.19.100.0/24
            xauth_users = /etc/ra-users
            xauth_tries = 2
            pool = 10.99.0.10-10.99.0.99
            dns = 198.19.100.53
            dns = 198.19.100.55
            nbns = 198.19.100.54
            banner = Welcome
            default_domain = ra.test
            modecfg = push
            """, responder: true)
        guard case .gateway(let g)? = config.remoteAccess else { Issue.record("not a gateway"); return }
        #expect(g.pool == "10.99.0.10-10.99.0.99" && g.modeConfig == .push && g.xauthAttempts == 2)
        #expect(g.attributes == [.internalIP4DNS([198, 19, 100, 53]), .internalIP4DNS([198, 19, 100, 55]),
                                 .internalIP4NBNS([198, 19, 100, 54]), .unityBanner("Welcome"), .unityDefaultDomain("ra.test")])
        #expect(g.authenticator?.authenticate(user: "bob", password: SecretBytes(Array("password".utf8))) == .accept)
        #expect(config.remoteIdentity == .keyID(Array("ragroup".utf8)))
        #expect(config.remoteTrafficSelector == nil && config.localTrafficSelector?.description == "198.19.100.0/24")
        #expect(config.ikeProposals.allSatisfy { $0.authMethod == .xauthInitPreShared })
    }

    /// The lab's client: group ID, XAUTH user and password from the environment, pull by default.
    @Test func clientSection() throws {
        let config = try Self.build("""
            psk = ra-group-secret
            remote = 198.19.0.1
            local_id = keyid:ragroup
            xauth_user = alice
            xauth_password_env = XPW
            """, responder: false)
        guard case .client(let c)? = config.remoteAccess else { Issue.record("not a client"); return }
        #expect(c.modeConfig == .pull)
        #expect(c.xauth?.credentials(attempt: 1, message: nil)?.user == "alice")
        #expect(config.localIdentity == .keyID(Array("ragroup".utf8)))
        #expect(config.localTrafficSelector == nil && config.remoteTrafficSelector == nil)
    }

    @Test(arguments: [
        ("modecfg = sideways", "modecfg is pull or push"),
        ("pool = 10.0.0.0/33", "prefix length"),
        ("dns = 2001:db8::1", "not an IPv4 address"),
        ("split_include = 10.0.0.1-10.0.0.5", "not one IPv4 network"),
        ("xauth_password_env = NOPE", "NOPE is not set"),
        ("xauth_users = /missing", "cannot read xauth_users"),
        ("xauth_tries = 0", "1 or more"),
    ])
    func mistakesNameTheirLine(line: String, message: String) {
        #expect { try ConfigFile.parse("[conn ra]\npsk = x\n" + line + "\n", readFile: { Self.users[$0] }) } throws: { error in
            "\(error)".contains("line 3") && "\(error)".contains(message)
        }
    }

    @Test func roleMistakesAreNamed() throws {
        #expect { try Self.build("psk = x\nremote = 198.19.0.1\nxauth_user = alice\n", responder: false) } throws: { error in
            "\(error)".contains("needs its password")
        }
        #expect { try Self.build("psk = x\nlocal_ts = 198.19.100.0/24\ndns = 198.19.100.53\n", responder: true) } throws: { error in
            "\(error)".contains("needs a pool")
        }
        #expect { try Self.build("psk = x\nremote = 198.19.0.1\npool = 10.99.0.0/24\nxauth_user = a\nxauth_password_env = XPW\n",
                                 responder: false) } throws: { error in
            "\(error)".contains("gateway's")
        }
    }
}
