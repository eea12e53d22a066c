#if canImport(Glibc)
import Foundation
import Glibc
import IKEv1
import IPsecCrypto
import ISAKMPWire
import Testing
import TestSupport

/// Against a live strongSwan charon (shared/interop/peer-up.sh --topology root): our initiator
/// on real UDP sockets and the real clock completes Main Mode + Quick Mode (NAT-T float,
/// since charon's libipsec backend fakes NAT) and deletes. Runs only when IKV1_LIVE_CHARON
/// (charon's address) and IKV1_LIVE_LOCAL (ours) are set, e.g.
///
///     IKV1_NS_B=engB IKV1_IF_A=engA0 IKV1_IF_B=engB0 IKV1_ROOT_ADDR_A=198.18.77.1 \
///     IKV1_ROOT_ADDR_B=198.18.77.2 IKV1_STATE=/tmp/ikv1-engine shared/interop/peer-up.sh --topology root --name engpeer
///     IKV1_LIVE_LOCAL=198.18.77.1 IKV1_LIVE_CHARON=198.18.77.2 swift test --filter LiveCharonTests
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["IKV1_LIVE_CHARON"] != nil, "set IKV1_LIVE_CHARON to run against charon"))
struct LiveCharonTests {
    final class UDPSocket {
        let fd: Int32
        let local: SocketAddress

        init(_ local: SocketAddress) throws {
            self.local = local
            fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var sa = Self.address(local)
            let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard fd >= 0, rc == 0 else { throw IKEv1Error(.configuration, "bind \(local): errno \(errno)") }
        }

        deinit { close(fd) }

        static func address(_ a: SocketAddress) -> sockaddr_in {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = a.port.bigEndian
            sa.sin_addr.s_addr = a.address.withUnsafeBytes { $0.load(as: UInt32.self) }
            return sa
        }

        func send(_ bytes: [UInt8], to: SocketAddress) {
            var sa = Self.address(to)
            _ = withUnsafePointer(to: &sa) { p in p.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { sp in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sp, socklen_t(MemoryLayout<sockaddr_in>.size)) } } }
        }

        func receive() -> ([UInt8], SocketAddress)? {
            var buffer = [UInt8](repeating: 0, count: 65536)
            var sa = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &sa) { p in p.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { sp in
                buffer.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), sp, &len) } } }
            guard n > 0 else { return nil }
            let addr = withUnsafeBytes(of: sa.sin_addr.s_addr) { Array($0) }
            return (Array(buffer[..<n]), SocketAddress(address: addr, port: UInt16(bigEndian: sa.sin_port)))
        }
    }

    /// Our endpoint on real sockets (UDP 500 and 4500 of our address) and the real clock.
    final class LiveNode {
        var endpoint: IKEv1Endpoint
        let local: SocketAddress
        let sockets: [UInt16: UDPSocket]
        let clock = ContinuousClock()
        let start: ContinuousClock.Instant
        var environment: Environment
        var timers: [TimerID: EngineTime] = [:]
        var log: [Action] = []

        init(_ config: PeerConfig) throws {
            endpoint = try IKEv1Endpoint(configs: [config])
            local = config.localAddress
            sockets = [500: try UDPSocket(local), 4500: try UDPSocket(local.with(port: 4500))]
            start = clock.now
            environment = Environment(now: EngineTime(milliseconds: 0), entropy: SystemEntropy())
        }

        var now: EngineTime {
            let d = clock.now - start
            return EngineTime(milliseconds: d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }

        func feed(_ event: Event) {
            environment.now = now
            for action in endpoint.handle(event, &environment) {
                log.append(action)
                switch action {
                case .send(let d): sockets[d.source.port]?.send(d.udpPayload, to: d.destination)
                case .scheduleTimer(let id, let at): timers[id] = at
                case .cancelTimer(let id): timers[id] = nil
                default: break
                }
            }
        }

        func pump(seconds: Double, until done: () -> Bool = { false }) {
            let end = now.adding(seconds: seconds)
            while now < end && !done() {
                for (port, socket) in sockets {
                    while let (bytes, from) = socket.receive() { feed(.datagram(bytes: bytes, from: from, to: local.with(port: port))) }
                }
                for (id, at) in timers where at <= now { timers[id] = nil; feed(.timerFired(id)) }
                usleep(2000)
            }
        }

        var failures: [Failure] { log.compactMap { if case .failed(let f) = $0 { f } else { nil } } }
    }

    static var addresses: (local: SocketAddress, charon: SocketAddress) {
        let env = ProcessInfo.processInfo.environment
        return (SocketAddress(address: SocketAddress.ipv4(env["IKV1_LIVE_LOCAL"] ?? "198.18.0.1")!, port: 500),
                SocketAddress(address: SocketAddress.ipv4(env["IKV1_LIVE_CHARON"]!)!, port: 500))
    }

    /// Our side of charon's `peer-up.sh` defaults; IKV1_LIVE_IKE, IKV1_LIVE_ESP and
    /// IKV1_LIVE_AGGRESSIVE=1 (with `--aggressive --local-id @responder.example
    /// --remote-id @initiator.example` on charon's side) follow other peer-up.sh options.
    static func config(initiator: Bool) throws -> PeerConfig {
        let (local, charon) = addresses
        let env = ProcessInfo.processInfo.environment
        let aggressive = env["IKV1_LIVE_AGGRESSIVE"] == "1"
        let ike = try IKEProposal.proposals(notation: env["IKV1_LIVE_IKE"] ?? "aes128-sha256-modp2048")
        let esp = try ChildProposal.proposals(notation: env["IKV1_LIVE_ESP"] ?? "aes128-sha256-modp2048")
        return PeerConfig(name: "charon", localAddress: local, remoteAddress: initiator ? charon : nil,
                          localIdentity: aggressive ? .fqdn("initiator.example") : .ipv4(local.address),
                          remoteIdentity: aggressive ? .fqdn("responder.example") : .ipv4(charon.address),
                          authentication: .preSharedKey(SecretBytes(Array("ikev1-interop-test-psk".utf8))),
                          ikeProposals: ike, childProposals: esp,
                          localTrafficSelector: try TrafficSelector(notation: "198.51.100.0/24"),
                          remoteTrafficSelector: try TrafficSelector(notation: "203.0.113.0/24"),
                          aggressive: aggressive, legacy: ike.contains(where: \.isLegacy) || esp.contains(where: \.isLegacy),
                          allowAggressiveModePSKResponder: aggressive)
    }

    @Test func mainModeQuickModeAndDeleteWithCharon() throws {
        let node = try LiveNode(try Self.config(initiator: true))
        node.feed(.initiate(peer: "charon"))
        node.pump(seconds: 30) { !node.endpoint.childSAs.isEmpty }
        #expect(node.failures.isEmpty, "\(node.failures)")
        let child = try #require(node.endpoint.childSAs.first)
        #expect(child.udpEncapsulated && child.remote.port == 4500)
        #expect(node.endpoint.isakmpSAs.first?.natDetected == true)
        let sa = try #require(node.endpoint.isakmpSAs.first?.id)
        node.feed(.delete(sa: sa))
        node.pump(seconds: 1)
        #expect(node.endpoint.sessionCount == 0)
    }

    /// charon initiates (`peer-ctl.sh NAME initiate`), rekeys the CHILD_SA (a second Quick Mode
    /// with PFS) and terminates; our responder follows. Needs IKV1_LIVE_PEERCTL (the script) and
    /// IKV1_LIVE_PEER (the instance name) besides the addresses.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["IKV1_LIVE_PEERCTL"] != nil, "set IKV1_LIVE_PEERCTL"))
    func charonInitiatesRekeysAndTerminates() throws {
        let env = ProcessInfo.processInfo.environment
        func control(_ command: String) throws -> ChildProcess {
            try ChildProcess(env["IKV1_LIVE_PEERCTL"]!, [env["IKV1_LIVE_PEER"] ?? "peer", command], output: .discarded)
        }
        let node = try LiveNode(try Self.config(initiator: false))
        let initiate = try control("initiate")
        node.pump(seconds: 25) { !node.endpoint.childSAs.isEmpty && !initiate.isRunning }
        #expect(initiate.wait().status == 0)
        #expect(node.endpoint.childSAs.count == 1)
        let rekey = try control("rekey")
        node.pump(seconds: 15) { node.log.filter { if case .installChildSA = $0 { true } else { false } }.count == 2 && !rekey.isRunning }
        #expect(node.log.filter { if case .installChildSA = $0 { true } else { false } }.count == 2)
        let terminate = try control("terminate")
        node.pump(seconds: 15) { node.endpoint.sessionCount == 0 && !terminate.isRunning }
        #expect(node.endpoint.sessionCount == 0)
        #expect(node.failures.isEmpty, "\(node.failures)")
    }

    /// charon with `--dpd 2s` probes us when idle; we answer every R-U-THERE and probe it too.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["IKV1_LIVE_DPD"] == "1", "set IKV1_LIVE_DPD=1 with peer-up.sh --dpd 2s"))
    func deadPeerDetectionWithCharon() throws {
        var config = try Self.config(initiator: true)
        config.dpdDelay = 2
        let node = try LiveNode(config)
        node.feed(.initiate(peer: "charon"))
        node.pump(seconds: 30) { !node.endpoint.childSAs.isEmpty }
        let established = node.log.count
        node.pump(seconds: 7)
        let sends = node.log[established...].filter { if case .send = $0 { true } else { false } }
        #expect(sends.count >= 3)   // our ACKs to charon's probes and our own probes
        #expect(node.failures.isEmpty, "\(node.failures)")
        #expect(node.endpoint.isakmpSAs.count == 1)
        node.feed(.delete(sa: node.endpoint.isakmpSAs[0].id))
        node.pump(seconds: 1)
    }
}
#endif
