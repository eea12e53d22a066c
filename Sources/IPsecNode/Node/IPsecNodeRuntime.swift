import ESP
import Foundation
import IKEv1
import IPsecCrypto
import ISAKMPWire
#if canImport(Glibc)
import Glibc
#endif

/// The I/O node: UDP sockets for IKE (500) and NAT-T (4500), a raw IP socket for ESP
/// (protocol 50), timers, an optional TUN device, the engine and the SA database.
///
/// Two threads: the control plane (IKE on port 500 and the timers; every engine
/// call) and the data plane (port 4500, raw ESP and the TUN device: ESP seal/open). IKE
/// that arrives on 4500 behind the non-ESP marker is handed to the control plane
/// through a queue, so a Diffie-Hellman computation never stalls ESP traffic. Each IPsec
/// SA's packets travel as the engine negotiated it: in UDP on 4500 when NAT-D found a NAT
/// (or encapsulation was forced), else as raw ESP (RFC 4303, RFC 3948 §1).
public final class IPsecNodeRuntime: @unchecked Sendable {
    /// What the node tells its owner (the CLI prints these).
    public enum Report: Sendable {
        /// Phase 1 completed: an ISAKMP SA is established.
        case established(ISAKMPSAInfo)
        /// The SA is about to carry traffic: reported before the data plane has it, so that the
        /// owner can route its traffic first (transport mode's steering), and nothing the SA
        /// covers leaves in clear between the two.
        case installing(IKEv1.ChildSA)
        /// The data plane now carries the SA pair's traffic; a failed install is a ``warning(_:)`` instead.
        case installed(IKEv1.ChildSA)
        /// An IPsec SA pair was removed from the data plane, for `reason`.
        case childDeleted(inboundSPI: UInt32, outboundSPI: UInt32, reason: String)
        /// The ISAKMP SA is gone (deleted by either side, expired, or the peer found dead).
        case isakmpDeleted(ISAKMPSAID, reason: String)
        /// The peer sent a notify.
        case notify(ReceivedNotify)
        /// The peer's NAT mapping changed; its SAs follow it (an authenticated packet came from `to`).
        case peerMoved(from: SocketAddress, to: SocketAddress)
        /// A negotiation failed; the failure says which SA and why.
        case failed(Failure)
        /// A problem of the node itself, said in a sentence: no raw IP sockets, a send that failed, an
        /// SA the data plane could not install, IKE datagrams on port 4500 dropped from a full queue.
        case warning(String)
    }

    private var endpoint: IKEv1Endpoint
    private var environment: Environment
    private let ike: UDPSocket
    /// The NAT-T socket, raw ESP and AH (nil when the process may not open raw sockets: then only
    /// UDP-encapsulated SAs carry traffic) and the TUN device.
    private let endpoints: DataPlane.Endpoints
    private var natT: UDPSocket { endpoints.natT }
    private let rawSocketError: SystemError?
    private let database: SADatabase
    /// The control thread's sealer, for packets held until their SA came (``releaseHeld()``).
    private let heldSealer: Sealer
    private let report: @Sendable (Report) -> Void
    private var timers = TimerQueue<TimerID>()
    private let wake: (read: Int32, write: Int32)
    private let inboxLock = NSLock()
    private var inbox: [(bytes: [UInt8], from: SocketAddress)] = []
    /// IKE datagrams from port 4500 waiting for the control plane, at most; more are dropped (counted).
    private static let inboxLimit = 1024
    private var inboxDropped = 0
    private var inboxDropsReported = (count: 0, at: Int64(0))
    private var commands: [Event] = []
    private var calls: [@Sendable (IPsecNodeRuntime) -> Void] = []
    private let stopLock = NSLock()
    private var stopRequested = false
    private var dataPlaneRunning = false
    private var lastTrafficReport: Int64 = 0
    private let trapLock = NSLock()
    private var trapping: (connection: String, limit: Int)?
    private var held: [[UInt8]] = []
    private var heldTotal = 0
    private var heldDropped = 0
    private var lastAcquire: Int64 = .min / 2
    /// The data plane's packet counters per child SA at the last traffic report.
    private var packetsReported: [UInt32: (sealed: Int, opened: Int)] = [:]

    /// Opens the sockets (our IKE address and port, the NAT-T port and raw ESP on the same address).
    /// `mark` (SO_MARK, 0: none) tags every packet the node sends, for policy routing around
    /// a route that sends the peer's own address into the TUN device (transport mode).
    public init(configs: [PeerConfig], limits: ResponderLimits = ResponderLimits(), ikeAddress: SocketAddress,
                natTPort: UInt16 = 4500, tun: TunDevice? = nil, mark: UInt32 = 0, entropy: any EntropySource = SystemEntropy(),
                report: @escaping @Sendable (Report) -> Void) throws {
        endpoint = try IKEv1Endpoint(configs: configs, limits: limits)
        database = SADatabase()
        heldSealer = Sealer(database)
        environment = Environment(now: EngineTime(milliseconds: monotonicMilliseconds()), entropy: entropy)
        ike = try UDPSocket(bindTo: ikeAddress, mark: mark)
        let natT = try UDPSocket(bindTo: SocketAddress(address: ikeAddress.address, port: natTPort), mark: mark)
        SocketOptions.enlargeBuffers(natT.fd)   // ESP in UDP: the data plane's socket
        do {
            let esp = try RawIPSocket(ipProtocol: 50, bindTo: ikeAddress.address, mark: mark)
            let ah = try RawIPSocket(ipProtocol: 51, bindTo: ikeAddress.address, mark: mark, headerIncluded: true)
            SocketOptions.enlargeBuffers(esp.fd)
            SocketOptions.enlargeBuffers(ah.fd)
            endpoints = DataPlane.Endpoints(natT: natT, rawESP: esp, rawAH: ah, tun: tun)
            rawSocketError = nil
        } catch {
            endpoints = DataPlane.Endpoints(natT: natT, rawESP: nil, rawAH: nil, tun: tun)
            rawSocketError = error
        }
        self.report = report
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SystemError("pipe") }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wake = (fds[0], fds[1])
    }

    deinit {
        close(wake.read)
        close(wake.write)
    }

    /// The engine's view, for status tables (read it from the control thread or after `run` returns).
    public var isakmpSAs: [ISAKMPSAInfo] { endpoint.isakmpSAs }
    /// Our IKE socket's address (its port is the kernel's choice when 0 was asked for).
    public var ikeAddress: SocketAddress { ike.local }
    /// What the engine holds (read it from the control thread or after `run` returns).
    public var resources: ResourceUsage { endpoint.resources }
    /// What the engine refused to hold (`ResponderLimits`), and the IKE datagrams on port 4500
    /// dropped because more than 1024 were waiting for the control plane.
    public var dropCounters: (engine: DropCounters, queueOverflow: Int) {
        (endpoint.counters, inboxLock.withLock { inboxDropped })
    }
    /// What the engine's fragment reassembly did (IKE fragmentation).
    public var fragmentCounters: FragmentCounters { endpoint.fragmentCounters }
    /// The IPsec SA pairs the engine holds (read it from the control thread or after `run` returns).
    public var childSAs: [IKEv1.ChildSA] { endpoint.childSAs }
    /// Packets the data plane dropped, by reason (thread-safe).
    public var dataPlaneCounters: DataPlaneCounters { database.dropCounters }
    /// The node's clock as engine time: ``monotonicMilliseconds()`` now.
    public var now: EngineTime { EngineTime(milliseconds: monotonicMilliseconds()) }

    /// Ka of an ISAKMP SA, for key export (read it from the control thread: inside `report`).
    public func phase1EncryptionKey(_ sa: ISAKMPSAID) -> SecretBytes? { endpoint.phase1EncryptionKey(sa) }

    /// Packets through a child SA so far (nil once deleted).
    public func packetCounts(inboundSPI: UInt32) -> (encapsulated: Int, decapsulated: Int)? {
        database.counters(inboundSPI: inboundSPI).map { ($0.encapsulated, $0.decapsulated) }
    }

    /// Packets and bytes through a child SA so far, both ways (nil once deleted; thread-safe): the
    /// data plane's own counters, read, so that an owner can publish them without a per-packet cost.
    public func traffic(inboundSPI: UInt32) -> ChildSATraffic? {
        database.counters(inboundSPI: inboundSPI).map {
            ChildSATraffic(packetsOut: $0.encapsulated, packetsIn: $0.decapsulated, bytesOut: $0.encapsulatedBytes,
                           bytesIn: $0.decapsulatedBytes, dropped: $0.dropped)
        }
    }

    /// The final counts of the SA pair that the ``Report/childDeleted(inboundSPI:outboundSPI:reason:)``
    /// being reported removed (read it inside `report`, on the control thread).
    public private(set) var deletedTraffic: (inboundSPI: UInt32, traffic: ChildSATraffic)?

    /// Asks the control plane to start a connection (thread-safe).
    public func initiate(_ peer: String) { post(.initiate(peer: peer)) }

    /// Asks the control plane to end a connection: its SAs deleted, the peer told (thread-safe).
    public func terminate(_ connection: String) { post(.terminate(connection: connection)) }

    /// Asks the control plane to rekey a connection's IPsec SAs now (thread-safe).
    public func rekey(_ connection: String) { post(.rekey(connection: connection)) }

    /// Runs `body` on the control thread between two events, where the engine's state may be
    /// read (``isakmpSAs``, ``childSAs``, ``configs``) and the connections replaced
    /// (``replaceConfigs(_:)``). Thread-safe to call; `body` runs once, soon, unless the node stops first.
    public func onControlThread(_ body: @escaping @Sendable (IPsecNodeRuntime) -> Void) {
        inboxLock.withLock { calls.append(body) }
        signalWake()
    }

    /// The connections the node answers for and starts (read it on the control thread).
    public var configs: [PeerConfig] { endpoint.configs }

    /// Replaces the connections, as `IKEv1Endpoint.replaceConfigs(_:env:)` (a reload): checked
    /// as a whole, and on an error nothing changes; removed connections are terminated. Call it on
    /// the control thread (``onControlThread(_:)``).
    public func replaceConfigs(_ configs: [PeerConfig]) throws(IKEv1Error) {
        environment.now = EngineTime(milliseconds: monotonicMilliseconds())
        for action in try endpoint.replaceConfigs(configs, env: &environment) { perform(action) }
    }

    /// Asks the node to delete every SA, tell the peer, and return from `run` (thread-safe, signal-safe enough:
    /// it takes a lock and writes one byte to a pipe).
    public func stop() {
        stopLock.withLock { stopRequested = true }
        signalWake()
    }

    private var stopping: Bool { stopLock.withLock { stopRequested } }

    private func post(_ event: Event) {
        inboxLock.withLock { commands.append(event) }
        signalWake()
    }

    private func signalWake() {
        var one: UInt8 = 1
        _ = write(wake.write, &one, 1)
    }

    /// Runs the control plane on the calling thread (and the data plane on a new one)
    /// until `stop()`; then deletes every SA, sending Deletes, and returns.
    public func run() {
        if let rawSocketError {
            report(.warning("no raw IP sockets (\(rawSocketError)): only UDP-encapsulated IPsec SAs can carry traffic"))
        }
        // One data thread per TUN queue; the first serves the sockets too.
        let dataPlanes = (0..<(endpoints.tun?.queues.count ?? 1)).map { queue in
            // Weak: a finished thread object that lingers must not keep the node (and its sockets) alive.
            let thread = Thread { [weak self] in
                guard let self else { return }
                let handoff = DataPlane.Handoff(ike: { [self] in enqueueIKE($0, from: $1) }, unprotected: { [self] in trapped($0) },
                                                peerMoved: { [self] in post(.peerMoved(inboundSPI: $0, to: $1)) })
                DataPlane(endpoints, database: database, handoff: handoff, queue: queue).run { stopLock.withLock { dataPlaneRunning } }
            }
            thread.name = "ikev1-data-\(queue)"
            return thread
        }
        stopLock.withLock { dataPlaneRunning = true }
        dataPlanes.forEach { $0.start() }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopping {
            let nowMs = monotonicMilliseconds()
            let wait = timers.next.map { Int32(clamping: max(0, min($0 - nowMs, 1000))) } ?? 1000
            let ready = (try? Poller().readable([ike.fd, wake.read], timeoutMilliseconds: wait)) ?? []
            if ready.contains(wake.read) { drainWakePipe() }
            if ready.contains(ike.fd) {
                for _ in 0..<64 {
                    guard let (n, from) = buffer.withUnsafeMutableBytes({ try? ike.receive(into: $0) }) ?? nil else { break }
                    handle(.datagram(bytes: Array(buffer.prefix(n)), from: from, to: ike.local))
                }
            }
            let (queued, events, bodies) = inboxLock.withLock { () -> ([(bytes: [UInt8], from: SocketAddress)], [Event], [@Sendable (IPsecNodeRuntime) -> Void]) in
                defer { inbox = []; commands = []; calls = [] }
                return (inbox, commands, calls)
            }
            for d in queued { handle(.datagram(bytes: d.bytes, from: d.from, to: natT.local)) }
            reportQueueDrops()
            for e in events { handle(e) }
            for body in bodies { body(self) }
            for id in timers.due(at: monotonicMilliseconds()) { handle(.timerFired(id)) }
            reportTraffic()
        }
        for sa in endpoint.isakmpSAs { handle(.delete(sa: sa.id)) }
        // A Delete held back after a refusal's notify (IKEv1Endpoint.deferredDelay) still goes out.
        let deadline = monotonicMilliseconds() + 1000
        while endpoint.holdsDeferredSends && monotonicMilliseconds() < deadline {
            usleep(10_000)
            for id in timers.due(at: monotonicMilliseconds()) { handle(.timerFired(id)) }
        }
        stopLock.withLock { dataPlaneRunning = false }
        while !dataPlanes.allSatisfy(\.isFinished) { usleep(10_000) }
    }

    private func drainWakePipe() {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(wake.read, &sink, sink.count) > 0 {}
    }

    /// Says how many IKE datagrams on 4500 the full queue dropped, at most every 10 s.
    private func reportQueueDrops() {
        let now = monotonicMilliseconds()
        let dropped = inboxLock.withLock { inboxDropped }
        guard dropped > inboxDropsReported.count, now - inboxDropsReported.at >= 10_000 else { return }
        report(.warning("\(dropped - inboxDropsReported.count) IKE datagrams on port \(natT.local.port) dropped: "
                        + "more than \(Self.inboxLimit) waiting for the control plane"))
        inboxDropsReported = (dropped, now)
    }

    /// Tells the engine how much traffic each child SA carried since the last report, once a
    /// second: bytes received, and packets both ways from the data plane's counters (DPD
    /// idleness; kilobyte, packet and sequence number lifetimes).
    private func reportTraffic() {
        let now = monotonicMilliseconds()
        guard now - lastTrafficReport >= 1000 else { return }
        lastTrafficReport = now
        let bytes = database.drainTraffic()
        var seen: [UInt32: (sealed: Int, opened: Int)] = [:]
        for spi in endpoint.childSAs.map(\.inbound.spi) {
            guard let c = database.counters(inboundSPI: spi) else { continue }
            let last = packetsReported[spi] ?? (0, 0)
            seen[spi] = (c.encapsulated, c.decapsulated)
            let sealed = max(0, c.encapsulated - last.sealed), opened = max(0, c.decapsulated - last.opened)
            let received = bytes[spi] ?? 0
            guard received > 0 || sealed > 0 || opened > 0 else { continue }
            handle(.childTraffic(inboundSPI: spi, bytes: UInt64(received), packets: UInt64(sealed + opened), sealed: UInt64(sealed)))
        }
        packetsReported = seen
    }

    private func handle(_ event: Event) {
        environment.now = EngineTime(milliseconds: monotonicMilliseconds())
        environment.unixTime = Int64(time(nil))
        for action in endpoint.handle(event, &environment) { perform(action) }
    }

    private func perform(_ action: Action) {
        switch action {
        case .send(let d):
            let socket = d.source.port == natT.local.port ? natT : ike
            do {
                try socket.send(d.udpPayload, to: d.destination)
            } catch {
                report(.warning("could not send to \(d.destination): \(error)"))
            }
        case .scheduleTimer(let id, let at): timers.schedule(id, at: at.milliseconds)
        case .cancelTimer(let id): timers.cancel(id)
        case .isakmpSAEstablished(let info): report(.established(info))
        case .isakmpSADeleted(let id, let reason): report(.isakmpDeleted(id, reason: reason))
        case .installChildSA(let child):
            report(.installing(child))
            do {
                try database.install(child, entropy: &environment.entropy)
                report(.installed(child))
                releaseHeld()
            } catch {
                report(.warning("could not install SA 0x\(String(child.inbound.spi, radix: 16)): \(error)"))
            }
        case .deleteChildSA(let inSPI, let outSPI, let reason):
            deletedTraffic = traffic(inboundSPI: inSPI).map { (inSPI, $0) }
            database.remove(inboundSPI: inSPI, outboundSPI: outSPI)
            heldSealer.followChanges()   // lets go of the deleted SA's keys now
            report(.childDeleted(inboundSPI: inSPI, outboundSPI: outSPI, reason: reason))
        case .notifyReceived(let n): report(.notify(n))
        case .failed(let f): report(.failed(f))
        case .peerMoved(let from, let to):
            database.peerMoved(from: from, to: to)
            report(.peerMoved(from: from, to: to))
        }
    }

    /// IKE from the NAT-T port, for the control plane; dropped (counted) when too many are waiting.
    private func enqueueIKE(_ payload: UnsafeRawBufferPointer, from: SocketAddress) {
        let queued = inboxLock.withLock { () -> Bool in
            guard inbox.count < Self.inboxLimit else { inboxDropped += 1; return false }
            inbox.append((Array(payload), from))
            return true
        }
        if queued { signalWake() }
    }

    // MARK: start_action = trap

    /// Traps packets with no IPsec SA for this connection (charon's `start_action = trap`): the
    /// first one starts it (`Event.acquire(peer:)`), and up to `limit` are held until an SA is
    /// installed, then sent through it; more are dropped and counted (thread-safe).
    public func trap(_ connection: String, holding limit: Int = 64) {
        trapLock.withLock { trapping = (connection, limit) }
    }

    /// Packets held for a trapped connection so far, and those dropped because the queue was full.
    public var trapCounters: (held: Int, dropped: Int) { trapLock.withLock { (heldTotal, heldDropped) } }

    /// A packet no SA covers: held (or dropped past the bound), and an acquire at most once a
    /// second, so a connection whose attempts ran out comes up on later traffic.
    private func trapped(_ packet: UnsafeRawBufferPointer) {
        let now = monotonicMilliseconds()
        let acquire = trapLock.withLock { () -> String? in
            guard let (connection, limit) = trapping else { return nil }
            if held.count < limit {
                held.append(Array(packet))
                heldTotal += 1
            } else {
                heldDropped += 1
            }
            guard now - lastAcquire >= 1000 else { return nil }
            lastAcquire = now
            return connection
        }
        if let acquire { post(.acquire(peer: acquire)) }
    }

    /// An SA was installed: the packets held for it go out through it (from the control thread).
    private func releaseHeld() {
        let packets = trapLock.withLock { () -> [[UInt8]] in
            defer { held = [] }
            return held
        }
        guard !packets.isEmpty else { return }
        let h = DataPlane.headroom
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536 + 512, alignment: 16)
        defer { buffer.deallocate() }
        for p in packets where h + p.count <= buffer.count - DataPlane.tailroom {
            p.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[h..<(h + p.count)]).copyMemory(from: $0) }
            guard case .send(let packet, let destination) = heldSealer.seal(buffer, packet: h..<(h + p.count)) else { continue }
            DataPlane.send(UnsafeRawBufferPointer(rebasing: buffer[packet]), to: destination, via: endpoints)
        }
    }
}

