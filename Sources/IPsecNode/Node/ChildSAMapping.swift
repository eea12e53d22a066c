import ESP
import IKEv1
import IPsecCrypto
import ISAKMPWire


/// The engine's negotiated child SA as the ESP layer's two one-way SAs.
public enum ChildSAMapping {
    /// ESP parameters for each direction (no UDP header: the caller's socket writes it).
    public static func parameters(_ c: IKEv1.ChildSA) -> (outbound: SecurityAssociation, inbound: SecurityAssociation) {
        // The node sends ESP through its own UDP socket, which writes the UDP header: no encapsulation here.
        func sa(_ keys: ChildSAKeys, _ direction: SecurityAssociation.Direction) -> SecurityAssociation {
            SecurityAssociation(spi: keys.spi, direction: direction, encryption: c.proposal.encryption ?? .null,
                                integrity: c.proposal.integrity, encryptionKey: keys.encryptionKey,
                                integrityKey: keys.integrityKey, mode: c.mode == .tunnel ? .tunnel : .transport,
                                encapsulation: .none, replayWindow: 128)
        }
        return (sa(c.outbound, .outbound), sa(c.inbound, .inbound))
    }
}

extension IKEv1.ChildSA {
    /// True when this SA's selectors cover a packet from `source` to `destination`
    /// (no selector: the SA's own host addresses).
    func covers(source: [UInt8], destination: [UInt8]) -> Bool {
        Self.matches(localTrafficSelector, source, host: local.address)
            && Self.matches(remoteTrafficSelector, destination, host: remote.address)
    }

    static func matches(_ ts: TrafficSelector?, _ address: [UInt8], host: [UInt8]) -> Bool {
        guard let ts else { return address == host }
        switch ts.identity {
        case .ipv4(let a), .ipv6(let a): return address == a
        case .ipv4Subnet(let a, let m), .ipv6Subnet(let a, let m):
            return address.count == a.count && zip(zip(address, a), m).allSatisfy { ($0.0 & $1) == ($0.1 & $1) }
        case .ipv4Range(let lo, let hi), .ipv6Range(let lo, let hi):
            return address.count == lo.count && !address.lexicographicallyPrecedes(lo) && !hi.lexicographicallyPrecedes(address)
        default: return false
        }
    }
}
