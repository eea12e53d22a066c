import Foundation
import ISAKMPWire
import Testing

/// Every ISAKMP frame of every fixture capture, decoded by us and compared with
/// tshark 4.0.17's dissection of the same frame (Fixtures/tshark, see its NOTES.md).
struct TsharkAgreementTests {
    static let frames: [TsharkISAKMPFrame] = (try? CaptureFixtures.isakmpFrames()) ?? []

    /// Frames tshark reads without complaint that we refuse, and why.
    static let refusedByUs = [
        "public/tcpdump/isakmp-no-none-np.pcapng#1":
            "the last payload's Next Payload is not NONE, so the chain points past the end of the message",
    ]

    /// Frames tshark dissected cleanly as IKEv1 and that were not cut by IP fragmentation.
    static var wellFormedIKEv1: [TsharkISAKMPFrame] {
        frames.filter {
            Self.refusedByUs["\($0.capture)#\($0.frame)"] == nil
                && ($0.expected["version"] as? Int) == 0x10 && ($0.expected["malformed"] as? Bool) != true
                && ($0.expected["truncated"] as? Bool) != true
                && (($0.expected["ip_fragments"] as? [Int]) ?? []).isEmpty
        }
    }

    @Test func fixturesAreThere() {
        // 190 IKEv1 layers in the set; a few are malformed on purpose.
        #expect(Self.frames.count >= 220)
        #expect(Self.wellFormedIKEv1.count >= 180)
    }

    @Test func chainRunningPastTheMessageIsRefused() throws {
        let f = try #require(Self.frames.first { $0.capture == "public/tcpdump/isakmp-no-none-np.pcapng" })
        #expect(throws: WireError(.truncated, field: "", offset: 0, reason: "")) { try ISAKMPMessage.decode(f.isakmp) }
    }

    @Test func ikev2FramesAreAVersionError() {
        let v2 = Self.frames.filter { ($0.expected["version"] as? Int).map { $0 >> 4 == 2 } ?? false }
        #expect(v2.count >= 30)
        for f in v2 {
            #expect(throws: WireError(.unsupportedVersion, field: "", offset: 0, reason: "")) {
                try ISAKMPMessage.decode(f.isakmp)
            }
        }
    }

    @Test func wellFormedFramesDecodeAndReencodeByteForByte() {
        for f in Self.wellFormedIKEv1 {
            do {
                let m = try ISAKMPMessage.decode(f.isakmp)
                #expect(m.encode() == Array(f.isakmp), "\(f.capture) frame \(f.frame)")
            } catch {
                Issue.record("\(f.capture) frame \(f.frame): \(error)")
            }
        }
    }

    @Test func headerFieldsAgreeWithTshark() throws {
        for f in Self.wellFormedIKEv1 {
            let m = try ISAKMPMessage.decode(f.isakmp)
            let e = f.expected
            let at = "\(f.capture) frame \(f.frame)"
            #expect(m.header.initiatorCookie.description == e["ispi"] as? String, "\(at)")
            #expect(m.header.responderCookie.description == e["rspi"] as? String, "\(at)")
            #expect(Int(m.header.nextPayload.rawValue) == e["nextpayload"] as? Int, "\(at)")
            #expect(Int(m.header.version) == e["version"] as? Int, "\(at)")
            #expect(Int(m.header.exchangeType.rawValue) == e["exchtype"] as? Int, "\(at)")
            #expect(Int(m.header.flags.rawValue) == e["flags"] as? Int, "\(at)")
            #expect(m.header.messageID == UInt32(e["messageid"] as! String, radix: 16), "\(at)")
            #expect(Int(m.header.length) == e["length"] as? Int, "\(at)")
            #expect((m.payloads == nil) == (e["encrypted_data"] as? Bool ?? false), "\(at)")
        }
    }

    @Test func payloadChainsAgreeWithTshark() throws {
        var compared = 0
        for f in Self.wellFormedIKEv1 {
            guard let payloads = try ISAKMPMessage.decode(f.isakmp).payloads else { continue }
            let at = "\(f.capture) frame \(f.frame)"
            let types = payloads.map { Int($0.type.rawValue) }
            let lengths = payloads.map { 4 + $0.body.count }
            let expectedTypes = f.expected["payload_types"] as! [Int]
            // tshark stops early on payload 15 (it reads the draft NAT-D number as GDOI's SA KEK): compare up to it.
            let n = expectedTypes.firstIndex(of: 15).map { $0 + 1 } ?? expectedTypes.count
            #expect(Array(types.prefix(n)) == Array(expectedTypes.prefix(n)), "\(at)")
            #expect(Array(lengths.prefix(n)) == Array((f.expected["payload_lengths"] as! [Int]).prefix(n)), "\(at)")
            for (ours, theirs) in zip(payloads, f.expected["payloads"] as! [[String: Any]]).prefix(n) {
                PayloadAgreement.check(ours, theirs, at: at)
            }
            compared += 1
        }
        #expect(compared >= 60) // the rest are encrypted: their chains are checked after decryption
    }
}

/// Field-by-field comparison of one payload with tshark's reduced dissection.
enum PayloadAgreement {
    static func check(_ p: Payload, _ e: [String: Any], at: String) {
        switch p {
        case .securityAssociation(let sa):
            #expect(Int(sa.doi.rawValue) == e["doi"] as? Int, "\(at) SA doi")
            let proposals = e["proposals"] as? [[String: Any]] ?? []
            #expect(sa.proposals.count == proposals.count, "\(at) SA proposals")
            for (op, tp) in zip(sa.proposals, proposals) {
                #expect(Int(op.number) == tp["number"] as? Int, "\(at) proposal number")
                #expect(Int(op.protocolID.rawValue) == tp["protoid"] as? Int, "\(at) protocol")
                #expect(op.spi.isEmpty ? tp["spi"] is NSNull || tp["spi"] == nil : op.spi.hexString == tp["spi"] as? String,
                        "\(at) SPI")
                let transforms = tp["transforms"] as? [[String: Any]] ?? []
                #expect(op.transforms.count == transforms.count, "\(at) transforms")
                for (ot, tt) in zip(op.transforms, transforms) {
                    #expect(Int(ot.transformID.rawValue) == tt["id"] as? Int, "\(at) transform id")
                    let attrs = tt["attributes"] as? [[String: Any]] ?? []
                    #expect(ot.attributes.count == attrs.count, "\(at) attributes")
                    for (oa, ta) in zip(ot.attributes, attrs) {
                        #expect(Int(oa.type) == ta["type"] as? Int, "\(at) attribute type")
                        #expect(oa.isBasic == ((ta["format"] as? Int) == 1), "\(at) attribute form")
                        let value: [UInt8] = switch oa.value {
                        case .basic(let v): [UInt8(v >> 8), UInt8(v & 0xff)]
                        case .variable(let b): b
                        }
                        #expect(value.hexString == ta["value"] as? String, "\(at) attribute value")
                    }
                }
            }
        case .keyExchange(let ke): #expect(ke.data.count == e["ke_len"] as? Int, "\(at) KE")
        case .nonce(let n): #expect(n.data.count == e["nonce_len"] as? Int, "\(at) NONCE")
        case .hash(let h): #expect(h.data.hexString == e["hash"] as? String, "\(at) HASH")
        case .vendorID(let v): #expect(v.data.hexString == e["vid"] as? String, "\(at) VID")
        case .natDiscovery(let n): #expect(n.hash.hexString == e["nat_hash"] as? String, "\(at) NAT-D")
        case .identification(let id):
            #expect(Int(id.idType.rawValue) == e["id_type"] as? Int, "\(at) ID type")
            #expect(Int(id.protocolID) == e["id_protoid"] as? Int, "\(at) ID protocol")
            #expect(Int(id.port) == e["id_port"] as? Int, "\(at) ID port")
        case .notification(let n):
            #expect(Int(n.notifyType.rawValue) == e["notify_type"] as? Int, "\(at) notify type")
            #expect(Int(n.protocolID.rawValue) == e["protoid"] as? Int, "\(at) notify protocol")
        case .delete(let d):
            #expect(Int(d.protocolID.rawValue) == e["protoid"] as? Int, "\(at) delete protocol")
            #expect(d.spis.map(\.hexString) == e["spis"] as? [String], "\(at) delete SPIs")
        case .certificate(let c): #expect(Int(c.encoding.rawValue) == e["cert_encoding"] as? Int, "\(at) CERT")
        case .signature(let s): #expect(s.data.count == e["sig_len"] as? Int, "\(at) SIG")
        case .fragment(let f):
            #expect(Int(f.fragmentID) == e["frag_id"] as? Int, "\(at) FRAG id")
            #expect(Int(f.number) == e["frag_seq"] as? Int, "\(at) FRAG number")
            #expect((f.isLast ? 1 : 0) == e["frag_last"] as? Int, "\(at) FRAG last")
        default: break
        }
    }
}
