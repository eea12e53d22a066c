import Foundation
import ISAKMPWire
import Testing
import TestSupport

/// Byte-exact encodings asserted by scapy's test suite (secdev/scapy
/// test/scapy/layers/isakmp.uts, transcribed in Fixtures/captures/public/scapy/isakmp_uts_encodings.json):
/// we build the same messages through the public API and compare every byte.
struct ScapyEncodingTests {
    static func vector(_ index: Int) throws -> [UInt8] {
        let url = Fixtures.url("captures/public/scapy/isakmp_uts_encodings.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let vectors = json["vectors"] as! [[String: Any]]
        return [UInt8](hexString: vectors[index]["bytes_hex"] as! String)!
    }

    @Test func saWithTwoIKETransformsAndTLVLifeDuration() throws {
        let expected = try Self.vector(0)
        // The vector is IPv4 (20) + UDP (8) + ISAKMP; we build the ISAKMP part.
        let ike = TransformID(rawValue: TransformID.keyIKE, protocolID: .isakmp)
        let life = DataAttribute(type: IKEAttribute.lifeDuration, value: .variable([0x01, 0x51, 0x80]))
        let t1 = TransformPayload(number: 0, transformID: ike, attributes: [
            .basic(IKEAttribute.encryptionAlgorithm, 7), .basic(IKEAttribute.hashAlgorithm, 1),
            .basic(IKEAttribute.authenticationMethod, 1), .basic(IKEAttribute.groupDescription, 5),
            .basic(IKEAttribute.keyLength, 256), .basic(IKEAttribute.lifeType, 1), life,
        ])
        let t2 = TransformPayload(number: 0, transformID: ike, attributes: [
            .basic(IKEAttribute.encryptionAlgorithm, 5), .basic(IKEAttribute.hashAlgorithm, 2),
            .basic(IKEAttribute.authenticationMethod, 1), .basic(IKEAttribute.groupDescription, 2),
            .basic(IKEAttribute.lifeType, 1), life,
        ], reserved2: 12345)
        // scapy sends DOI 0 and leaves "# of Transforms" at 0 although two follow.
        let sa = SecurityAssociationPayload(doi: .isakmp, proposals: [
            ProposalPayload(number: 1, protocolID: .isakmp, transforms: [t1, t2], declaredTransformCount: 0),
        ])
        let header = ISAKMPHeader(initiatorCookie: .zero, responderCookie: .zero, exchangeType: ExchangeType(rawValue: 0))
        let message = ISAKMPMessage(header: header, payloads: [.securityAssociation(sa)])
        #expect(message.encode() == Array(expected.dropFirst(28)))
        #expect(try ISAKMPMessage.decode(expected.dropFirst(28)).payloads == message.payloads)
    }

    @Test func twoNotifications() throws {
        let expected = try Self.vector(1)
        let header = ISAKMPHeader(initiatorCookie: .zero, responderCookie: .zero, exchangeType: ExchangeType(rawValue: 0))
        let decoded = try ISAKMPMessage.decode(expected)
        let first = NotificationPayload(doi: .isakmp, protocolID: .isakmp, notifyType: .invalidFlags,
                                        data: Array("Erreur".utf8))
        let second = NotificationPayload(doi: .isakmp, protocolID: .isakmp, notifyType: NotifyMessageType(rawValue: 0))
        let built = ISAKMPMessage(header: header, payloads: [.notification(first), .notification(second)])
        #expect(built.encode() == expected)
        #expect(decoded.payloads == built.payloads)
    }

    @Test func deleteWithTwoISAKMPSPIs() throws {
        let expected = try Self.vector(2)
        let header = ISAKMPHeader(initiatorCookie: .zero, responderCookie: .zero, exchangeType: ExchangeType(rawValue: 0))
        let delete = DeletePayload(doi: .isakmp, protocolID: .isakmp, spiSize: 16,
                                   spis: [Array(repeating: 0x41, count: 16), Array(repeating: 0x42, count: 16)])
        let built = ISAKMPMessage(header: header, payloads: [.delete(delete)])
        #expect(built.encode() == expected)
    }
}
