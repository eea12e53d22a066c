@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// RFC 3947/3948 on the NAT-T port, beyond the first exchange: a NAT that changes its mapping,
/// and a Phase 1 that a peer starts on 4500.
struct NATMappingTests {
    static func natPair(seed: UInt64) throws -> Pair {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, _ in a.dpdDelay = 10 }
        var pair = try Pair(a: a, b: b, seed: seed)
        pair.natPublic = [198, 51, 100, 7]
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 5)
        PairExchangeTests.expectMatchingChildren(pair)
        return pair
    }

    static func moves(_ pair: Pair, _ side: Pair.Side) -> [(SocketAddress, SocketAddress)] {
        pair.actions(side).compactMap { if case .peerMoved(let f, let t) = $0 { (f, t) } else { nil } }
    }

    /// The NAT in front of A loses its mapping and picks a new port: B's SAs follow A on A's next
    /// authenticated message (a DPD R-U-THERE), and B's answers go to the new port.
    @Test func responderFollowsAnAuthenticatedMessageFromANewMapping() throws {
        var pair = try Self.natPair(seed: 21)
        #expect(pair.b.isakmpSAs.first?.remote == SocketAddress(address: [198, 51, 100, 7], port: 34500))
        pair.natPortOffset = 31000
        pair.feed(.a, .probeDPD(sa: try #require(pair.a.isakmpSAs.first).id))
        pair.run(seconds: 1)
        let moved = Self.moves(pair, .b)
        #expect(moved.count == 1)
        #expect(moved.first?.0 == SocketAddress(address: [198, 51, 100, 7], port: 34500))
        #expect(moved.first?.1 == SocketAddress(address: [198, 51, 100, 7], port: 35500))
        #expect(pair.b.isakmpSAs.first?.remote.port == 35500)
        #expect(pair.b.childSAs.allSatisfy { $0.remote.port == 35500 })
        // B's R-U-THERE-ACK reached A through the new mapping: A holds its SA, nothing failed.
        #expect(pair.failures(.a).isEmpty && pair.failures(.b).isEmpty)
        #expect(Self.moves(pair, .a).isEmpty)
    }

    /// Unauthenticated packets from another port move nothing: a garbage datagram, and an
    /// unprotected Informational with A's cookies.
    @Test func unauthenticatedMessagesNeverMoveTheSA() throws {
        var pair = try Self.natPair(seed: 22)
        let sa = try #require(pair.b.isakmpSAs.first)
        let spoofed = SocketAddress(address: [198, 51, 100, 7], port: 40000)
        let to = SocketAddress(address: Pair.addressB.address, port: 4500)
        let header = ISAKMPHeader(initiatorCookie: sa.id, responderCookie: sa.cookieR, exchangeType: .informational, messageID: 77)
        let clear = ISAKMPMessage(header: header, payloads: [.notification(NotificationPayload(
            protocolID: .isakmp, notifyType: .invalidPayloadType, spi: []))]).encode()
        pair.inject([0, 0, 0, 0] + clear, to: .b, from: spoofed, destination: to, at: pair.now)
        pair.inject([0, 0, 0, 0, 1, 2, 3], to: .b, from: spoofed, destination: to, at: pair.now)
        pair.run(seconds: 1)
        #expect(Self.moves(pair, .b).isEmpty)
        #expect(pair.b.isakmpSAs.first?.remote.port == 34500)
    }

    /// An ESP packet that the node authenticated from a new mapping (``Event/peerMoved``) moves
    /// the ISAKMP SA too, so DPD and Deletes reach the peer.
    @Test func authenticatedESPFromANewMappingMovesTheISAKMPSA() throws {
        var pair = try Self.natPair(seed: 23)
        let child = try #require(pair.b.childSAs.first)
        let new = SocketAddress(address: [198, 51, 100, 7], port: 41000)
        pair.feed(.b, .peerMoved(inboundSPI: child.inbound.spi, to: new))
        #expect(Self.moves(pair, .b).map(\.1) == [new])
        #expect(pair.b.isakmpSAs.first?.remote == new)
        // The same address again is no move.
        pair.feed(.b, .peerMoved(inboundSPI: child.inbound.spi, to: new))
        #expect(Self.moves(pair, .b).count == 1)
    }

    /// A Phase 1 that a peer starts on port 4500 (a peer behind a NAT re-authenticating, RFC 3947
    /// §4) is answered on 4500 behind the non-ESP marker (RFC 3948 §2.2), or the peer reads the
    /// answer as ESP.
    @Test func phase1StartedOnTheNATTPortIsAnsweredWithTheNonESPMarker() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var initiator = try IKEv1Endpoint(configs: [a])
        var responder = try IKEv1Endpoint(configs: [b])
        var envA = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 31))
        var envB = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 32))
        let first = try #require(initiator.handle(.initiate(peer: a.name), &envA).compactMap {
            if case .send(let d) = $0 { d } else { nil }
        }.first)
        let from = SocketAddress(address: Pair.addressA.address, port: 4500)
        let to = SocketAddress(address: Pair.addressB.address, port: 4500)
        let answers = responder.handle(.datagram(bytes: [0, 0, 0, 0] + first.bytes, from: from, to: to), &envB)
            .compactMap { if case .send(let d) = $0 { d } else { nil } }
        let answer = try #require(answers.first)
        #expect(answer.nonESPMarker && answer.source.port == 4500 && answer.destination == from)
        #expect(answer.udpPayload.prefix(4) == [0, 0, 0, 0])
        // The initiator, on 4500 too, understands it.
        #expect(try ISAKMPMessage.decode(answer.bytes).header.exchangeType == .mainMode)
    }
}
