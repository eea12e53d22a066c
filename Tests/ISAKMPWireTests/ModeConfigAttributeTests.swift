import ISAKMPWire
import Testing
import TestSupport

/// The typed Mode Config / XAUTH / Unity view on values built here from the drafts' tables
/// (draft-dukes-ike-mode-cfg-02 §3.4, draft-beaulieu-ike-xauth-02 §6.2) and vpnc's isakmp.h.
struct ModeConfigAttributeTests {
    static let ip4: [UInt8] = [198, 18, 0, 7]
    static let ip6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]

    /// One value of every typed case.
    static let everyCase: [ModeConfigAttribute] = [
        .internalIP4Address(ip4), .internalIP4Netmask([255, 255, 255, 0]), .internalIP4DNS(ip4), .internalIP4NBNS(ip4),
        .internalIP4DHCP(ip4), .internalAddressExpiry(86_400), .internalIP4Subnet(address: [198, 18, 0, 0], mask: [255, 255, 0, 0]),
        .applicationVersion("swift-ikev1 test"), .internalIP6Address(ip6, prefixLength: nil), .internalIP6Address(ip6, prefixLength: 64),
        .internalIP6Netmask([UInt8](repeating: 0xff, count: 8) + [UInt8](repeating: 0, count: 8)), .internalIP6DNS(ip6),
        .internalIP6NBNS(ip6), .internalIP6DHCP(ip6), .internalIP6Subnet(address: ip6, prefixLength: 48),
        .supportedAttributes([.internalIP4Address, .unityBanner]),
        .xauthType(.generic), .xauthUserName("alice"), .xauthUserPassword(Array("alice-pass".utf8)), .xauthPasscode([1, 2, 3]),
        .xauthMessage("Enter your PIN"), .xauthChallenge([0xde, 0xad]), .xauthDomain("corp"), .xauthStatus(.fail),
        .xauthNextPIN(Array("4321".utf8)), .xauthAnswer(Array("yes".utf8)),
        .unityBanner("Welcome, ünïcode ✓"), .unitySavePassword(true), .unityDefaultDomain("ra.test"),
        .unitySplitDNS(["a.test", "b.test"]),
        .unitySplitInclude([UnitySplitNetwork(address: [198, 19, 100, 0], mask: [255, 255, 255, 0]),
                            UnitySplitNetwork(address: [198, 18, 7, 0], mask: [255, 255, 255, 128], ipProtocol: 17,
                                              sourcePort: 500, destinationPort: 4500)]),
        .unityNATTPort(4500), .unityLocalLAN([UnitySplitNetwork(address: [192, 0, 2, 0], mask: [255, 255, 255, 0])]),
        .unityPFS(false), .unityFirewallType([0x80, 0x01, 0x00, 0x01]), .unityBackupServers("gw2.test,gw3.test"),
        .unityDDNSHostname("vm"), .empty(.internalIP4Address), .empty(.xauthStatus),
        .unknown(.basic(20000, 7)), .unknown(DataAttribute(type: 16384, value: .variable([1, 2, 3]))),
    ]

    @Test(arguments: try nonEmpty(everyCase))
    func everyCaseSurvivesTheWire(_ attribute: ModeConfigAttribute) throws {
        let wire = attribute.dataAttribute
        #expect(wire.type == attribute.type.rawValue)
        #expect(try ModeConfigAttribute(wire) == attribute)
        // Through a whole payload chain as well.
        let payload = AttributePayload(.reply, identifier: 7, attributes: [attribute])
        let bytes = PayloadChain.encode([.attribute(payload)])
        let decoded = try PayloadChain.decode(bytes[...], first: .attribute)
        guard case .attribute(let back) = try #require(decoded.payloads.first) else { Issue.record("not ATTR"); return }
        #expect(back.messageType == .reply && back.identifier == 7)
        #expect(try back.modeConfigAttributes() == [attribute])
    }

    /// The drafts' forms: addresses, text and lists are TLV; XAUTH_TYPE, XAUTH_STATUS and the
    /// Unity flags and port are TV (basic).
    @Test func formsFollowTheDrafts() {
        #expect(ModeConfigAttribute.xauthStatus(.ok).dataAttribute == .basic(16527, 1))
        #expect(ModeConfigAttribute.unityPFS(true).dataAttribute == .basic(28679, 1))
        #expect(ModeConfigAttribute.internalIP4Address([10, 99, 0, 10]).dataAttribute
                == DataAttribute(type: 1, value: .variable([10, 99, 0, 10])))
        #expect(ModeConfigAttribute.empty(.xauthUserName).dataAttribute == DataAttribute(type: 16521, value: .variable([])))
        #expect(ModeConfigAttribute.internalAddressExpiry(0x0102_0304).dataAttribute
                == DataAttribute(type: 5, value: .variable([1, 2, 3, 4])))
    }

    /// A length the type forbids is a typed error naming the attribute and its position.
    @Test(arguments: [
        (DataAttribute(type: 1, value: .variable([10, 99, 0])), "expected 4"),
        (DataAttribute(type: 2, value: .variable([255, 255, 255, 0, 0])), "expected 4"),
        (DataAttribute(type: 5, value: .variable([0, 0, 1])), "expected 4"),
        (DataAttribute(type: 13, value: .variable([198, 18, 0, 0, 255, 255, 0])), "expected 8"),
        (DataAttribute(type: 8, value: .variable([UInt8](repeating: 0, count: 15))), "expected 16 or 17"),
        (DataAttribute(type: 10, value: .variable([UInt8](repeating: 0, count: 17))), "expected 16"),
        (DataAttribute(type: 15, value: .variable([UInt8](repeating: 0, count: 16))), "expected 17"),
        (DataAttribute(type: 14, value: .variable([0, 1, 0])), "2-byte types"),
        (DataAttribute(type: 28676, value: .variable([UInt8](repeating: 0, count: 15))), "14-byte entries"),
        (DataAttribute(type: 28678, value: .variable([UInt8](repeating: 0, count: 13))), "14-byte entries"),
    ])
    func wrongLengthsAreTypedErrors(_ attribute: DataAttribute, _ reason: String) {
        let list = [ModeConfigAttribute.xauthStatus(.ok).dataAttribute, attribute]
        #expect {
            _ = try ModeConfigAttribute.decodeList(list)
        } throws: { error in
            guard let e = error as? ModeConfigError else { return false }
            return e.code == .wrongLength && e.index == 1 && e.attributeType.rawValue == attribute.type
                && e.reason.contains(reason) && e.description.hasPrefix("attribute[1] ")
                && e.notifyType == .payloadMalformed
        }
    }

    @Test(arguments: [
        (DataAttribute.basic(1, 0x0a63), ModeConfigError.Code.wrongForm),
        (DataAttribute(type: 16520, value: .variable([0, 0])), .wrongForm),
        (DataAttribute(type: 16527, value: .variable([0, 1])), .wrongForm),
        (DataAttribute.basic(28676, 0), .wrongForm),
        (DataAttribute.basic(28679, 2), .invalidValue),
        (DataAttribute.basic(28673, 0xffff), .invalidValue),
    ])
    func wrongFormsAndValuesAreTypedErrors(_ attribute: DataAttribute, _ code: ModeConfigError.Code) {
        #expect(throws: ModeConfigError(code, attributeType: ModeConfigAttributeType(rawValue: attribute.type), reason: "")) {
            _ = try ModeConfigAttribute(attribute)
        }
    }

    /// draft-dukes §3.4: unknown private attributes are kept, and so is text that is not UTF-8
    /// (a Latin-1 banner), so re-encoding gives the same bytes.
    @Test func unknownTypesAndNonUTF8TextAreKeptAsSent() throws {
        let latin1 = DataAttribute(type: 28672, value: .variable([0x47, 0x72, 0xfc, 0xdf, 0x65]))
        #expect(try ModeConfigAttribute(latin1) == .unknown(latin1))
        let cisco = DataAttribute(type: 28683, value: .variable([1]))
        #expect(try ModeConfigAttribute(cisco) == .unknown(cisco))
        let tv = DataAttribute.basic(0x7d88, 3)
        #expect(try ModeConfigAttribute(tv).dataAttribute == tv)
        #expect(ModeConfigAttribute.unknown(tv).type.rawValue == 0x7d88)
    }

    /// draft-dukes §3.2: an attribute half contained in its payload discards the whole payload;
    /// here it is a WireError from the payload decoder, before any typed view.
    @Test func anAttributeListThatOverrunsItsPayloadIsRefused() {
        // ATTR payload of length 12 whose one attribute declares 4 value bytes but has 0.
        let bytes: [UInt8] = [0, 0, 0, 12, 2, 0, 0, 0, 0x00, 0x01, 0x00, 0x04]
        #expect(throws: WireError(.truncated, field: "", offset: 0, reason: "")) {
            _ = try PayloadChain.decode(bytes[...], first: .attribute)
        }
        // The same attribute complete, but the payload length cuts it: 12 declared, 16 present.
        let cut: [UInt8] = [0, 0, 0, 12, 2, 0, 0, 0, 0x00, 0x01, 0x00, 0x04, 10, 99, 0, 10]
        #expect(throws: WireError(.truncated, field: "", offset: 0, reason: "")) {
            _ = try PayloadChain.decode(cut[...], first: .attribute)
        }
        // A payload length beyond the message.
        let long: [UInt8] = [0, 0, 0, 20, 2, 0, 0, 0, 0x00, 0x01, 0x00, 0x04, 10, 99, 0, 10]
        #expect(throws: WireError(.badLength, field: "", offset: 0, reason: "")) {
            _ = try PayloadChain.decode(long[...], first: .attribute)
        }
    }

    /// Secrets never reach a log line through `description`.
    @Test func descriptionsRedactSecrets() {
        let secrets: [ModeConfigAttribute] = [.xauthUserPassword(Array("alice-pass".utf8)), .xauthPasscode(Array("123456".utf8)),
                                              .xauthNextPIN(Array("9876".utf8)), .xauthAnswer(Array("s3cret".utf8))]
        for s in secrets {
            #expect(!s.description.contains("alice-pass") && !s.description.contains("123456")
                    && !s.description.contains("9876") && !s.description.contains("s3cret"))
        }
        #expect(secrets[0].description == "XAUTH_USER_PASSWORD=<10 bytes>")
        #expect(ModeConfigAttribute.internalIP4Address([10, 99, 0, 10]).description == "INTERNAL_IP4_ADDRESS=10.99.0.10")
        #expect(ModeConfigAttribute.unitySplitInclude([UnitySplitNetwork(address: [198, 19, 100, 0], mask: [255, 255, 255, 0])])
                .description == "UNITY_SPLIT_INCLUDE=198.19.100.0/24")
        #expect(ModeConfigAttribute.empty(.unityBanner).description == "UNITY_BANNER")
    }

    @Test func registryNamesAreStrongSwans() {
        #expect(ModeConfigAttributeType.unitySplitInclude.description == "UNITY_SPLIT_INCLUDE (28676)")
        #expect(ModeConfigAttributeType(rawValue: 0x8000 | 16527) == .xauthStatus)
        #expect(ModeConfigAttributeType.unityLocalLAN.rawValue == 28678 && ModeConfigAttributeType.unityDDNSHostname.rawValue == 28682)
        #expect(ModeConfigMessageType.acknowledge.description == "ISAKMP_CFG_ACK (4)")
        #expect(AttributePayload(configType: 3, identifier: 0, attributes: []).configTypeName == "ISAKMP_CFG_SET")
        #expect(XAUTHStatus.ok.rawValue == 1 && XAUTHType.generic.rawValue == 0)
    }
}
