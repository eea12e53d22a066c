import Dispatch
import Foundation
import CoreMetrics
import IKEv1
import IPsecNode
import ISAKMPWire
import Logging

/// Turns the node's reports into a ``Tunnel``'s events, log records and metrics. Called on the
/// node's control thread (reports, statistics ticks) and, for ``initiating(_:)``, from any thread:
/// one lock, never contended on the packet path (the data plane never calls it).
final class TunnelObserver: @unchecked Sendable {
    private let logger: Logger
    private let continuation: AsyncStream<TunnelEvent>.Continuation
    private let lock = NSLock()
    private let metrics: TunnelMetrics
    /// ISAKMP SA → its connection's name.
    private var connections: [ISAKMPSAID: String] = [:]
    /// Installed SA pairs by inbound SPI: what identifies a rekey's predecessor.
    private var children: [UInt32: (connection: String, selectors: [TrafficSelector?])] = [:]
    /// When we started each connection (for the handshake timers), until Phase 1 and the first SA are up.
    private var phase1Started: [String: UInt64] = [:]
    private var tunnelStarted: [String: UInt64] = [:]

    init(logger: Logger, metrics: TunnelMetrics, continuation: AsyncStream<TunnelEvent>.Continuation) {
        self.logger = logger
        self.metrics = metrics
        self.continuation = continuation
    }

    /// We asked for `connection` to start: its handshake is timed from now.
    func initiating(_ connection: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock {
            phase1Started[connection] = now
            tunnelStarted[connection] = now
        }
        logger.info("initiating", metadata: ["ikev1.connection": "\(connection)"])
    }

    /// Handles one report of `runtime` (on its control thread).
    func handle(_ report: IPsecNodeRuntime.Report, _ runtime: IPsecNodeRuntime) {
        let events = lock.withLock { translate(report, runtime) }
        for e in events { continuation.yield(e) }
    }

    /// Publishes a statistics snapshot (on the control thread, or after the node stopped).
    func publish(_ runtime: IPsecNodeRuntime) {
        let (stats, drops) = lock.withLock { () -> (TunnelStatistics, [(reason: String, count: Int)]) in
            let resources = runtime.resources
            let (engineDrops, overflow) = runtime.dropCounters
            let children = runtime.childSAs.compactMap { c -> TunnelStatistics.Child? in
                guard let traffic = runtime.traffic(inboundSPI: c.inbound.spi) else { return nil }
                return TunnelStatistics.Child(connection: connections[c.isakmpSA] ?? self.children[c.inbound.spi]?.connection ?? "",
                                              inboundSPI: c.inbound.spi, outboundSPI: c.outbound.spi, traffic: traffic)
            }
            let s = TunnelStatistics(isakmpSAs: runtime.isakmpSAs.count, sessions: resources.sessions, halfOpen: resources.halfOpen,
                                     children: children, dataPlaneDrops: runtime.dataPlaneCounters, engineDrops: engineDrops,
                                     queueOverflow: overflow)
            return (s, metrics.publish(s))
        }
        for (reason, count) in drops {
            logger.notice("packets dropped", metadata: ["ikev1.reason": "\(reason)", "ikev1.count": "\(count)"])
        }
        logger.trace("statistics", metadata: [
            "ikev1.isakmp_sas": "\(stats.isakmpSAs)", "ikev1.child_sas": "\(stats.children.count)",
            "ikev1.drops": "\(stats.dataPlaneDrops.total)",
        ])
        continuation.yield(.statistics(stats))
    }

    func finish() { continuation.finish() }

    private static func hex(_ spi: UInt32) -> Logger.MetadataValue { "\(String(spi, radix: 16))" }

    private func elapsed(since start: UInt64?) -> Int64? {
        start.map { Int64(clamping: DispatchTime.now().uptimeNanoseconds &- $0) }
    }

    private func translate(_ report: IPsecNodeRuntime.Report, _ runtime: IPsecNodeRuntime) -> [TunnelEvent] {
        switch report {
        case .established(let info):
            connections[info.id] = info.peerName
            metrics.phase1Established(after: info.isInitiator ? elapsed(since: phase1Started.removeValue(forKey: info.peerName)) : nil)
            var metadata: Logger.Metadata = [
                "ikev1.connection": "\(info.peerName)", "ikev1.peer": "\(info.remote)", "ikev1.icookie": "\(info.id)",
                "ikev1.rcookie": "\(info.cookieR)", "ikev1.exchange": "\(info.exchange.name ?? "?")",
                "ikev1.proposal": "\(info.proposal)", "ikev1.initiator": "\(info.isInitiator)",
            ]
            if info.natDetected { metadata["ikev1.nat"] = info.localBehindNAT ? "local" : "peer" }
            logger.info("ISAKMP SA established", metadata: metadata)
            return info.natDetected ? [.phase1Up(info), .natDetected(info)] : [.phase1Up(info)]
        case .installing(let child):
            logger.debug("installing IPsec SA", metadata: childMetadata(child))
            return []
        case .installed(let child):
            let connection = connections[child.isakmpSA] ?? runtime.isakmpSAs.first { $0.id == child.isakmpSA }?.peerName ?? ""
            let selectors = [child.localTrafficSelector, child.remoteTrafficSelector]
            let predecessor = children.first { $0.value.connection == connection && $0.value.selectors == selectors }?.key
            children[child.inbound.spi] = (connection, selectors)
            metrics.childAdded(child, connection: connection)
            if let start = tunnelStarted.removeValue(forKey: connection), let ns = elapsed(since: start) {
                metrics.tunnelEstablished(after: ns)
            }
            var metadata = childMetadata(child)
            metadata["ikev1.connection"] = "\(connection)"
            if let predecessor {
                metrics.childRekeyed.increment()
                metadata["ikev1.replacing"] = Self.hex(predecessor)
                logger.info("IPsec SA rekeyed", metadata: metadata)
                return [.childRekeyed(child, replacing: predecessor)]
            }
            metrics.childInstalled.increment()
            logger.info("IPsec SA installed", metadata: metadata)
            return [.childInstalled(child)]
        case .childDeleted(let i, let o, let reason):
            let connection = children.removeValue(forKey: i)?.connection
            let final = runtime.deletedTraffic.flatMap { $0.inboundSPI == i ? $0.traffic : nil }
            metrics.childRemoved(inboundSPI: i, final: final)
            metrics.childDeleted.increment()
            var metadata: Logger.Metadata = ["ikev1.spi_in": Self.hex(i), "ikev1.spi_out": Self.hex(o), "ikev1.reason": "\(reason)"]
            if let connection { metadata["ikev1.connection"] = "\(connection)" }
            if let final {
                metadata["ikev1.packets_in"] = "\(final.packetsIn)"
                metadata["ikev1.packets_out"] = "\(final.packetsOut)"
            }
            logger.info("IPsec SA deleted", metadata: metadata)
            return [.childDeleted(inboundSPI: i, outboundSPI: o, reason: reason)]
        case .isakmpDeleted(let id, let reason):
            let connection = connections.removeValue(forKey: id)
            var metadata: Logger.Metadata = ["ikev1.icookie": "\(id)", "ikev1.reason": "\(reason)"]
            if let connection { metadata["ikev1.connection"] = "\(connection)" }
            logger.info("ISAKMP SA deleted", metadata: metadata)
            return [.phase1Down(id, reason: reason)]
        case .peerMoved(let from, let to):
            logger.notice("peer moved (NAT mapping changed)", metadata: ["ikev1.peer": "\(to)", "ikev1.from": "\(from)"])
            return [.peerMoved(from: from, to: to)]
        case .notify(let n):
            logger.info("notify from peer", metadata: [
                "ikev1.icookie": "\(n.sa)", "ikev1.notify": "\(n.type)", "ikev1.protocol": "\(n.protocolID)",
            ])
            return [.notify(n)]
        case .failed(let f) where f.error.kind == .unexpectedMessage || f.error.kind == .invalidCookie:
            logger.debug("message dropped", metadata: failureMetadata(f))
            return [.messageDropped(f)]
        case .failed(let f):
            metrics.failed(f.error.kind)
            if f.error.kind == .deadPeer {
                metrics.deadPeers.increment()
                logger.warning("dead peer", metadata: failureMetadata(f))
                return [.deadPeer(f)]
            }
            logger.error("negotiation failed", metadata: failureMetadata(f))
            return [.failed(f)]
        case .warning(let w):
            logger.warning("\(w)")
            return [.warning(w)]
        }
    }

    private func childMetadata(_ child: ChildSA) -> Logger.Metadata {
        [
            "ikev1.icookie": "\(child.isakmpSA)", "ikev1.spi_in": Self.hex(child.inbound.spi),
            "ikev1.spi_out": Self.hex(child.outbound.spi), "ikev1.peer": "\(child.remote)",
            "ikev1.protocol": "\(child.ipsecProtocol == .ah ? "ah" : child.udpEncapsulated ? "esp-in-udp" : "esp")",
            "ikev1.mode": "\(child.mode)",
        ]
    }

    private func failureMetadata(_ f: Failure) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["ikev1.icookie": "\(f.sa)", "ikev1.error": "\(f.error.kind)", "ikev1.reason": "\(f.error.reason)"]
        if let connection = connections[f.sa] { metadata["ikev1.connection"] = "\(connection)" }
        return metadata
    }
}
