import IKEv1
import IKEv1Config
import IPsecNode
import Testing

/// The config keys that keep a tunnel up (README "Keeping tunnels up"): renewal margins and fuzz,
/// uniqueness, volume lifetimes, restart policies, and what the engine makes of them.
struct KeepUpConfigTests {
    static let text = """
    [conn gw]
    remote = 192.0.2.2
    psk = ikev1-interop-test-psk
    ike_lifetime = 30s
    ike_rekey_margin = 5s
    ike_rekey_fuzz = 50%
    ike_rekey_responder = no
    esp_lifetime = 40s
    esp_rekey_margin = 8s
    esp_rekey_fuzz = 0
    unique = keep
    esp_lifetime_bytes = 50M
    esp_lifetime_packets = 100k
    dpd_action = restart
    close_action = hold
    start_action = trap
    keyingtries = %forever
    retry_backoff = 1s
    retry_backoff_max = 30s
    """

    @Test func renewalAndUniquenessReachTheEngine() throws {
        let s = try #require(try ConfigFile.parse(Self.text).first)
        #expect(s.ikeRekeyMargin == 5 && s.ikeRekeyFuzz == 0.5 && !s.ikeRekeyResponder)
        #expect(s.espRekeyMargin == 8 && s.espRekeyFuzz == 0 && s.unique == .keep)
        let config = try PeerConfigBuilder.build(s, local: SocketAddress(address: [192, 0, 2, 1], port: 500), responder: false)
        #expect(config.ikeRenewal == RenewalPolicy(margin: 5, fuzz: 0.5, asResponder: false))
        #expect(config.rekeyMargin == 8 && config.rekeyFuzz == 0 && config.uniqueness == .keep)
        #expect(s.startAction == .trap)
        #expect(config.childLifetime == Lifetime(seconds: 40, kilobytes: 50 * 1024) && config.childPacketLimit == 100 * 1024)
        #expect(config.dpdAction == .restart && config.closeAction == .hold)
        #expect(config.retry == RetryPolicy(keyingTries: 0, initialDelay: 1, maximumDelay: 30))
    }

    @Test func defaultsAreLibreswansAndCharons() throws {
        let s = try #require(try ConfigFile.parse("[conn gw]\nremote = 192.0.2.2\npsk = x\n").first)
        let config = try PeerConfigBuilder.build(s, local: SocketAddress(address: [192, 0, 2, 1], port: 500), responder: false)
        #expect(config.ikeRenewal == RenewalPolicy(margin: 540, fuzz: 1, asResponder: true))
        #expect(config.uniqueness == .replace && config.rekeyMargin == 360)
    }

    @Test(arguments: ["ike_rekey_margin = soon", "ike_rekey_fuzz = -1", "unique = sometimes", "esp_lifetime_bytes = lots",
                      "dpd_action = reboot", "start_action = later", "keyingtries = -1"])
    func mistakesNameTheirLine(_ line: String) {
        #expect(throws: ConfigFile.Error.self) { _ = try ConfigFile.parse("[conn gw]\npsk = x\n\(line)\n") }
    }

    /// A 30 s ISAKMP SA with the default 9 min margin renews in its second half, 15-22.5 s in.
    @Test func aLongMarginIsShortenedToTheSecondHalf() {
        let p = RenewalPolicy()
        #expect(p.renewalDelay(lifetime: 30, random: 0) == 22.5)
        #expect(p.renewalDelay(lifetime: 30, random: 0.999_999)! > 15)
        #expect(p.renewalDelay(lifetime: 14_400, random: 0) == 13_860.0)
        #expect(RenewalPolicy(margin: 0).renewalDelay(lifetime: 30, random: 0.5) == nil)
    }
}
