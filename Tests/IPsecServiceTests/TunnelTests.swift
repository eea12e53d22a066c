import Foundation
import IKEv1
import IPsecNode
import IPsecService
import ISAKMPWire
import InMemoryLogging
import Logging
import MetricsTestKit
import ServiceLifecycle
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two ``Tunnel``s on loopback addresses of their own (port 500, raw ESP) bring a tunnel up and
/// down through the async API; the test plays the initiator's data plane for traffic. Needs root.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: port 500 and raw IP sockets"))
struct TunnelTests {
    static let ours = try! TrafficSelector(notation: "198.51.100.0/24")
    static let theirs = try! TrafficSelector(notation: "203.0.113.0/24")

    static func pair(initiator: [UInt8], responder: [UInt8]) throws -> (i: TunnelUnderTest, r: TunnelUnderTest) {
        let r = try TunnelUnderTest("r", address: responder, peer: nil, localTS: theirs, remoteTS: ours)
        let i = try TunnelUnderTest("i", address: initiator, peer: responder, localTS: ours, remoteTS: theirs)
        return (i, r)
    }

    @Test func aTunnelsLifeIsLoggedAndCounted() async throws {
        let (i, r) = try Self.pair(initiator: [127, 0, 0, 71], responder: [127, 0, 0, 72])
        let collecting = [i.collect(), r.collect()]
        let running = [Task { try await r.tunnel.run() }, Task { try await i.tunnel.run() }]
        i.tunnel.initiate("i")

        // Up.
        let child = try #require(await i.events.wait { $0.lazy.compactMap(\.installed).first })
        #expect(await r.events.wait { $0.lazy.compactMap(\.installed).first } != nil)
        let up = try #require(i.record("ISAKMP SA established"))
        #expect(up.metadata["ikev1.connection"] == "i")
        #expect(up.metadata["ikev1.peer"] == "127.0.0.72:500")
        #expect(up.metadata["ikev1.icookie"] == "\(child.isakmpSA)")
        let installed = try #require(r.record("IPsec SA installed"))
        #expect(installed.metadata["ikev1.connection"] == "r")
        #expect(installed.metadata["ikev1.spi_in"] == "\(String(child.outbound.spi, radix: 16))")
        #expect(installed.metadata["ikev1.spi_out"] == "\(String(child.inbound.spi, radix: 16))")
        #expect(try i.metrics.expectCounter("ikev1_isakmp_sas_established_total").totalValue == 1)
        #expect(try r.metrics.expectCounter("ikev1_child_sas_installed_total").totalValue == 1)
        #expect(try i.metrics.expectTimer("ikev1_handshake_duration", [("stage", "phase1")]).values.count == 1)
        #expect(try i.metrics.expectTimer("ikev1_handshake_duration", [("stage", "tunnel")]).values.count == 1)
        #expect(await r.events.wait { $0.last?.statistics.map { $0.children.count == 1 && $0.isakmpSAs == 1 } == true ? true : nil } != nil)
        #expect(try r.metrics.expectGauge("ikev1_child_sas").lastValue == 1)
        #expect(try r.metrics.expectGauge("ikev1_isakmp_sas", [("state", "established")]).lastValue == 1)

        // Traffic: three packets the responder opens, counted on its inbound SA.
        let sender = try ESPSender(child, from: i.address, to: r.address)
        for host: UInt8 in 1...3 { try sender.send(ESPSender.icmpEcho(from: [198, 51, 100, 7], to: [203, 0, 113, host])) }
        let spi = String(child.outbound.spi, radix: 16)
        let packetsIn = try r.metrics.expectCounter("ikev1_child_packets_total", [("connection", "r"), ("spi", spi), ("direction", "in")])
        let bytesIn = try r.metrics.expectCounter("ikev1_child_bytes_total", [("connection", "r"), ("spi", spi), ("direction", "in")])
        #expect(await r.events.wait { _ in packetsIn.totalValue == 3 ? true : nil } != nil)
        #expect(bytesIn.totalValue == 3 * 28)

        // A forged packet (bad ICV): dropped, counted by reason, logged at the next tick.
        try sender.send(ESPSender.icmpEcho(from: [198, 51, 100, 7], to: [203, 0, 113, 1]), forge: true)
        #expect(await r.events.wait { _ in r.record("packets dropped") } != nil)
        #expect(r.record("packets dropped")?.metadata["ikev1.reason"] == "failed_open")
        #expect(try r.metrics.expectCounter("ikev1_drops_total", [("reason", "failed_open")]).totalValue == 1)
        #expect(packetsIn.totalValue == 3)

        // Rekey: a new pair takes over, the old one is deleted, on both sides.
        i.tunnel.rekey("i")
        let (newChild, replaced) = try #require(await i.events.wait { $0.lazy.compactMap(\.rekeyed).first })
        #expect(replaced == child.inbound.spi && newChild.inbound.spi != child.inbound.spi)
        #expect(await i.events.wait { $0.lazy.compactMap(\.deleted).first { $0.inbound == child.inbound.spi } } != nil)
        #expect(await r.events.wait { $0.lazy.compactMap(\.rekeyed).first } != nil)
        #expect(i.record("IPsec SA rekeyed")?.metadata["ikev1.replacing"] == "\(String(child.inbound.spi, radix: 16))")
        #expect(try i.metrics.expectCounter("ikev1_child_sas_rekeyed_total").totalValue == 1)
        #expect(try r.metrics.expectCounter("ikev1_child_sas_rekeyed_total").totalValue == 1)

        // Down: the initiator shuts down; the responder hears the Deletes.
        i.tunnel.shutdown()
        try await running[1].value
        #expect(await r.events.wait { $0.lazy.compactMap(\.phase1Down).first } == "deleted by peer")
        #expect(r.messages.contains("ISAKMP SA deleted") && r.messages.contains("IPsec SA deleted"))
        #expect(i.messages.suffix(1) == ["node stopped"])
        #expect(try i.metrics.expectGauge("ikev1_child_sas").lastValue == 0)
        #expect(try i.metrics.expectCounter("ikev1_child_sas_deleted_total").totalValue == 2)
        r.tunnel.shutdown()
        try await running[0].value
        for c in collecting { await c.value }   // both streams ended
    }

    @Test func eventsFollowTheTunnelUpAndDownAndCancellingSendsDeletes() async throws {
        let (i, r) = try Self.pair(initiator: [127, 0, 0, 73], responder: [127, 0, 0, 74])
        let collecting = [i.collect(), r.collect()]
        let responder = Task { try await r.tunnel.run() }
        let initiator = Task { try await i.tunnel.run() }
        i.tunnel.initiate("i")
        #expect(await i.events.wait { $0.lazy.compactMap(\.installed).first } != nil)
        #expect(i.events.names == ["phase1Up", "childInstalled"])
        #expect(await r.events.wait { $0.lazy.compactMap(\.installed).first } != nil)
        // The initiator's INITIAL-CONTACT (RFC 2407 §4.6.3.3) comes with its last Main Mode message.
        #expect(r.events.names == ["notify", "phase1Up", "childInstalled"])
        #expect(r.events.all.compactMap(\.notify).map(\.type) == [.initialContact])

        initiator.cancel()
        try await initiator.value
        await collecting[0].value
        #expect(i.events.names == ["phase1Up", "childInstalled", "childDeleted", "phase1Down"])
        #expect(i.events.all.last?.statistics != nil)   // the final snapshot, then the stream ended
        #expect(await r.events.wait { $0.lazy.compactMap(\.phase1Down).first } == "deleted by peer")
        #expect(r.events.names == ["notify", "phase1Up", "childInstalled", "childDeleted", "phase1Down"])
        #expect(r.events.all.compactMap(\.deleted).map(\.reason) == ["deleted by peer"])
        responder.cancel()
        try await responder.value
    }

    @Test func inAServiceGroupAGracefulShutdownSendsDeletes() async throws {
        let (i, r) = try Self.pair(initiator: [127, 0, 0, 75], responder: [127, 0, 0, 76])
        _ = [i.collect(), r.collect()]
        let group = ServiceGroup(services: [i.tunnel], logger: Logger(label: "group") { _ in SwiftLogNoOpLogHandler() })
        let responder = Task { try await r.tunnel.run() }
        let running = Task { try await group.run() }
        i.tunnel.initiate("i")
        #expect(await r.events.wait { $0.lazy.compactMap(\.installed).first } != nil)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(await r.events.wait { $0.lazy.compactMap(\.phase1Down).first } == "deleted by peer")
        r.tunnel.shutdown()
        try await responder.value
    }
}
