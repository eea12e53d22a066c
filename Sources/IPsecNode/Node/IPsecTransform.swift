import ESP
import IKEv1
import IPsecCrypto

/// One direction of a child SA's protection: ESP (RFC 4303) or AH (RFC 4302).
enum OutboundTransform {
    case esp(ESPOutboundSA)
    /// AH authenticates the IP header too, so the node writes it (raw socket with IP_HDRINCL):
    /// `outerHeader` is the tunnel-mode header, local → peer, whose identification field
    /// (immutable for the ICV, RFC 4302 §3.3.3.1.1.1) counts up per packet.
    case ah(AHOutboundSA, outerHeader: [UInt8])

    init(_ child: IKEv1.ChildSA, entropy: inout some EntropySource) throws(ESPError) {
        let sa = ChildSAMapping.parameters(child).outbound
        switch child.ipsecProtocol {
        case .esp:
            self = .esp(try ESPOutboundSA(sa, entropy: &entropy))
        case .ah:
            guard sa.integrity != nil else { throw .configuration(CryptoError(.invalidProposal, "AH without an integrity algorithm")) }
            let local = child.local.address, remote = child.remote.address
            let header: [UInt8] = local.count == 4
                ? [0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 51, 0, 0] + local + remote
                : [0x60, 0, 0, 0, 0, 0, 51, 64] + local + remote
            self = .ah(try AHOutboundSA(sa), outerHeader: header)
        }
    }
}

/// The inbound half of ``OutboundTransform``.
enum InboundTransform {
    case esp(ESPInboundSA)
    case ah(AHInboundSA)

    init(_ child: IKEv1.ChildSA) throws(ESPError) {
        let sa = ChildSAMapping.parameters(child).inbound
        switch child.ipsecProtocol {
        case .esp: self = .esp(try ESPInboundSA(sa))
        case .ah:
            guard sa.integrity != nil else { throw .configuration(CryptoError(.invalidProposal, "AH without an integrity algorithm")) }
            self = .ah(try AHInboundSA(sa))
        }
    }
}
