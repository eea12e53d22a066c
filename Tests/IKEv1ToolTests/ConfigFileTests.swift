import IKEv1
import IPsecCrypto
import Testing
import IKEv1Config

/// The config file of `ikev1 initiate/respond/connect`: what it accepts, and
/// that every mistake names its line and says why.
struct ConfigFileTests {
    static let example = """
    # office tunnel, as README.md documents it
    [conn office]
    remote = 192.0.2.2
    local_id = @client.example   # FQDN identity
    remote_id = 192.0.2.2
    psk = ikev1-interop-test-psk
    proposals = aes128-sha256-modp2048,aes256-sha384-ecp384
    esp_proposals = aes128gcm16-modp2048
    local_ts = 198.51.100.0/24
    remote_ts = 203.0.113.0/24
    dpd_delay = 30s
    keepalive = 5s
    esp_lifetime = 60m
    aggressive = yes

    [conn lab]
    remote = %any
    psk_env = LAB_PSK
    mode = transport
    """

    @Test func readsEveryKey() throws {
        let conns = try ConfigFile.parse(Self.example, environment: ["LAB_PSK": "s3cret"])
        #expect(conns.count == 2)
        let office = conns[0]
        #expect(office.name == "office" && office.remote == "192.0.2.2" && office.localID == "@client.example")
        #expect(office.psk == SecretBytes("ikev1-interop-test-psk".utf8))
        #expect(office.ikeProposals == "aes128-sha256-modp2048,aes256-sha384-ecp384")
        #expect(office.dpdDelay == 30 && office.espLifetime == 3600 && office.aggressive)
        #expect(office.keepalive == 5 && conns[1].keepalive == 20)
        #expect(conns[1].transport && conns[1].psk == SecretBytes("s3cret".utf8))
    }

    /// A file saved with Windows line ends reads the same ("\r\n" is one Swift Character).
    @Test func crlfLineEndsReadTheSame() throws {
        let crlf = Self.example.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        #expect(try ConfigFile.parse(crlf, environment: ["LAB_PSK": "s3cret"])
                == ConfigFile.parse(Self.example, environment: ["LAB_PSK": "s3cret"]))
        #expect {
            _ = try ConfigFile.parse("[conn a]\r\npsk = x\r\nmode = tunel\r\n")
        } throws: { error in
            (error as? ConfigFile.Error).map { $0.line == 3 && $0.message == "mode is tunnel or transport, not tunel" } ?? false
        }
    }

    @Test(arguments: [
        ("[conn a]\npsk = x\npropsals = aes128\n", 3, "unknown key propsals (did you mean proposals?)"),
        ("[conn a]\npsk = x\nmode = tunel\n", 3, "mode is tunnel or transport, not tunel"),
        ("[conn a]\npsk = x\naggressive = maybe\n", 3, "aggressive is yes or no, not maybe"),
        ("[conn a]\npsk = x\npsk_env = P\n", 3, "give only one"),
        ("psk = x\n", 1, "outside a [conn NAME] or [secrets] section"),
        ("[conn a]\nremote = 1.2.3.4\n", 3, "has no psk"),
        ("[conn a]\npsk = x\ndpd_delay = soon\n", 3, "is a duration"),
        ("[conn a]\npsk = x\nkeepalive = often\n", 3, "is a duration"),
        ("[conn a]\npsk = x\njust words\n", 3, "expected key = value"),
        ("[conn a]\npsk = x\n[conn a]\npsk = y\n", 3, "defined twice"),
        ("[peer a]\n", 1, "expected [conn NAME]"),
        ("[conn a]\npsk = x\nremote = a\nremote = b\n", 4, "remote given twice"),
        ("[conn a]\npsk_env = NOPE\n", 2, "NOPE is not set"),
        ("[conn a]\npsk = x\nblock_threshold = 0\n", 3, "block_threshold is a positive number, not 0"),
        ("[conn a]\npsk = x\nmax_packet = 100\n", 3, "max_packet below 512"),
        ("[conn a]\npsk = x\nretransmit_tries = 0\n", 3, "retransmit_tries is a count of 1 or more"),
        ("[conn a]\npsk = x\nretransmit_base = 0.5\n", 3, "retransmit_base is a factor of 1 or more"),
        ("[conn a]\npsk = x\nretransmit_timeout = -1\n", 3, "is a duration"),
        ("[conn a]\nremote = 192.0.2.9\n[secrets]\n192.0.2.8 = x\n", 3, "connection a has no psk"),
        ("[secrets]\nnot an id! = x\n[conn a]\npsk = y\n", 2, "not an identity"),
        ("[secrets]\n@a = x\n@a = y\n[conn a]\npsk = y\n", 3, "a secret for @a is given twice"),
        ("[secrets]\n@a = 0xzz\n[conn a]\npsk = y\n", 2, "psk 0x... is not hex"),
    ])
    func mistakesNameTheirLine(text: String, line: Int, message: String) {
        do {
            _ = try ConfigFile.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// The responder limits take charon's `strongswan.conf` names; unset, they are the engine's defaults.
    @Test func responderLimits() throws {
        let text = "[conn a]\npsk = x\nblock_threshold = 3\ninit_limit_half_open = 200\nhalf_open_timeout = 20s\n"
            + "max_ikev1_exchanges = 2\nmax_packet = 4000\naggressive_per_second = 10\n[conn b]\npsk = y\n"
        let conns = try ConfigFile.parse(text)
        #expect(conns[0].limits == ResponderLimits(halfOpenPerAddress: 3, halfOpen: 200, halfOpenTimeout: 20,
                                                   quickModesInProgress: 2, aggressiveModePerSecond: 10, maxMessageSize: 4000))
        #expect(conns[1].limits == ResponderLimits())
    }

    /// charon's retransmit_tries/_timeout/_base reach the engine's policy; unset ones keep its defaults.
    @Test func retransmitKeysReachTheEngine() throws {
        let text = "[conn a]\npsk = x\nremote = 192.0.2.2\nretransmit_tries = 10\nretransmit_timeout = 500\n"
        let c = try #require(try ConfigFile.parse(text).first)
        #expect(c.retransmitTries == 10 && c.retransmitTimeout == 500 && c.retransmitBase == nil)
        let config = try PeerConfigBuilder.build(c, local: try #require(SocketAddress("192.0.2.1", defaultPort: 500)), responder: false)
        #expect(config.retransmit == RetransmitPolicy(timeout: 500, base: RetransmitPolicy().base, tries: 10))
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: ConfigFile.Error.self) { try ConfigFile.parse("# nothing\n") }
    }

    /// `[secrets]` (charon's secrets by identity): a connection without credentials of its own
    /// takes the PSK filed under its `remote_id`, else under its peer's address; its own wins.
    @Test func secretsAreFoundByIdentityThenAddress() throws {
        let text = """
            [conn by-id]
            remote = 192.0.2.10
            remote_id = @spoke1.example
            [conn by-address]
            remote = 192.0.2.11:500
            [conn own]
            remote = 192.0.2.12
            psk = mine
            [secrets]
            @spoke1.example = "first secret"
            192.0.2.11 = 0x736563
            192.0.2.10 = not-this-one
            192.0.2.12 = nor-this
            """
        let conns = try ConfigFile.parse(text)
        #expect(conns.map(\.name) == ["by-id", "by-address", "own"])
        #expect(conns[0].psk == SecretBytes("first secret".utf8))
        #expect(conns[1].psk == SecretBytes("sec".utf8))
        #expect(conns[2].psk == SecretBytes("mine".utf8))
    }
}
