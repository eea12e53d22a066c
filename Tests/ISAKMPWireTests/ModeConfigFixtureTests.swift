import Foundation
import ISAKMPWire
import Testing
import TestSupport

/// Decrypted Transaction messages of real peers, decoded field by field: vpnc 0.5.3 and
/// charon 5.9.8 (as gateway and as XAUTH client) in the remote-access lab. The plaintext
/// comes from charon's `enc = 4` log (Fixtures/remote-access/README.md says how it was made).
struct ModeConfigFixtureTests {
    struct Message {
        var name: String
        var sender: String
        /// The payload chain after the ISAKMP header: HASH, ATTR, then any CBC padding.
        var plaintext: [UInt8]
    }

    static func messages(_ file: String) throws -> [String: Message] {
        let text = try String(contentsOf: Fixtures.url("remote-access/\(file)"), encoding: .utf8)
        var out: [String: Message] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ")
            let m = Message(name: String(f[0]), sender: String(f[1]), plaintext: try #require([UInt8](hexString: f[2])))
            out[m.name] = m
        }
        return out
    }

    /// HASH(20 bytes, SHA-1 here) and the Attribute payload; the chain re-encodes to the same bytes.
    static func attributePayload(_ m: Message) throws -> (payload: AttributePayload, attributes: [ModeConfigAttribute], padding: [UInt8]) {
        let (payloads, trailing) = try PayloadChain.decode(m.plaintext[...], first: .hash)
        #expect(payloads.count == 2, "\(m.name)")
        let hash: HashPayload? = if case .hash(let h) = payloads.first { h } else { nil }
        let found: AttributePayload? = if case .attribute(let a) = payloads.last { a } else { nil }
        #expect(try #require(hash, "\(m.name): no HASH first").data.count == 20, "\(m.name)")
        let attr = try #require(found, "\(m.name): no ATTR last")
        #expect(trailing.allSatisfy { $0 == 0 }, "\(m.name) padding")
        #expect(PayloadChain.encode(payloads) + trailing == m.plaintext, "\(m.name) re-encodes")
        let typed = try attr.modeConfigAttributes()
        #expect(typed.map(\.dataAttribute) == attr.attributes, "\(m.name) typed view re-encodes")
        return (attr, typed, trailing)
    }

    static func ip(_ text: String) -> [UInt8] { IPAddressText.parse(text) ?? [] }

    @Test func fixtureFilesHoldEveryExchange() throws {
        #expect(try Self.messages("vpnc-charon-pull.txt").count == 6)
        #expect(try Self.messages("vpnc-charon-rich.txt").count == 6)
        #expect(try Self.messages("vpnc-charon-wrong-password.txt").count == 4)
        #expect(try Self.messages("charon-charon-push.txt").count == 6)
    }

    /// draft-beaulieu §5.1: REQUEST(NAME="" PASSWORD="") → REPLY → SET(STATUS=OK) → ACK(STATUS).
    @Test func xauthWithVpnc() throws {
        let m = try Self.messages("vpnc-charon-pull.txt")
        let request = try Self.attributePayload(try #require(m["xauth-request"]))
        #expect(request.payload.messageType == .request && request.payload.identifier == 0)
        #expect(request.attributes == [.empty(.xauthUserName), .empty(.xauthUserPassword)])
        #expect(request.padding.isEmpty)   // charon logs its own plaintext before padding

        let reply = try Self.attributePayload(try #require(m["xauth-reply"]))
        #expect(reply.payload.messageType == .reply && reply.payload.identifier == 0)
        #expect(reply.attributes == [.xauthUserName("alice"), .xauthUserPassword(Array("alice-pass".utf8))])
        #expect(reply.padding.count == 9)   // vpnc pads 55 bytes to 64 for AES

        let set = try Self.attributePayload(try #require(m["xauth-set"]))
        #expect(set.payload.messageType == .set && set.attributes == [.xauthStatus(.ok)])
        #expect(set.payload.attributes == [.basic(16527, 1)])

        // vpnc acknowledges with the status echoed in TV form.
        let ack = try Self.attributePayload(try #require(m["xauth-ack"]))
        #expect(ack.payload.messageType == .acknowledge && ack.attributes == [.xauthStatus(.ok)])
    }

    @Test func xauthFailureWithVpnc() throws {
        let m = try Self.messages("vpnc-charon-wrong-password.txt")
        #expect(try Self.attributePayload(try #require(m["xauth-reply"])).attributes
                == [.xauthUserName("alice"), .xauthUserPassword(Array("wrong-pass".utf8))])
        #expect(try Self.attributePayload(try #require(m["xauth-set"])).attributes == [.xauthStatus(.fail)])
        #expect(try Self.attributePayload(try #require(m["xauth-ack"])).attributes == [.xauthStatus(.fail)])
    }

    /// vpnc's pull request: everything it wants as empty attributes, plus FW_TYPE, its host
    /// name and its version filled in, with identifier 20 (the README's "id 0x0014").
    @Test func vpncModeConfigRequest() throws {
        let request = try Self.attributePayload(try #require(try Self.messages("vpnc-charon-pull.txt")["modecfg-request"]))
        #expect(request.payload.messageType == .request && request.payload.identifier == 20)
        #expect(request.attributes == [
            .empty(.internalIP4Address), .empty(.internalIP4Netmask), .empty(.internalIP4DNS), .empty(.internalIP4NBNS),
            .empty(.unityDefaultDomain), .unityFirewallType([0x80, 0x01, 0x00, 0x01, 0x80, 0x02, 0x00, 0x01, 0x80, 0x03, 0x00, 0x02]),
            .empty(.unityPFS), .empty(.unityBanner), .empty(.unitySavePassword), .empty(.unitySplitInclude),
            .empty(.unitySplitDNS), .unityDDNSHostname("vm"),
            .applicationVersion("Cisco Systems VPN Client 0.5.3+git20220927-1:Linux"),
        ])
        #expect(request.padding.count == 12)
    }

    /// charon's reply with the kit's pool: address, split include from local_ts, DNS, NBNS,
    /// banner, domain and split DNS; no netmask.
    @Test func charonModeConfigReply() throws {
        let reply = try Self.attributePayload(try #require(try Self.messages("vpnc-charon-pull.txt")["modecfg-reply"]))
        #expect(reply.payload.messageType == .reply && reply.payload.identifier == 20)
        #expect(reply.attributes == [
            .internalIP4Address(Self.ip("10.99.0.10")),
            .unitySplitInclude([UnitySplitNetwork(address: Self.ip("198.19.100.0"), mask: Self.ip("255.255.255.0"))]),
            .internalIP4DNS(Self.ip("198.19.100.53")), .internalIP4NBNS(Self.ip("198.19.100.54")),
            .unityBanner("Welcome to the ra lab gateway"), .unityDefaultDomain("ra.test"), .unitySplitDNS(["ra.test"]),
        ])
    }

    /// The rich pool: a netmask, two DNS servers, a banner split at its comma into two
    /// attributes, and two split-include entries in one attribute.
    @Test func charonRichModeConfigReply() throws {
        let reply = try Self.attributePayload(try #require(try Self.messages("vpnc-charon-rich.txt")["modecfg-reply"]))
        #expect(reply.attributes == [
            .internalIP4Address(Self.ip("10.99.0.10")),
            .unitySplitInclude([UnitySplitNetwork(address: Self.ip("198.19.100.0"), mask: Self.ip("255.255.255.0")),
                                UnitySplitNetwork(address: Self.ip("198.18.7.0"), mask: Self.ip("255.255.255.128"))]),
            .internalIP4DNS(Self.ip("198.19.100.53")), .internalIP4DNS(Self.ip("198.19.100.55")),
            .internalIP4NBNS(Self.ip("198.19.100.54")), .internalIP4Netmask(Self.ip("255.255.255.0")),
            .unityBanner("Welcome to the ra lab gateway"), .unityBanner("second banner line"),
            .unityDefaultDomain("ra.test"), .unitySplitDNS(["ra.test"]),
        ])
        guard case .unitySplitInclude(let nets) = reply.attributes[1] else { Issue.record("no split include"); return }
        #expect(nets.map(\.prefixLength) == [24, 25])
        #expect(reply.payload.attributes[1] == DataAttribute(type: 28676, value: .variable(
            [198, 19, 100, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 198, 18, 7, 0, 255, 255, 255, 128, 0, 0, 0, 0, 0, 0])))
    }

    /// Push: charon's SET carries the reply's attributes; charon as client acknowledges the
    /// address with an empty attribute, and XAUTH_STATUS with an empty TLV (vpnc echoes TV).
    @Test func charonPushAndCharonClientAcks() throws {
        let m = try Self.messages("charon-charon-push.txt")
        let set = try Self.attributePayload(try #require(m["modecfg-set"]))
        #expect(set.payload.messageType == .set && set.payload.identifier == 0)
        #expect(set.attributes.first == .internalIP4Address(Self.ip("10.99.0.10")) && set.attributes.count == 7)
        let ack = try Self.attributePayload(try #require(m["modecfg-ack"]))
        #expect(ack.payload.messageType == .acknowledge && ack.attributes == [.empty(.internalIP4Address)])
        let xauthAck = try Self.attributePayload(try #require(m["xauth-ack"]))
        #expect(xauthAck.attributes == [.empty(.xauthStatus)])
        #expect(xauthAck.payload.attributes == [DataAttribute(type: 16527, value: .variable([]))])
    }

    /// Every fixture message: one byte less at the end of the Attribute payload's last
    /// attribute (length field kept) is refused by the payload decoder, never trapped.
    @Test func everyFixtureCutShortIsRefused() throws {
        for file in ["vpnc-charon-pull.txt", "vpnc-charon-rich.txt", "vpnc-charon-wrong-password.txt", "charon-charon-push.txt"] {
            for m in try Self.messages(file).values {
                let hashLength = Int(m.plaintext[2]) << 8 | Int(m.plaintext[3])
                var bytes = Array(m.plaintext[hashLength...])
                let length = Int(bytes[2]) << 8 | Int(bytes[3])
                bytes = Array(bytes[..<length])
                guard length > 8 else { continue }
                // The payload now ends inside its last attribute; the byte cut off trails it.
                bytes[2] = UInt8((length - 1) >> 8)
                bytes[3] = UInt8((length - 1) & 0xff)
                #expect(throws: WireError.self, "\(file) \(m.name)") {
                    _ = try PayloadChain.decode(bytes[...], first: .attribute)
                }
            }
        }
    }
}
