import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// IPsec SA volume lifetimes (README "Keeping tunnels up"): kilobytes (RFC 2407 §4.5), packets
/// (a local limit), and the 32-bit ESP sequence number, which must not wrap (RFC 4303 §3.3.3).
/// The ESP layer reports what it carried (``Event/childTraffic(inboundSPI:bytes:packets:sealed:)``).
@Suite struct VolumeLifetimeTests {
    static func pair(_ customize: (inout PeerConfig, inout PeerConfig) -> Void) throws -> Pair {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", customize: customize)
        return try PairExchangeTests.complete(a, b)
    }

    static func deleted(_ pair: Pair, _ side: Pair.Side) -> [String] {
        pair.actions(side).compactMap { if case .deleteChildSA(_, _, let r) = $0 { r } else { nil } }
    }

    /// Packets both ways: rekeyed at 90 % (no fuzz); a report past the end rekeys too.
    @Test func packetLimitRekeys() throws {
        var pair = try Self.pair { a, b in a.childPacketLimit = 1000; b.childPacketLimit = 1000 }
        let first = try #require(pair.installed(.a).first)
        pair.feed(.a, .childTraffic(inboundSPI: first.inbound.spi, packets: 800, sealed: 400))
        pair.run(seconds: 2)
        #expect(pair.installed(.a).count == 1)
        pair.feed(.a, .childTraffic(inboundSPI: first.inbound.spi, packets: 150, sealed: 75))
        pair.run(seconds: 2)
        #expect(pair.installed(.a).count == 2 && pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
        let second = try #require(pair.a.childSAs.first)
        pair.feed(.b, .childTraffic(inboundSPI: second.outbound.spi, packets: 1000, sealed: 500))
        pair.run(seconds: 2)
        #expect(pair.installed(.b).count == 3 && pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
        #expect(Self.deleted(pair, .b) == ["deleted by peer", "rekeyed"])
    }

    /// Past the hard limit with no rekey possible (the peer is unreachable, the rekey gave up),
    /// the SA is deleted.
    @Test func pastTheHardLimitWithNoRekeyTheSAGoes() throws {
        var pair = try Self.pair { a, b in a.childPacketLimit = 1000; b.childPacketLimit = 1000 }
        let first = try #require(pair.installed(.a).first)
        pair.linkDown = true
        pair.feed(.a, .childTraffic(inboundSPI: first.inbound.spi, packets: 950))
        pair.run(seconds: 120)   // the rekey's Quick Mode gives up
        #expect(pair.a.childSAs.count == 1)
        pair.feed(.a, .childTraffic(inboundSPI: first.inbound.spi, packets: 50))
        #expect(pair.a.childSAs.isEmpty)
        #expect(Self.deleted(pair, .a) == ["packet lifetime reached"])
    }

    /// Sealing toward the end of the 32-bit sequence number space rekeys well before the wrap (at 3/4).
    @Test func sequenceNumberExhaustionRekeysBeforeTheWrap() throws {
        var pair = try Self.pair { _, _ in }
        let first = try #require(pair.installed(.b).first)
        pair.feed(.b, .childTraffic(inboundSPI: first.inbound.spi, packets: 0xBFFF_FFFF, sealed: 0xBFFF_FFFF))
        pair.run(seconds: 2)
        #expect(pair.installed(.b).count == 1)
        pair.feed(.b, .childTraffic(inboundSPI: first.inbound.spi, packets: 2, sealed: 2))   // B, the Quick Mode responder, rekeys
        pair.run(seconds: 2)
        #expect(pair.installed(.a).count == 2 && pair.installed(.b).count == 2)
        #expect(pair.b.childSAs.count == 1 && pair.b.childSAs.first?.inbound.spi != first.inbound.spi)
        #expect(Self.deleted(pair, .b) == ["rekeyed"] && Self.deleted(pair, .a) == ["deleted by peer"])
    }

    /// Sealed-only traffic does not prove the peer alive (DPD keeps probing), received traffic does.
    @Test func onlyReceivedTrafficKeepsDPDQuiet() throws {
        var pair = try Self.pair { a, _ in a.dpdDelay = 10 }
        let spi = try #require(pair.installed(.a).first?.inbound.spi)
        let sent = pair.transcript.count
        for _ in 0..<4 {
            pair.run(seconds: 5)
            pair.feed(.a, .childTraffic(inboundSPI: spi, packets: 10, sealed: 10))
        }
        #expect(pair.transcript.count > sent)   // R-U-THERE went out although we sent ESP
    }

    /// RESPONDER-LIFETIME both ways (RFC 2407 §4.5.4), in kilobytes: the responder's shorter
    /// lifetime is sent and installed on both sides, whichever side has the limit.
    @Test(arguments: [(UInt32(1000), UInt32(500)), (nil, 500), (500, nil)] as [(UInt32?, UInt32?)])
    func kilobyteLifetimeIsTheShorterOnBothSides(initiator: UInt32?, responder: UInt32?) throws {
        let pair = try Self.pair { a, b in
            a.childLifetime = Lifetime(seconds: 3600, kilobytes: initiator)
            b.childLifetime = Lifetime(seconds: 3600, kilobytes: responder)
        }
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.installed(.a).first?.lifetime.kilobytes == 500)
        #expect(pair.installed(.b).first?.lifetime.kilobytes == 500)
    }
}
