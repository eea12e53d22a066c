import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Aggressive Mode, NAT traversal, lifetimes, DPD, Delete, rekeying and several Quick Modes.
@Suite struct PairScenarioTests {
    typealias Complete = PairExchangeTests

    @Test(arguments: ["aes128-sha256-modp2048", "aes256-sha512-ecp384", "3des-sha1-modp1024", "aes192-sha384-modp3072"])
    func aggressiveMode(ike: String) throws {
        let (a, b) = try TestConfig.pair(ike: ike, esp: "aes128-sha256", legacy: ike.contains("modp1024"), aggressive: true)
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(pair.established(.a).first?.exchange == .aggressive)
        #expect(pair.established(.b).first?.remoteIdentity == .fqdn("initiator.example"))
    }

    @Test func aggressiveModeResponderNeedsExplicitPermission() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", aggressive: true) { _, b in
            b.allowAggressiveModePSKResponder = false
        }
        let pair = try Complete.complete(a, b)
        #expect(pair.installed(.a).isEmpty && pair.established(.b).isEmpty)
        #expect(pair.failures(.b).first?.error.reason.contains("Aggressive Mode with PSK as responder is refused") == true)
        #expect(pair.failures(.a).contains { $0.error.kind == .peerNotify && $0.error.reason.contains("NO-PROPOSAL-CHOSEN") })
    }

    /// A behind a NAT: NAT-D detects it, MM5 on floats to 4500 with the non-ESP marker,
    /// the child is UDP-encapsulated (mode 3) and A sends keepalives.
    @Test func natIsDetectedAndTheExchangeFloats() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 9)
        pair.natPublic = [198, 51, 100, 7]
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 30)
        Complete.expectMatchingChildren(pair)
        let sentByA = pair.actions(.a).compactMap { if case .send(let d) = $0 { d } else { nil } }
        #expect(sentByA.prefix(2).allSatisfy { $0.destination.port == 500 && !$0.nonESPMarker })
        #expect(sentByA[2...].allSatisfy { $0.bytes == [0xff] || ($0.destination.port == 4500 && $0.nonESPMarker) })
        #expect(sentByA.contains { $0.bytes == [0xff] && !$0.nonESPMarker })   // NAT keepalive after 20 s
        let childB = try #require(pair.installed(.b).first)
        #expect(childB.udpEncapsulated && childB.remote == SocketAddress(address: [198, 51, 100, 7], port: 34500))
        #expect(pair.established(.a).first?.natDetected == true)
    }

    /// charon's `encap = yes`: a fake NAT-D hash forces UDP encapsulation without a NAT.
    @Test func forcedEncapsulation() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, _ in a.forceEncapsulation = true }
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(pair.installed(.a).first?.udpEncapsulated == true && pair.installed(.b).first?.udpEncapsulated == true)
    }

    /// Transport mode behind NAT carries NAT-OA (RFC 3947 §5.2): B learns A's original address.
    @Test func transportBehindNATSendsOriginalAddresses() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", mode: .transport)
        var pair = try Pair(a: a, b: b, seed: 10)
        pair.natPublic = [198, 51, 100, 7]
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 5)
        Complete.expectMatchingChildren(pair)
        #expect(pair.installed(.b).first?.peerOriginalAddress == Pair.addressA.address)
        #expect(pair.installed(.b).first?.mode == .transport)
    }

    /// RFC 2407 §4.5.4: the responder with the shorter lifetime says so; both install it.
    @Test func responderLifetimeIsSentAndHonoured() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { _, b in
            b.childLifetime = Lifetime(seconds: 1800)
        }
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(pair.installed(.a).first?.lifetime.seconds == 1800)
        #expect(pair.installed(.b).first?.lifetime.seconds == 1800)
    }

    @Test func severalQuickModesInFlightGetUniqueMessageIDs() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256-modp2048")
        var pair = try Complete.complete(a, b)
        let sa = try #require(pair.established(.a).first?.id)
        pair.feed(.a, .rekeyChild(sa: sa))
        pair.feed(.a, .rekeyChild(sa: sa))
        pair.run(seconds: 10)
        let children = pair.installed(.a)
        #expect(children.count == 3 && pair.installed(.b).count == 3)
        #expect(Set(children.map(\.messageID)).count == 3)
        #expect(Set(children.map(\.inbound.spi)).count == 3)
        #expect(pair.failures(.a).isEmpty && pair.failures(.b).isEmpty)
    }

    /// QM rekey before the soft lifetime: the new child is installed, then the old one deleted on both sides.
    @Test func childIsRekeyedBeforeItExpires() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256-modp2048") { a, b in
            a.childLifetime = Lifetime(seconds: 120)
            b.childLifetime = Lifetime(seconds: 120)
            a.rekeyMargin = 30
        }
        var pair = try Complete.complete(a, b)
        let first = try #require(pair.installed(.a).first)
        pair.run(seconds: 100)
        #expect(pair.installed(.a).count == 2 && pair.installed(.b).count == 2)
        let deletedA = pair.actions(.a).compactMap { if case .deleteChildSA(let i, _, _) = $0 { i } else { nil } }
        let deletedB = pair.actions(.b).compactMap { if case .deleteChildSA(_, let o, _) = $0 { o } else { nil } }
        #expect(deletedA == [first.inbound.spi])
        #expect(deletedB == [first.inbound.spi])
        #expect(pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
    }

    @Test func deleteRemovesEverythingOnBothSides() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Complete.complete(a, b)
        let sa = try #require(pair.established(.a).first?.id)
        pair.feed(.a, .delete(sa: sa))
        pair.run(seconds: 5)
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
        #expect(pair.actions(.b).contains { if case .isakmpSADeleted = $0 { true } else { false } })
        #expect(pair.actions(.b).contains { if case .deleteChildSA = $0 { true } else { false } })
    }

    @Test func deadPeerDetection() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.dpdDelay = 10
            b.dpdDelay = 10
        }
        var pair = try Complete.complete(a, b)
        pair.run(seconds: 60)
        #expect(pair.failures(.a).isEmpty && pair.failures(.b).isEmpty)   // probes answered
        pair.linkDown = true
        pair.run(seconds: 120)
        #expect(pair.failures(.a).contains { $0.error.kind == .deadPeer })
        #expect(pair.actions(.a).contains { if case .isakmpSADeleted = $0 { true } else { false } })
        #expect(pair.a.sessionCount == 0)
    }

    /// The commit bit (RFC 2408 §3.1) is accepted on Quick Mode messages, never required.
    @Test func commitBitIsAccepted() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 3)
        pair.tamper = { _, bytes in
            guard bytes.count > 28, bytes[18] == 32 else { return }   // Quick Mode on port 500
            bytes[19] |= 0x02
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        Complete.expectMatchingChildren(pair)
    }
}

/// DPD stays quiet while the ESP layer reports traffic (RFC 3706 §5.5: probe only when idle).
@Suite struct DPDIdleTests {
    @Test func trafficKeepsDPDQuiet() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, _ in a.dpdDelay = 10 }
        var pair = try PairExchangeTests.complete(a, b)
        let spi = try #require(pair.installed(.a).first?.inbound.spi)
        let sent = pair.transcript.count
        for _ in 0..<6 {
            pair.run(seconds: 5)
            pair.feed(.a, .childTraffic(inboundSPI: spi, packets: 1))   // one packet received
        }
        #expect(pair.transcript.count == sent)   // no R-U-THERE while traffic flows
        pair.run(seconds: 25)
        #expect(pair.transcript.count > sent)    // idle: probes go out, and are answered
        #expect(pair.failures(.a).isEmpty)
    }
}

/// Kilobyte lifetimes (RFC 2407 §4.5): traffic reported by the ESP layer rekeys at 90 %.
@Suite struct KilobyteLifetimeTests {
    @Test func trafficRekeys() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.childLifetime = Lifetime(seconds: 3600, kilobytes: 1000)
            b.childLifetime = Lifetime(seconds: 3600, kilobytes: 1000)
        }
        var pair = try PairExchangeTests.complete(a, b)
        let first = try #require(pair.installed(.a).first)
        pair.feed(.a, .childTraffic(inboundSPI: first.inbound.spi, bytes: 500 * 1024))
        pair.run(seconds: 2)
        #expect(pair.installed(.a).count == 1)
        pair.feed(.a, .childTraffic(inboundSPI: first.inbound.spi, bytes: 450 * 1024))   // 95 %: rekey
        pair.run(seconds: 2)
        #expect(pair.installed(.a).count == 2 && pair.installed(.b).count == 2)
        #expect(pair.a.childSAs.count == 1 && pair.a.childSAs.first?.inbound.spi != first.inbound.spi)
        let second = try #require(pair.a.childSAs.first)
        // B's report crosses the soft and the hard limit at once: B rekeys, and the SA goes when
        // the new one is installed (VolumeLifetimeTests: with no rekey possible, at once).
        pair.feed(.b, .childTraffic(inboundSPI: second.outbound.spi, bytes: 1000 * 1024))
        pair.run(seconds: 2)
        #expect(pair.installed(.b).count == 3 && pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
        #expect(pair.a.childSAs.first?.inbound.spi != second.inbound.spi)
        #expect(pair.failures(.a).isEmpty && pair.failures(.b).isEmpty)
    }
}
