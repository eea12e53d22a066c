import ESP
import IKEv1
import IPsecCrypto
import ISAKMPWire

/// The engine's negotiated child SA as the ESP layer's two one-way SAs.
public enum ChildSAMapping {
    /// ESP or AH parameters for each direction (no UDP header: the caller's socket writes it).
    public static func parameters(_ c: IKEv1.ChildSA) -> (outbound: SecurityAssociation, inbound: SecurityAssociation) {
        // The node sends ESP through its own UDP socket, which writes the UDP header: no encapsulation here.
        func sa(_ keys: ChildSAKeys, _ direction: SecurityAssociation.Direction) -> SecurityAssociation {
            SecurityAssociation(spi: keys.spi, direction: direction, securityProtocol: c.ipsecProtocol == .ah ? .ah : .esp,
                                encryption: c.proposal.encryption ?? .null,
                                integrity: c.proposal.integrity, encryptionKey: keys.encryptionKey,
                                integrityKey: keys.integrityKey, mode: c.mode == .tunnel ? .tunnel : .transport,
                                encapsulation: .none, replayWindow: 128)
        }
        return (sa(c.outbound, .outbound), sa(c.inbound, .inbound))
    }
}
