// A site-to-site IKEv1 tunnel as a long-running service: the `Tunnel` of IPsecService in a
// swift-service-lifecycle `ServiceGroup`, logging through swift-log. SIGTERM or SIGINT shuts
// it down gracefully: every SA is deleted and the peer told before the process exits.
//
//   swift run TunnelService LOCAL-IP PEER-IP PSK LOCAL-SUBNET REMOTE-SUBNET [respond]
//   swift run TunnelService 192.0.2.1 192.0.2.2 secret 10.1.0.0/16 10.2.0.0/16
//
// Needs root (UDP port 500, raw ESP). Without a TUN device the SAs are negotiated but carry no
// traffic; `ikev1 connect --tun` shows the data plane.
import Foundation
import IKEv1
import IPsecCrypto
import IPsecService
import ISAKMPWire
import Logging
import ServiceLifecycle
import UnixSignals

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 5, let local = SocketAddress(arguments[1], defaultPort: 500),
      let peer = SocketAddress(arguments[2], defaultPort: 500) else {
    FileHandle.standardError.write(Data("usage: TunnelService LOCAL-IP PEER-IP PSK LOCAL-SUBNET REMOTE-SUBNET [respond]\n".utf8))
    exit(64)
}
let responder = arguments.dropFirst(5).first == "respond"
let config = PeerConfig(
    name: "site", localAddress: local, remoteAddress: peer,
    localIdentity: local.address.count == 4 ? .ipv4(local.address) : .ipv6(local.address),
    authentication: .preSharedKey(SecretBytes(Array(arguments[3].utf8))),
    ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
    childProposals: try ChildProposal.proposals(notation: "aes128gcm16-modp2048"),
    localTrafficSelector: try TrafficSelector(notation: arguments[4]),
    remoteTrafficSelector: try TrafficSelector(notation: arguments[5]))

LoggingSystem.bootstrap { StreamLogHandler.standardOutput(label: $0) }
let logger = Logger(label: "tunnel-service")
let tunnel = try Tunnel(configs: [config], ikeAddress: local, logger: logger)
let group = ServiceGroup(configuration: ServiceGroupConfiguration(
    services: [tunnel], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))

if !responder { tunnel.initiate(config.name) }
// The events, beside the log: here a failed negotiation ends the service.
let watcher = Task {
    for await event in tunnel.events {
        if case .failed(let failure) = event, !responder {
            logger.error("giving up: \(failure)")
            await group.triggerGracefulShutdown()
        }
    }
}
try await group.run()
await watcher.value
