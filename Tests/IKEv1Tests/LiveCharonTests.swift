#if canImport(Glibc)
import Foundation
import Glibc
import IKEv1
import IPsecCrypto
import ISAKMPWire
import Testing

/// Against a live strongSwan charon (shared/interop/peer-up.sh --topology root): our initiator
/// on real UDP sockets and the real clock completes Main Mode + Quick Mode (NAT-T float,
/// since charon's libipsec backend fakes NAT) and deletes. Runs only when IKV1_LIVE_CHARON
/// (charon's address) and IKV1_LIVE_LOCAL (ours) are set, e.g.
///
///     IKV1_NS_B=engB IKV1_IF_A=engA0 IKV1_IF_B=engB0 IKV1_ROOT_ADDR_A=198.18.77.1 \
///     IKV1_ROOT_ADDR_B=198.18.77.2 IKV1_STATE=/tmp/ikv1-engine shared/interop/peer-up.sh --topology root --name engpeer
///     IKV1_LIVE_LOCAL=198.18.77.1 IKV1_LIVE_CHARON=198.18.77.2 swift test --filter LiveCharonTests
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IKV1_LIVE_CHARON"] != nil, "set IKV1_LIVE_CHARON to run against charon"))
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

    @Test func mainModeQuickModeAndDeleteWithCharon() throws {
        let env = ProcessInfo.processInfo.environment
        let local = SocketAddress(address: SocketAddress.ipv4(env["IKV1_LIVE_LOCAL"] ?? "198.18.0.1")!, port: 500)
        let charon = SocketAddress(address: SocketAddress.ipv4(env["IKV1_LIVE_CHARON"]!)!, port: 500)
        let config = PeerConfig(name: "charon", localAddress: local, remoteAddress: charon,
                                localIdentity: .ipv4(local.address), remoteIdentity: .ipv4(charon.address),
                                preSharedKey: SecretBytes(Array("ikev1-interop-test-psk".utf8)),
                                ikeProposals: try ProposalNotation.ike("aes128-sha256-modp2048"),
                                childProposals: try ProposalNotation.child("aes128-sha256-modp2048"),
                                localTrafficSelector: .subnet("198.51.100.0/24"), remoteTrafficSelector: .subnet("203.0.113.0/24"))
        var endpoint = try IKEv1Endpoint(configs: [config])
        let sockets = [UInt16(500): try UDPSocket(local), 4500: try UDPSocket(local.with(port: 4500))]
        let clock = ContinuousClock(), start = clock.now
        func now() -> EngineTime {
            let d = clock.now - start
            return EngineTime(milliseconds: d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }
        var environment = Environment(now: now(), entropy: SystemEntropy())
        var timers: [TimerID: EngineTime] = [:]
        var log: [Action] = []
        func feed(_ event: Event) {
            environment.now = now()
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
        func pump(seconds: Double, until done: () -> Bool) {
            let end = now().adding(seconds: seconds)
            while now() < end && !done() {
                for (port, socket) in sockets {
                    while let (bytes, from) = socket.receive() { feed(.datagram(bytes: bytes, from: from, to: local.with(port: port))) }
                }
                for (id, at) in timers where at <= now() { timers[id] = nil; feed(.timerFired(id)) }
                usleep(2000)
            }
        }
        feed(.initiate(peer: "charon"))
        pump(seconds: 30) { !endpoint.childSAs.isEmpty }
        let failures = log.compactMap { if case .failed(let f) = $0 { f } else { nil } }
        #expect(failures.isEmpty, "\(failures)")
        let child = try #require(endpoint.childSAs.first)
        #expect(child.udpEncapsulated && child.remote.port == 4500)
        #expect(endpoint.isakmpSAs.first?.natDetected == true)
        let sa = try #require(endpoint.isakmpSAs.first?.id)
        feed(.delete(sa: sa))
        pump(seconds: 1) { false }
        #expect(endpoint.sessionCount == 0)
    }
}
#endif
