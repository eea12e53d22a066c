import CoreMetrics
import Foundation
import IKEv1
import IPsecNode
import Metrics

/// A ``Tunnel``'s metrics (swift-metrics). Names and dimensions:
///
/// | name | kind | dimensions |
/// |---|---|---|
/// | `ikev1_isakmp_sas` | gauge | `state`: `established`, `negotiating` |
/// | `ikev1_half_open_sas` | gauge | |
/// | `ikev1_child_sas` | gauge | |
/// | `ikev1_isakmp_sas_established_total` | counter | |
/// | `ikev1_child_sas_installed_total`, `_rekeyed_total`, `_deleted_total` | counter | |
/// | `ikev1_failures_total` | counter | `kind` (`IKEv1Error/Kind`) |
/// | `ikev1_dead_peers_total` | counter | |
/// | `ikev1_child_packets_total`, `ikev1_child_bytes_total` | counter | `connection`, `spi` (inbound, hex), `direction`: `in`, `out` |
/// | `ikev1_drops_total` | counter | `reason`: the data plane's (`unknown_spi`, `malformed`, `failed_open`, `outside_selectors`, `no_outbound_sa`, `too_big`), the engine's `DropReason`, `queue_overflow` |
/// | `ikev1_handshake_duration` | timer | `stage`: `phase1` (initiate to ISAKMP SA), `tunnel` (initiate to first IPsec SA) |
///
/// Traffic and drops are read from the node's own counters on the control thread and added as
/// differences at each statistics tick (and when an SA is deleted): nothing on the packet path.
final class TunnelMetrics {
    private let factory: any MetricsFactory
    private let established: Gauge
    private let negotiating: Gauge
    private let halfOpen: Gauge
    private let children: Gauge
    private let isakmpUp: Counter
    let childInstalled: Counter
    let childRekeyed: Counter
    let childDeleted: Counter
    let deadPeers: Counter
    private let phase1Time: CoreMetrics.Timer
    private let tunnelTime: CoreMetrics.Timer
    private var failures: [String: Counter] = [:]
    private var drops: [String: Counter] = [:]
    private var dropsSeen: [String: Int] = [:]
    /// Per SA pair (by inbound SPI): its four counters and what they were given so far.
    private var traffic: [UInt32: (counters: [Counter], seen: ChildSATraffic)] = [:]

    init(factory: any MetricsFactory) {
        self.factory = factory
        established = Gauge(label: "ikev1_isakmp_sas", dimensions: [("state", "established")], factory: factory)
        negotiating = Gauge(label: "ikev1_isakmp_sas", dimensions: [("state", "negotiating")], factory: factory)
        halfOpen = Gauge(label: "ikev1_half_open_sas", factory: factory)
        children = Gauge(label: "ikev1_child_sas", factory: factory)
        isakmpUp = Counter(label: "ikev1_isakmp_sas_established_total", factory: factory)
        childInstalled = Counter(label: "ikev1_child_sas_installed_total", factory: factory)
        childRekeyed = Counter(label: "ikev1_child_sas_rekeyed_total", factory: factory)
        childDeleted = Counter(label: "ikev1_child_sas_deleted_total", factory: factory)
        deadPeers = Counter(label: "ikev1_dead_peers_total", factory: factory)
        phase1Time = CoreMetrics.Timer(label: "ikev1_handshake_duration", dimensions: [("stage", "phase1")], factory: factory)
        tunnelTime = CoreMetrics.Timer(label: "ikev1_handshake_duration", dimensions: [("stage", "tunnel")], factory: factory)
    }

    func phase1Established(after nanoseconds: Int64?) {
        isakmpUp.increment()
        if let nanoseconds { phase1Time.recordNanoseconds(nanoseconds) }
    }

    func tunnelEstablished(after nanoseconds: Int64) { tunnelTime.recordNanoseconds(nanoseconds) }

    func failed(_ kind: IKEv1Error.Kind) {
        let name = kind.description
        let counter = failures[name] ?? Counter(label: "ikev1_failures_total", dimensions: [("kind", name)], factory: factory)
        failures[name] = counter
        counter.increment()
    }

    /// An SA pair's counters start at zero.
    func childAdded(_ child: ChildSA, connection: String) {
        let spi = String(child.inbound.spi, radix: 16)
        let counters = ["ikev1_child_packets_total", "ikev1_child_bytes_total"].flatMap { label in
            ["in", "out"].map {
                Counter(label: label, dimensions: [("connection", connection), ("spi", spi), ("direction", $0)], factory: factory)
            }
        }
        traffic[child.inbound.spi] = (counters, ChildSATraffic())
    }

    /// Adds what the SA pair carried since the last call.
    func childTraffic(inboundSPI: UInt32, _ now: ChildSATraffic) {
        guard let (counters, seen) = traffic[inboundSPI] else { return }
        let deltas = [now.packetsIn - seen.packetsIn, now.packetsOut - seen.packetsOut,
                      now.bytesIn - seen.bytesIn, now.bytesOut - seen.bytesOut]
        for (counter, delta) in zip(counters, deltas) where delta > 0 { counter.increment(by: Int64(delta)) }
        traffic[inboundSPI]?.seen = now
    }

    /// The SA pair is gone: its final counts are added and its counters destroyed.
    func childRemoved(inboundSPI: UInt32, final: ChildSATraffic?) {
        if let final { childTraffic(inboundSPI: inboundSPI, final) }
        traffic.removeValue(forKey: inboundSPI)?.counters.forEach { $0.destroy() }
    }

    /// Publishes a statistics snapshot: the gauges, and the drop counters' growth, which it returns by reason.
    func publish(_ s: TunnelStatistics) -> [(reason: String, count: Int)] {
        established.record(s.isakmpSAs)
        negotiating.record(max(0, s.sessions - s.isakmpSAs))
        halfOpen.record(s.halfOpen)
        children.record(s.children.count)
        for c in s.children { childTraffic(inboundSPI: c.inboundSPI, c.traffic) }
        let d = s.dataPlaneDrops
        var reasons: [(String, Int)] = [("unknown_spi", d.unknownSPI), ("malformed", d.malformed), ("failed_open", d.failedOpen),
                                        ("outside_selectors", d.outsideSelectors), ("no_outbound_sa", d.noOutboundSA), ("too_big", d.tooBig),
                                        ("queue_overflow", s.queueOverflow)]
        reasons += s.engineDrops.dropped.map { ($0.key.rawValue, Int($0.value)) }
        var grown: [(reason: String, count: Int)] = []
        for (reason, total) in reasons {
            let delta = total - dropsSeen[reason, default: 0]
            guard delta > 0 else { continue }
            grown.append((reason, delta))
            dropsSeen[reason] = total
            let counter = drops[reason] ?? Counter(label: "ikev1_drops_total", dimensions: [("reason", reason)], factory: factory)
            drops[reason] = counter
            counter.increment(by: Int64(delta))
        }
        return grown
    }
}
