// EngineOverUDP: the IKEv1 engine driven over real sockets and a real clock, without IPsecNode's
// runtime. Two IKEv1Endpoint values, an initiator on 127.0.0.1 and a responder on 127.0.0.2 (Linux
// routes all of 127.0.0.0/8 to loopback), each with its own UDP socket and timers, bring up Main
// Mode and Quick Mode with a pre-shared key; the program prints the IPsec SAs each side installs
// and exits 0 when both hold the same pair, 1 otherwise.
//
//     swift run EngineOverUDP
//
// The engine does no I/O: events go in (`handle(_:_:)`), actions come out (send this datagram,
// arm or cancel this timer, install this SA). This loop is the whole "node": poll(2) on the
// sockets with the earliest timer as timeout, feed what arrives, fire what is due.
//
// Ports: the engine speaks IKE's ports, sending from and expecting port 500 (4500 after a NAT-T
// float, which no NAT here causes). Binding 500 takes root, so each socket here gets a port from
// the kernel, and the loop maps the engine's port 500 to it in both directions. A node bound to
// port 500 itself (IPsecNodeRuntime, `ikev1 respond`) needs no such mapping.

import IKEv1        // IKEv1Endpoint, PeerConfig, events and actions
import IPsecCrypto  // SecretBytes, SystemEntropy
import IPsecNode    // UDPSocket, Poller, TimerQueue, monotonicMilliseconds
import ISAKMPWire   // Identity

#if canImport(Glibc)
import Glibc        // exit
#elseif canImport(Darwin)
import Darwin
#endif

/// One side: its engine, the engine's environment (clock and entropy), its socket and timers.
struct Side {
    let name: String
    /// Where the engine believes it is (port 500), and the socket it really uses.
    let ikeAddress: SocketAddress
    let socket: UDPSocket
    var endpoint: IKEv1Endpoint
    var environment = Environment(now: EngineTime(milliseconds: monotonicMilliseconds()), entropy: SystemEntropy())
    var timers = TimerQueue<TimerID>()
    var installed: [ChildSA] = []
    var failed = false

    init(name: String, config: PeerConfig) throws {
        self.name = name
        ikeAddress = config.localAddress
        socket = try UDPSocket(bindTo: config.localAddress.with(port: 0))
        endpoint = try IKEv1Endpoint(configs: [config])
    }

    /// Feeds one event at the current time and carries out the actions: `peers` maps the
    /// engine's view of a peer (port 500) to its real socket address.
    mutating func handle(_ event: Event, peers: [SocketAddress: SocketAddress]) {
        environment.now = EngineTime(milliseconds: monotonicMilliseconds())
        for action in endpoint.handle(event, &environment) {
            switch action {
            case .send(let datagram):
                guard let destination = peers[datagram.destination] else { continue }
                do { try socket.send(datagram.udpPayload, to: destination) } catch { print("\(name): \(error)") }
            case .scheduleTimer(let id, let at):
                timers.schedule(id, at: at.milliseconds)   // same clock: monotonicMilliseconds()
            case .cancelTimer(let id):
                timers.cancel(id)
            case .isakmpSAEstablished(let info):
                print("\(name): ISAKMP SA established with \(info.remote), \(info.proposal), NAT \(info.natDetected ? "detected" : "none")")
            case .installChildSA(let child):
                installed.append(child)
                print("\(name): installed \(child.ipsecProtocol) SA in \(hex(child.inbound.spi)) out \(hex(child.outbound.spi)) "
                      + "\(child.proposal) \(child.mode), \(child.localTrafficSelector?.description ?? "host") <-> "
                      + "\(child.remoteTrafficSelector?.description ?? "host")")
            case .failed(let failure):
                print("\(name): failed: \(failure)")
                failed = true
            default:
                break   // deletes, notifies, NAT mapping changes: nothing for this example to do
            }
        }
    }

    /// Reads every datagram waiting on the socket into the engine.
    mutating func receive(peers: [SocketAddress: SocketAddress]) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            // nil: nothing more is waiting (an error ends the reading too).
            guard let (count, from) = try? buffer.withUnsafeMutableBytes({ try socket.receive(into: $0) }) else { return }
            // The sender's real address, as the engine knows it (port 500).
            guard let engineFrom = peers.first(where: { $0.value == from })?.key else { continue }
            handle(.datagram(bytes: Array(buffer.prefix(count)), from: engineFrom, to: ikeAddress), peers: peers)
        }
    }

    /// Fires the timers that are due.
    mutating func fireTimers(peers: [SocketAddress: SocketAddress]) {
        for id in timers.due(at: monotonicMilliseconds()) { handle(.timerFired(id), peers: peers) }
    }
}

func hex(_ spi: UInt32) -> String {
    let digits = String(spi, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}

/// Both connections: the same PSK and proposals, mirrored addresses and subnets.
func configs() throws -> (initiator: PeerConfig, responder: PeerConfig) {
    let a = SocketAddress(address: [127, 0, 0, 1], port: 500), b = SocketAddress(address: [127, 0, 0, 2], port: 500)
    let psk = PeerAuthentication.preSharedKey(SecretBytes(Array("engine-over-udp example".utf8)))
    let ike = try IKEProposal.proposals(notation: "aes128-sha256-modp2048")
    let esp = try ChildProposal.proposals(notation: "aes128gcm16-modp2048")   // a DH group: PFS
    let netA = try TrafficSelector(notation: "198.51.100.0/24"), netB = try TrafficSelector(notation: "203.0.113.0/24")
    let initiator = PeerConfig(name: "to-b", localAddress: a, remoteAddress: b, localIdentity: .ipv4(a.address),
                               remoteIdentity: .ipv4(b.address), authentication: psk, ikeProposals: ike, childProposals: esp,
                               localTrafficSelector: netA, remoteTrafficSelector: netB)
    let responder = PeerConfig(name: "from-anyone", localAddress: b, remoteAddress: nil, localIdentity: .ipv4(b.address),
                               authentication: psk, ikeProposals: ike, childProposals: esp,
                               localTrafficSelector: netB, remoteTrafficSelector: netA)
    return (initiator, responder)
}

do {
    let (initiatorConfig, responderConfig) = try configs()
    var sides = [try Side(name: "initiator", config: initiatorConfig), try Side(name: "responder", config: responderConfig)]
    // The engines' addresses (port 500) and the sockets' real ones.
    let peers = Dictionary(uniqueKeysWithValues: sides.map { ($0.ikeAddress, $0.socket.local) })
    print("initiator \(sides[0].socket.local), responder \(sides[1].socket.local) (port 500 to the engines)")

    sides[0].handle(.initiate(peer: initiatorConfig.name), peers: peers)
    let deadline = monotonicMilliseconds() + 20_000
    while sides.contains(where: { $0.installed.isEmpty }) && !sides.contains(where: \.failed) && monotonicMilliseconds() < deadline {
        // Sleep until a datagram arrives or the earliest timer is due (at most 100 ms).
        let nextTimer = sides.compactMap(\.timers.next).min().map { $0 - monotonicMilliseconds() } ?? 100
        let ready = try Poller().readable(sides.map(\.socket.fd), timeoutMilliseconds: Int32(max(0, min(nextTimer, 100))))
        for i in sides.indices {
            if ready.contains(sides[i].socket.fd) { sides[i].receive(peers: peers) }
            sides[i].fireTimers(peers: peers)
        }
    }

    // Each side's inbound SPI is the other's outbound one, and both sides derived the same keys.
    guard let i = sides[0].installed.first, let r = sides[1].installed.first,
          i.inbound == r.outbound, i.outbound == r.inbound else {
        print("no matching IPsec SA pair on both sides")
        exit(1)
    }
    print("both sides installed the SA pair \(hex(i.outbound.spi))/\(hex(i.inbound.spi)) with the same keys")
} catch {
    print("EngineOverUDP: \(error)")
    exit(1)
}
