import Foundation
import Testing
import ISAKMPWire
@testable import IKEv1Tool
import TestSupport

/// `ikev1 decode` puts IKE fragments (payload 132) back together where tshark 4.0.17 does, from
/// the same frames, into the same message (Fixtures/captures/fragmentation/charon-force, two
/// charons with `fragmentation = force` and `fragment_size = 200`; tshark's dissection in
/// Fixtures/tshark/fragmentation/charon-force/capture.pcap.json).
struct DecodeFragmentsTests {
    @Test func fragmentsAreReassembledWhereTsharkReassembledThem() throws {
        let folder = "fragmentation/charon-force/"
        let records = try DecodeCommandTests.run(folder + "capture.pcap")
        let expectation = try Fixtures.json("tshark/" + folder + "capture.pcap.json")
        var tshark: [Int: [String: Any]] = [:]
        for frame in expectation["isakmp"] as? [[String: Any]] ?? [] {
            for payload in frame["payloads"] as? [[String: Any]] ?? [] {
                if let r = payload["reassembled"] as? [String: Any] { tshark[frame["frame"] as! Int] = r }
            }
        }
        try #require(!tshark.isEmpty)
        let ours = Dictionary(uniqueKeysWithValues: records.compactMap { r in r.reassembled.map { (r.frame, $0) } })
        #expect(Set(ours.keys) == Set(tshark.keys))
        for (frame, t) in tshark {
            let r = try #require(ours[frame], "frame \(frame)")
            let message = t["message"] as! [String: Any]
            #expect(r.frames == t["fragments"] as? [Int], "frame \(frame)")
            #expect(Int(r.isakmp.header.length) == t["length"] as? Int, "frame \(frame)")
            #expect(Int(r.isakmp.header.exchangeType.rawValue) == message["exchtype"] as? Int, "frame \(frame)")
            #expect(r.isakmp.header.messageID == UInt32(message["messageid"] as! String, radix: 16), "frame \(frame)")
            if message["encrypted_data"] as? Bool == false {
                #expect(r.isakmp.payloads?.map { Int($0.type.rawValue) } == message["payload_types"] as? [Int], "frame \(frame)")
            }
        }
        // The fragment frames themselves still show their FRAG payload, and the JSON carries the message.
        let json = DecodeOutput.json(try #require(records.first { $0.reassembled != nil }))
        guard case .object(let fields) = json, case .object(let isakmp)? = fields.first(where: { $0.0 == "isakmp" })?.1 else {
            Issue.record("no isakmp object")
            return
        }
        #expect(isakmp.contains { $0.0 == "reassembled" })
    }
}
