import ESP
import Foundation
import IKEv1
import IPsecCrypto

/// The installed IPsec SAs, shared by the control plane (which installs and
/// deletes) and the data plane (which seals and opens). One lock, held only for
/// a lookup and one seal or open, so one SA's traffic never waits on IKE work.
final class SADatabase: @unchecked Sendable {
    /// An outbound SA and where its packets go.
    struct Outbound {
        let child: IKEv1.ChildSA
        let sa: ESPOutboundSA
        let peer: UDPAddress
    }

    /// Per child SA packet counters, for status and DPD/lifetime reports.
    struct Counters: Sendable {
        var encapsulated = 0
        var decapsulated = 0
        var inboundBytes = 0
        var dropped = 0
    }

    private let lock = NSLock()
    private var outbound: [Outbound] = []
    private var inbound: [UInt32: ESPInboundSA] = [:]
    private var counters: [UInt32: Counters] = [:]
    private var unreported: [UInt32: Int] = [:]

    /// Builds ESP contexts for both directions of a negotiated child SA.
    func install(_ child: IKEv1.ChildSA, entropy: inout some EntropySource) throws(ESPError) {
        let parameters = ChildSAMapping.parameters(child)
        let out = try ESPOutboundSA(parameters.outbound, entropy: &entropy)
        let into = try ESPInboundSA(parameters.inbound)
        let peer = UDPAddress(address: child.remote.address, port: child.remote.port)
        lock.withLock {
            outbound.removeAll { $0.child.outbound.spi == child.outbound.spi }
            outbound.append(Outbound(child: child, sa: out, peer: peer))
            inbound[child.inbound.spi] = into
            counters[child.inbound.spi, default: Counters()] = Counters()
        }
    }

    func remove(inboundSPI: UInt32, outboundSPI: UInt32) {
        lock.withLock {
            outbound.removeAll { $0.child.outbound.spi == outboundSPI }
            inbound[inboundSPI] = nil
            counters[inboundSPI] = nil
            unreported[inboundSPI] = nil
        }
    }

    var count: Int { lock.withLock { inbound.count } }

    func counters(inboundSPI: UInt32) -> Counters? { lock.withLock { counters[inboundSPI] } }

    /// Bytes received per inbound SPI since the last call (the engine's `childTraffic`).
    func drainTraffic() -> [UInt32: Int] {
        lock.withLock {
            defer { unreported = [:] }
            return unreported
        }
    }

    /// Seals the IP packet at `packet` in `buffer` into the SA whose selectors cover it.
    /// Returns the ESP packet's range and its destination, or nil when no SA covers it.
    func seal(_ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>) -> (Range<Int>, UDPAddress)? {
        guard let (source, destination) = IPPacket.addresses(buffer, packet) else { return nil }
        return lock.withLock { () -> (Range<Int>, UDPAddress)? in
            // The newest SA for a selector wins (a rekeyed SA replaces the old one at once).
            guard let o = outbound.last(where: { $0.child.covers(source: source, destination: destination) }) else {
                return nil
            }
            var payload = packet
            var nextHeader: UInt8?
            if o.child.mode == .transport {
                guard let (header, proto) = IPPacket.transportPayload(buffer, packet) else { return nil }
                payload = header
                nextHeader = proto
            }
            guard let sealed = try? o.sa.seal(buffer, payload: payload, nextHeader: nextHeader) else {
                counters[o.child.inbound.spi]?.dropped += 1
                return nil
            }
            counters[o.child.inbound.spi]?.encapsulated += 1
            return (sealed.packet, o.peer)
        }
    }

    /// Opens the ESP packet at `packet`; returns the range of the IP packet to deliver.
    /// In transport mode an IPv4 header is written in front of the payload (the buffer
    /// must leave 20 bytes of room before `packet`).
    func open(_ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>, from peer: UDPAddress) -> Range<Int>? {
        guard let spi = ESPInboundSA.spi(of: UnsafeRawBufferPointer(rebasing: buffer[packet])) else { return nil }
        return lock.withLock { () -> Range<Int>? in
            guard let sa = inbound[spi] else { return nil }
            guard let opened = try? sa.open(buffer, packet: packet) else {
                counters[spi]?.dropped += 1
                return nil
            }
            counters[spi]?.decapsulated += 1
            counters[spi]?.inboundBytes += opened.payload.count
            unreported[spi, default: 0] += opened.payload.count
            if sa.configuration.mode == .tunnel { return opened.payload }
            guard let local = outbound.first(where: { $0.child.inbound.spi == spi })?.child.local.address,
                  local.count == 4, peer.address.count == 4, opened.payload.lowerBound >= 20 else { return nil }
            return IPPacket.prependIPv4(buffer, payload: opened.payload, protocol: opened.nextHeader,
                                        source: peer.address, destination: local)
        }
    }
}
