import ISAKMPWire
import Testing
import TestSupport

/// Field-level behaviour of the codec, on messages built here from the RFC diagrams.
struct PayloadCodecTests {
    static let header = ISAKMPHeader(initiatorCookie: Cookie(0x0102030405060708), responderCookie: .zero,
                                     exchangeType: .mainMode)

    @Test func attributesKeepTheirTVOrTLVForm() throws {
        let tv = DataAttribute.basic(IPsecAttribute.lifeDuration, 3600)
        let tlvSmall = DataAttribute(type: IPsecAttribute.lifeDuration, value: .variable([0x00, 0x00, 0x0e, 0x10]))
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(
            number: 1, protocolID: .esp, spi: [1, 2, 3, 4],
            transforms: [TransformPayload(number: 1, transformID: TransformID(rawValue: 12, protocolID: .esp),
                                          attributes: [tv, tlvSmall])])])
        let bytes = ISAKMPMessage(header: Self.header, payloads: [.securityAssociation(sa)]).encode()
        let decoded = try ISAKMPMessage.decode(bytes)
        guard case .securityAssociation(let back)? = decoded.payloads?.first else {
            Issue.record("no SA payload"); return
        }
        let attrs = back.proposals[0].transforms[0].attributes
        #expect(attrs[0].isBasic && attrs[0].integerValue == 3600)
        #expect(!attrs[1].isBasic && attrs[1].integerValue == 3600)
        #expect(decoded.encode() == bytes)
        #expect(back.proposals[0].spi32 == 0x01020304)
    }

    /// Decoded SA and ID payloads answer ``Payload/body`` with the bytes they came in (what
    /// HASH_I/HASH_R cover, RFC 2409 §5); they still equal the same payload built here, and a
    /// changed field is encoded anew.
    @Test func decodedSAAndIDBodiesAreTheBytesReceived() throws {
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [
            TransformPayload(number: 1, transformID: TransformID(rawValue: 1, protocolID: .isakmp), attributes: [
                DataAttribute(type: 12, value: .variable([0x3a, 0x98])), .basic(11, 1), .basic(1, 7),
            ]),
        ])])
        let id = IdentificationPayload(.fqdn("peer.example"), protocolID: 17, port: 500)
        let bytes = ISAKMPMessage(header: Self.header, payloads: [.securityAssociation(sa), .identification(id)]).encode()
        let chain = Array(bytes[28...])
        let payloads = try #require(try ISAKMPMessage.decode(bytes).payloads)
        guard case .securityAssociation(var back) = payloads[0], case .identification(var backID) = payloads[1] else {
            Issue.record("\(payloads)"); return
        }
        let saLength = Int(chain[2]) << 8 | Int(chain[3])
        #expect(back.body == Array(chain[4..<saLength]))
        #expect(backID.body == Array(chain[(saLength + 4)...]))
        #expect(back == sa && backID == id && Set([back]).contains(sa))
        back.proposals[0].transforms[0].attributes.removeFirst()
        #expect(back.body == Payload.securityAssociation(back).body && back.body.count == saLength - 4 - 6)
        backID.port = 4500
        #expect(backID.body == [IdentificationType.fqdn.rawValue, 17, 0x11, 0x94] + Array("peer.example".utf8))
    }

    /// RFC 2407 §4.5.4 RESPONDER-LIFETIME data: Life-Type seconds, 86400 s as a
    /// 4-byte TLV, Life-Type kilobytes, 1000 KB as TV.
    @Test func attributeListEncodesAndDecodesBackToBack() throws {
        let list: [DataAttribute] = [
            .basic(IPsecAttribute.lifeType, 1),
            DataAttribute(type: IPsecAttribute.lifeDuration, value: .variable([0x00, 0x01, 0x51, 0x80])),
            .basic(IPsecAttribute.lifeType, 2), .basic(IPsecAttribute.lifeDuration, 1000),
        ]
        let bytes: [UInt8] = [0x80, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80,
                              0x80, 0x01, 0x00, 0x02, 0x80, 0x02, 0x03, 0xe8]
        #expect(DataAttribute.encode(list) == bytes)
        #expect(try DataAttribute.decodeList(bytes) == list)
        #expect(try DataAttribute.decodeList([]) == [])
        #expect(throws: WireError(.truncated, field: "", offset: 0, reason: "")) { try DataAttribute.decodeList(Array(bytes.dropLast())) }
        #expect(throws: WireError(.truncated, field: "", offset: 0, reason: "")) { try DataAttribute.decodeList([0x80, 0x01, 0x00]) }
    }

    @Test func integerAttributeUsesTheShortestForm() {
        #expect(DataAttribute.integer(2, 28800).value == .basic(28800))
        #expect(DataAttribute.integer(2, 86400).value == .variable([0x01, 0x51, 0x80]))
    }

    @Test func truncatedPayloadNamesFieldAndOffset() throws {
        var bytes = ISAKMPMessage(header: Self.header, payloads: [.nonce(NoncePayload(data: Array(repeating: 7, count: 16)))]).encode()
        bytes[30] = 0
        bytes[31] = 200 // nonce payload length 200 in a 48-byte message
        #expect(throws: WireError.self) { try ISAKMPMessage.decode(bytes) }
        do {
            _ = try ISAKMPMessage.decode(bytes)
        } catch {
            #expect(error.code == .badLength)
            #expect(error.field == "payload[0](NONCE).length")
            #expect(error.offset == 28)
            #expect(error.notifyType == .payloadMalformed)
        }
    }

    @Test func headerLengthBeyondDatagramIsTruncated() {
        var bytes = ISAKMPMessage(header: Self.header, payloads: []).encode()
        bytes[27] = 29
        #expect(throws: WireError(.truncated, field: "", offset: 0, reason: "")) { try ISAKMPMessage.decode(bytes) }
    }

    @Test func ikev2IsAVersionError() {
        var bytes = ISAKMPMessage(header: Self.header, payloads: []).encode()
        bytes[17] = 0x20
        #expect(throws: WireError(.unsupportedVersion, field: "", offset: 0, reason: "")) { try ISAKMPMessage.decode(bytes) }
        #expect(WireError(.unsupportedVersion, field: "", offset: 0, reason: "").notifyType == .invalidMajorVersion)
    }

    @Test func unknownPayloadTypeIsKeptAsBytes() throws {
        let raw = RawPayload(type: PayloadType(rawValue: 200), body: [9, 9, 9])
        let bytes = ISAKMPMessage(header: Self.header, payloads: [.raw(raw), .hash(HashPayload(data: [1]))]).encode()
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.payloads == [.raw(raw), .hash(HashPayload(data: [1]))])
        #expect(decoded.encode() == bytes)
    }

    @Test func nonZeroReservedOctetKeepsPayloadRaw() throws {
        var bytes = ISAKMPMessage(header: Self.header, payloads: [.nonce(NoncePayload(data: [1, 2]))]).encode()
        bytes[29] = 0x55
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.payloads == [.raw(RawPayload(type: .nonce, reserved: 0x55, body: [1, 2]))])
        #expect(decoded.encode() == bytes)
    }

    @Test func encryptedBodyIsCiphertextUntilDecrypted() throws {
        let inner: [Payload] = [.identification(IdentificationPayload(.ipv4([192, 0, 2, 1]), protocolID: 17, port: 500)),
                                .hash(HashPayload(data: Array(repeating: 0xab, count: 20)))]
        let plain = ISAKMPMessage.encodePayloads(inner) + [0, 0, 0, 7] // padding
        var h = Self.header
        h.nextPayload = .identification
        let message = ISAKMPMessage(header: h, body: .encrypted(plain))
        let decoded = try ISAKMPMessage.decode(message.encode())
        #expect(decoded.header.flags.contains(.encryption))
        #expect(decoded.payloads == nil)
        let (payloads, padding) = try decoded.decodeDecrypted(plain)
        #expect(payloads == inner)
        #expect(padding == [0, 0, 0, 7])
        // IDii_b of RFC 2409 §5: the body from the ID type on.
        #expect(payloads[0].body == [1, 17, 0x01, 0xf4, 192, 0, 2, 1])
    }

    @Test(arguments: [
        (IdentificationType.ipv4Subnet, [10, 1, 0, 0, 255, 255, 0, 0] as [UInt8], "10.1.0.0/16"),
        (.ipv4Range, [10, 0, 0, 1, 10, 0, 0, 9], "10.0.0.1..10.0.0.9"),
        (.ipv6Address, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "2001:db8::1"),
        (.fqdn, Array("vpn.example".utf8), "vpn.example"),
    ])
    func identitiesReadAsTheirType(type: IdentificationType, data: [UInt8], text: String) {
        #expect(Identity(type: type, data: data)?.description == text)
        #expect(Identity(type: type, data: data)?.data == data)
    }

    @Test func identityOfWrongLengthIsNil() {
        #expect(Identity(type: .ipv4Address, data: [1, 2, 3]) == nil)
        #expect(Identity(type: .ipv6Subnet, data: Array(repeating: 0, count: 31)) == nil)
    }

    @Test func deleteCountMustMatchPayloadLength() throws {
        let d = DeletePayload(protocolID: .esp, spiSize: 4, spis: [[1, 2, 3, 4]])
        var bytes = ISAKMPMessage(header: Self.header, payloads: [.delete(d)]).encode()
        bytes[28 + 4 + 6 + 1] = 3 // claim 3 SPIs
        #expect(throws: WireError.self) { try ISAKMPMessage.decode(bytes) }
    }
}

/// RFC 3948 §2 demultiplexing on UDP 4500 and the vendor IDs we name.
struct NATTraversalCodecTests {
    @Test func nonESPMarkerKeepaliveAndESPAreToldApart() {
        #expect(UDPEncapsulated.classify([0xff]) == .keepalive)
        #expect(UDPEncapsulated.classify([0, 0, 0, 0, 1, 2]) == .ike([1, 2][...]))
        let esp: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, 9]
        #expect(UDPEncapsulated.classify(esp[...]) == .esp(esp[...]))
        if case .invalid = UDPEncapsulated.classify([0x00]) {} else { Issue.record("0x00 is not a keepalive") }
        if case .invalid = UDPEncapsulated.classify([1, 2, 3, 4, 5]) {} else { Issue.record("5 bytes is not ESP") }
        #expect(UDPEncapsulated.classify([1, 2]) == .invalid("2 bytes: shorter than an SPI"))
    }

    /// The in-place rule the data plane uses is the same rule.
    @Test(arguments: try nonEmpty([
        ([0xff], UDPEncapsulated.Kind.keepalive), ([0x00], .invalid), ([1, 2], .invalid), ([0, 0, 0, 0], .ike),
        ([0, 0, 0, 0, 1, 2, 3, 4, 5], .ike), ([0, 0, 1, 0, 0, 0, 0, 1], .esp), ([1, 2, 3, 4, 5], .invalid),
    ] as [([UInt8], UDPEncapsulated.Kind)]))
    func kindInPlaceAgreesWithClassify(bytes: [UInt8], expected: UDPEncapsulated.Kind) {
        #expect(bytes.withUnsafeBytes(UDPEncapsulated.kind) == expected)
        switch UDPEncapsulated.classify(bytes[...]) {
        case .ike: #expect(expected == .ike)
        case .esp: #expect(expected == .esp)
        case .keepalive: #expect(expected == .keepalive)
        case .invalid: #expect(expected == .invalid)
        }
    }

    @Test func vendorIDsAreRecognisedWithTheirVersionSuffixes() {
        #expect(KnownVendorID.identify([UInt8](hexString: "afcad71368a1f1c96b8696fc77570100")!) == .dpd)
        #expect(KnownVendorID.identify([UInt8](hexString: "4048b7d56ebce88525e7de7f00d6c2d3")!) == .fragmentation)
        #expect(KnownVendorID.identify([UInt8](hexString: "4048b7d56ebce88525e7de7f00d6c2d380000000")!) == .fragmentation)
        #expect(KnownVendorID.identify([UInt8](hexString: "4a131c81070358455c5728f20e95452f")!) == .rfc3947)
        #expect(KnownVendorID.identify([UInt8](hexString: "4a131c81070358455c5728f20e95452f00")!) == nil)
        #expect(KnownVendorID.identify([UInt8](hexString: "09002689dfd6b712")!) == .xauth)
        #expect(KnownVendorID.identify([UInt8](hexString: "12f5f28c457168a9702d9fe274cc0100")!) == .ciscoUnity)
    }

    @Test func natDraftPayloadNumbersSurviveARoundTrip() throws {
        let h = ISAKMPHeader(initiatorCookie: Cookie(1), responderCookie: Cookie(2), exchangeType: .mainMode)
        let payloads: [Payload] = [
            .natDiscovery(NATDiscoveryPayload(hash: Array(repeating: 1, count: 16), type: .natDiscoveryDraft)),
            .natDiscovery(NATDiscoveryPayload(hash: Array(repeating: 2, count: 20))),
            .natOriginalAddress(NATOriginalAddressPayload(idType: .ipv4Address, address: [10, 0, 0, 1], type: .natOriginalAddressDraft)),
        ]
        let bytes = ISAKMPMessage(header: h, payloads: payloads).encode()
        #expect(bytes[16] == 130)
        let back = try ISAKMPMessage.decode(bytes)
        #expect(back.payloads == payloads)
        #expect(back.payloads?.map(\.type) == [.natDiscoveryDraft, .natDiscovery, .natOriginalAddressDraft])
    }
}
