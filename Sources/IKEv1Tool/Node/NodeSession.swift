import ArgumentParser
import Dispatch
import Foundation
import IKEv1
import IKEv1Config
import IPsecCrypto
import IPsecNode
import IPsecService
import ISAKMPWire
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs one connection on the I/O node for `initiate`, `respond` and `connect`, through the async
/// ``Tunnel`` in a `ServiceGroup` (SIGINT/SIGTERM: a graceful shutdown, Deletes sent): prints
/// what happens and Cisco-style status through a log handler, and turns the outcome into an exit code.
final class NodeSession: @unchecked Sendable {
    enum Role { case initiator, responder }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    let settings: ConnectionSettings
    let role: Role
    let once: Bool
    /// `--export-wireshark DIR`: Wireshark's key tables, rewritten whenever an SA is created.
    let exportDirectory: String?
    private var exportedIKE: [String] = []
    private var exportedESP: [String] = []
    private var runtime: IPsecNodeRuntime?
    private var tunName: String?
    /// Transport mode with a TUN device: the peer's address is steered into it (policy routing).
    private var transportTun: TunDevice?
    private var failure: String?
    /// Remote access (`--xauth-user`, `--pool`...): the virtual IP's address, routes and `--updown` script.
    private var remoteAccess: RemoteAccessTunnel?
    private let lock = NSLock()
    /// What the command prints: one record per line or table (``ConsoleLogHandler``).
    private let output = ConsoleLogHandler.output("ikev1")

    init(settings: ConnectionSettings, role: Role, once: Bool, exportDirectory: String? = nil) {
        self.settings = settings
        self.role = role
        self.once = once
        self.exportDirectory = exportDirectory
    }

    /// Our IKE address: `local` if given, else (initiator) the address routed toward the peer.
    static func resolveLocal(_ s: ConnectionSettings, role: Role) throws -> SocketAddress {
        if let local = s.local {
            guard let a = SocketAddress(local, defaultPort: 500) else { throw ValidationError("\(local) is not an address") }
            return a
        }
        guard role == .initiator, let r = s.remote, let peer = SocketAddress(r, defaultPort: 500) else {
            throw ValidationError("give our address with --listen or --bind (or local = in the config)")
        }
        do {
            return SocketAddress(address: try localAddress(toward: peer), port: 500)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Runs until the SA is up (`once`), a failure (`once`), SIGINT/SIGTERM or `timeout`; returns the exit status.
    func run(tunName: String?, tunAddress: String?, tunOptions: TunOptions, timeout: Double?) throws -> Int32 {
        let local = try Self.resolveLocal(settings, role: role)
        let config: PeerConfig
        do { config = try PeerConfigBuilder.build(settings, local: local, responder: role == .responder) } catch {
            throw ValidationError("\(error)")
        }
        if exportDirectory != nil { try exportKeys() }
        if config.remoteAccess != nil || settings.remoteAccess.updown != nil {
            remoteAccess = RemoteAccessTunnel(role: role == .initiator ? .client : .gateway, tunName: tunName,
                                              updown: settings.remoteAccess.updown) { [output] line in
                output.info("\(line)")
            }
        }
        var tun: TunDevice?
        self.tunName = tunName
        if let tunName {
            do {
                let device = try tunOptions.open(tunName)
                var routes: [String] = []
                if !settings.transport, let r = config.remoteTrafficSelector { routes += r.subnets.map(\.description) }
                let mtu = tunOptions.mtu(for: [config])
                try device.configure(address: tunAddress ?? settings.tunAddress, routes: routes, mtu: mtu)
                tun = device
                say("TUN \(device.name) up, MTU \(mtu), routing \(routes.isEmpty ? "nothing" : routes.joined(separator: ", "))")
            } catch {
                throw Failed(description: "TUN device: \(error)")
            }
        }
        let tunnel: Tunnel
        do {
            if settings.transport { transportTun = tun }
            let options = Tunnel.Options(statisticsInterval: nil, eventBuffer: 0) { [weak self] report, _ in self?.handle(report) }
            tunnel = try Tunnel(configs: [config], limits: settings.limits, ikeAddress: local, tun: tun,
                                mark: transportTun == nil ? 0 : TunDevice.transportMark, options: options,
                                logger: ConsoleLogHandler.node("ikev1.node"))
        } catch {
            throw Failed(description: "\(error)")
        }
        let runtime = tunnel.runtime
        self.runtime = runtime
        say("\(role == .initiator ? "initiating" : "listening") on \(local) (NAT-T \(IPAddressText.format(local.address)):4500)")
        if let timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
                self?.fail("no IPsec SA after \(Int(timeout)) s")
                tunnel.shutdown()
            }
        }
        switch settings.startAction ?? (role == .initiator ? .start : .none) {
        case .start: tunnel.initiate(config.name)
        case .trap: runtime.trap(config.name)
        case .none: break
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            // The tunnel also ends by itself (`--once`, a timeout): then the group ends without an error.
            services: [.init(service: tunnel, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigint, .sigterm],
            logger: Logger(label: "ikev1.lifecycle") { _ in SwiftLogNoOpLogHandler() }))
        let finished = DispatchSemaphore(value: 0)
        Task { [weak self] in
            do { try await group.run() } catch { self?.fail("\(error)") }
            finished.signal()
        }
        finished.wait()
        transportTun?.removeTransportSteering()
        remoteAccess?.finish()
        let dataPlane = runtime.dataPlaneCounters
        if dataPlane.total > 0 { say("data plane dropped: \(dataPlane)") }
        let trapped = runtime.trapCounters
        if trapped.held > 0 || trapped.dropped > 0 {
            say("start_action = trap: \(trapped.held) packets held until an SA was up, \(trapped.dropped) dropped (queue full)")
        }
        let fragments = runtime.fragmentCounters
        if fragments != FragmentCounters() { say("IKE fragments reassembled: \(fragments)") }
        let (drops, overflow) = runtime.dropCounters
        if drops.totalDropped > 0 || drops.evicted > 0 || overflow > 0 {
            say("responder limits: \(drops)" + (overflow > 0 ? "; \(overflow) IKE datagrams on 4500 dropped (queue full)" : ""))
        }
        self.runtime = nil
        if let failure = lock.withLock({ self.failure }) {
            FileHandle.standardError.write(Data("ikev1: \(failure)\n".utf8))
            return 1
        }
        return 0
    }

    private func say(_ line: String) { output.info("\(line)") }

    private func exportKeys() throws {
        guard let exportDirectory else { return }
        do { try WiresharkExport.write(ike: exportedIKE, esp: exportedESP, to: exportDirectory) } catch {
            throw Failed(description: "--export-wireshark \(exportDirectory): \(error.localizedDescription)")
        }
    }

    private func exportKeysOrWarn() {
        do { try exportKeys() } catch { say("warning: \(error)") }
    }

    private func fail(_ reason: String) {
        lock.withLock { if failure == nil { failure = reason } }
    }

    /// Runs on the control thread: prints and decides when a `--once` run is over.
    private func handle(_ report: IPsecNodeRuntime.Report) {
        guard let runtime else { return }
        switch report {
        case .established(let info):
            lock.withLock { failure = nil }   // an earlier attempt failed, this one worked
            say("ISAKMP SA \(info.id)/\(info.cookieR) established with \(info.remote) (\(info.exchange.name ?? "?"), \(info.proposal))")
            if info.localBehindNAT { say(settings.encap ? "NAT detected: UDP encapsulation forced" : "NAT detected: local behind NAT") }
            if info.peerBehindNAT { say("NAT detected: peer behind NAT") }
            say(StatusTables.peerAuthentication(info))
            say(StatusTables.isakmp(runtime.isakmpSAs, now: runtime.now))
            if exportDirectory != nil, let ka = runtime.phase1EncryptionKey(info.id) {
                exportedIKE.append(WiresharkExport.ikeLine(cookieI: info.id.bytes, ka: ka.bytes))
                exportKeysOrWarn()
            }
        case .installing(let child):
            // Before the data plane has the SA: the peer's first packet may come right after its
            // last Quick Mode message, and our answer must already take the device.
            guard let transportTun else { break }
            do {
                try transportTun.steerTransportTraffic(peer: IPAddressText.format(child.remote.address),
                                                       source: IPAddressText.format(child.local.address))
            } catch {
                say("warning: transport mode routing: \(error)")
            }
        case .installed(let child):
            say("IPsec SA installed: in 0x\(String(child.inbound.spi, radix: 16)) out 0x\(String(child.outbound.spi, radix: 16))"
                  + (child.ipsecProtocol == .ah ? " (AH to \(IPAddressText.format(child.remote.address)))"
                     : child.udpEncapsulated ? " (ESP in UDP to \(child.remote))"
                     : " (raw ESP to \(IPAddressText.format(child.remote.address)))"))
            // charon's "established with ... TS a === b": the selectors in swanctl notation (no selector: the host).
            let local = child.localTrafficSelector?.description ?? IPAddressText.format(child.local.address)
            let remote = child.remoteTrafficSelector?.description ?? IPAddressText.format(child.remote.address)
            say("  TS \(local) === \(remote)")
            say(StatusTables.ipsec(runtime.childSAs, local: child.local, now: runtime.now,
                                     interface: tunName ?? "(no data plane)", mapTag: settings.name) {
                runtime.packetCounts(inboundSPI: $0.inbound.spi).map { ($0.encapsulated, $0.decapsulated) } ?? (0, 0)
            })
            if exportDirectory != nil, let encryption = child.proposal.encryption {
                let local = IPAddressText.format(child.local.address), remote = IPAddressText.format(child.remote.address)
                for (keys, from, to) in [(child.inbound, remote, local), (child.outbound, local, remote)] {
                    exportedESP.append(WiresharkExport.espLine(
                        source: from, destination: to, spi: keys.spi, encryption: encryption,
                        encryptionKey: keys.encryptionKey.bytes, integrity: child.proposal.integrity,
                        integrityKey: keys.integrityKey.bytes))
                }
                exportKeysOrWarn()
            }
            if let info = runtime.isakmpSAs.first(where: { $0.id == child.isakmpSA })?.remoteAccess {
                remoteAccess?.installed(child, info)
            }
            if once { runtime.stop() }
        case .childDeleted(let i, let o, let reason):
            say("IPsec SA deleted: in 0x\(String(i, radix: 16)) out 0x\(String(o, radix: 16)): \(reason)")
            remoteAccess?.deleted(inboundSPI: i)
        case .isakmpDeleted(let id, let reason):
            say("ISAKMP SA \(id) deleted: \(reason)")
        case .peerMoved(let from, let to):
            say("peer \(from) moved to \(to) (NAT mapping changed)")
        case .notify(let n):
            say("notify from peer: \(n.type)")
        case .failed(let f) where f.error.kind == .unexpectedMessage || f.error.kind == .invalidCookie:
            say("dropped: \(f)")   // a duplicate, replay or a message for no SA of ours; nothing changes
        case .failed(let f):
            say("failed: \(f)")
            if once || runtime.isakmpSAs.isEmpty { fail(f.description) }
            // A remote-access client has nothing to wait for once its only SA failed (a refused
            // password, no address): it exits with the reason instead of idling.
            if once || (role == .initiator && remoteAccess != nil && runtime.isakmpSAs.isEmpty) { runtime.stop() }
        case .warning(let w):
            say("warning: \(w)")
        }
    }
}
