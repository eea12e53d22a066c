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
        #expect(office.psk == Array("ikev1-interop-test-psk".utf8))
        #expect(office.ikeProposals == "aes128-sha256-modp2048,aes256-sha384-ecp384")
        #expect(office.dpdDelay == 30 && office.espLifetime == 3600 && office.aggressive)
        #expect(conns[1].transport && conns[1].psk == Array("s3cret".utf8))
    }

    @Test(arguments: [
        ("[conn a]\npsk = x\npropsals = aes128\n", 3, "unknown key propsals (did you mean proposals?)"),
        ("[conn a]\npsk = x\nmode = tunel\n", 3, "mode is tunnel or transport, not tunel"),
        ("[conn a]\npsk = x\naggressive = maybe\n", 3, "aggressive is yes or no, not maybe"),
        ("[conn a]\npsk = x\npsk_env = P\n", 3, "give only one"),
        ("psk = x\n", 1, "outside a [conn NAME] section"),
        ("[conn a]\nremote = 1.2.3.4\n", 3, "has no psk"),
        ("[conn a]\npsk = x\ndpd_delay = soon\n", 3, "is a duration"),
        ("[conn a]\npsk = x\njust words\n", 3, "expected key = value"),
        ("[conn a]\npsk = x\n[conn a]\npsk = y\n", 3, "defined twice"),
        ("[peer a]\n", 1, "expected [conn NAME]"),
        ("[conn a]\npsk = x\nremote = a\nremote = b\n", 4, "remote given twice"),
        ("[conn a]\npsk_env = NOPE\n", 2, "NOPE is not set"),
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

    @Test func emptyFileIsAnError() {
        #expect(throws: ConfigFile.Error.self) { try ConfigFile.parse("# nothing\n") }
    }
}
