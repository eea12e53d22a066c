import Foundation
@testable import IKEv1
import IPsecCrypto
import IPsecNode
import ISAKMPWire
import Testing

/// The responder limits hold through the I/O node: a loopback flood of Main Mode first messages
/// from many source ports of one address (the engine's limits are per IP address).
struct NodeFloodTests {
    final class Reports: @unchecked Sendable {
        let lock = NSLock()
        var failed: [Failure] = []
        func add(_ r: IPsecNodeRuntime.Report) { if case .failed(let f) = r { lock.withLock { failed.append(f) } } }
    }

    /// One value handed from the node's control thread to the test's.
    final class Answer: @unchecked Sendable {
        private let ready = DispatchSemaphore(value: 0)
        private var value: UInt64 = 0
        func put(_ v: UInt64) { value = v; ready.signal() }
        func take() -> UInt64 { ready.wait(); return value }
    }

    @Test func loopbackFloodFromManyPortsIsCappedPerAddress() throws {
        let loopback = SocketAddress(address: [127, 0, 0, 1], port: 500)
        let config = PeerConfig(name: "any", localAddress: loopback, remoteAddress: nil, localIdentity: .ipv4(loopback.address),
                                authentication: .preSharedKey(SecretBytes(Array("node-flood-psk".utf8))),
                                ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
                                childProposals: try ChildProposal.proposals(notation: "aes128-sha256"))
        let reports = Reports()
        // Ephemeral ports: the node hands the engine datagrams as if on the NAT-T port, so they carry the non-ESP marker.
        let runtime = try IPsecNodeRuntime(configs: [config], ikeAddress: SocketAddress("127.0.0.1", defaultPort: 0)!, natTPort: 0) {
            reports.add($0)
        }
        let done = DispatchSemaphore(value: 0)
        Thread { runtime.run(); done.signal() }.start()
        let node = runtime.ikeAddress
        let senders = try (0..<40).map { _ in try UDPSocket(bindTo: SocketAddress("127.0.0.1", defaultPort: 0)!) }
        /// What the engine dropped for the per-address cap, read on the node's control thread.
        func droppedForTheCap() -> UInt64 {
            let answer = Answer()
            runtime.onControlThread { answer.put($0.dropCounters.engine.dropped[.halfOpenPerAddress] ?? 0) }
            return answer.take()
        }
        var sent = 0
        for round in 0..<50 {
            for (i, s) in senders.enumerated() {
                let header = ISAKMPHeader(initiatorCookie: Cookie(UInt64(0x7000_0000 + round * 100 + i)), responderCookie: .zero,
                                          exchangeType: .mainMode)
                let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp,
                                                                                transforms: [config.ikeProposals[0].transform(number: 1)])])
                try s.send([0, 0, 0, 0] + ISAKMPMessage(header: header, payloads: [.securityAssociation(sa)]).encode(), to: node)
                sent += 1
            }
            // One round (40 datagrams) at a time, so that none is lost in the socket's buffer however
            // slowly the shared machine runs the node: the drops below are the engine's, every one.
            let deadline = Date().addingTimeInterval(30)
            while droppedForTheCap() < UInt64(sent - 5) && Date() < deadline { usleep(2000) }
        }
        runtime.stop()
        #expect(done.wait(timeout: .now() + 10) == .success)
        let counters = runtime.dropCounters.engine
        let held = runtime.resources
        #expect(held.halfOpen == 5 && held.halfOpenFromOneAddress == 5)
        // Five half-open SAs from the address, then every further first message refused.
        #expect(counters.dropped[.halfOpenPerAddress] == UInt64(sent - 5), "\(counters.dropped) of \(sent)")
        #expect(reports.lock.withLock { reports.failed.count } <= 1)   // one report per 10 s, not one per packet
    }
}
