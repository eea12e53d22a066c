import Foundation
import Testing
import ISAKMPWire
@testable import IKEv1Tool
import TestSupport

/// `ikev1 decode` over every fixture capture, checked against tshark 4.0.17's
/// dissection of the same frames (Fixtures/tshark; see Fixtures/README.md).
struct DecodeCommandTests {
    static func run(_ capture: String) throws -> [DecodeRecord] {
        var inspector = CaptureInspector()
        return try inspector.inspect(Fixtures.bytes("captures/" + capture))
    }

    @Test(arguments: try nonEmpty(Fixtures.files(under: "tshark", endingIn: ".json")))
    func packetsAreFoundWhereTsharkFindsThem(file: String) throws {
        let exp = try Fixtures.json("tshark/" + file)
        let capture = exp["capture"] as! String
        let records = try Self.run(capture)
        let byFrame = Dictionary(grouping: records, by: \.frame)

        // ISAKMP: every frame tshark dissected (and did not need IP reassembly for) is reported as ISAKMP.
        for e in exp["isakmp"] as! [[String: Any]] {
            let n = e["frame"] as! Int
            let r = byFrame[n]?.first
            #expect(r?.proto == .isakmp, "\(capture) frame \(n)")
            if let h = r?.isakmp?.header, (e["truncated"] as? Bool) != true {
                #expect(h.initiatorCookie.description == e["ispi"] as? String, "\(capture) frame \(n)")
                #expect(Int(h.exchangeType.rawValue) == e["exchtype"] as? Int ?? Int(h.exchangeType.rawValue),
                        "\(capture) frame \(n)")
            }
            if (e["version"] as? Int) == 0x10, (e["malformed"] as? Bool) != true, (e["truncated"] as? Bool) != true,
               capture != "public/tcpdump/isakmp-no-none-np.pcapng" {
                #expect(r?.error == nil, "\(capture) frame \(n): \(r?.error ?? "")")
            }
        }
        // ESP, in IP or in UDP 4500: same SPI and sequence number.
        for e in exp["esp"] as! [[String: Any]] {
            let n = e["frame"] as! Int
            let r = byFrame[n]?.first { $0.proto == .esp }
            #expect(r?.proto == .esp, "\(capture) frame \(n)")
            if (e["truncated"] as? Bool) != true, let spi = e["spi"] as? String {
                #expect(r?.esp.map { String(format8: $0.spi) } == spi, "\(capture) frame \(n)")
                #expect(r?.esp.map { Int($0.sequence) } == e["seq"] as? Int, "\(capture) frame \(n)")
            }
        }
        // AH: SPI, sequence number and next header.
        for e in exp["ah"] as! [[String: Any]] {
            let n = e["frame"] as! Int
            let r = byFrame[n]?.first { $0.proto == .ah }
            #expect(r != nil, "\(capture) frame \(n)")
            if let spi = e["spi"] as? String, let a = r?.ah {
                #expect("0x" + String(format8: a.spi) == spi || String(format8: a.spi) == spi, "\(capture) frame \(n)")
                #expect(Int(a.sequence) == e["seq"] as? Int, "\(capture) frame \(n)")
                #expect(Int(a.nextHeader) == e["next_header"] as? Int, "\(capture) frame \(n)")
            }
        }
        for n in exp["nat_keepalive"] as! [Int] {
            #expect(byFrame[n]?.first?.proto == .natKeepalive, "\(capture) frame \(n)")
        }
        // Nothing reported that tshark did not see as IPsec (other UDP 500/4500 datagrams get an error record).
        let seen = Set((exp["isakmp"] as! [[String: Any]]).map { $0["frame"] as! Int }
            + (exp["esp"] as! [[String: Any]]).map { $0["frame"] as! Int }
            + (exp["ah"] as! [[String: Any]]).map { $0["frame"] as! Int }
            + (exp["nat_keepalive"] as! [Int])
            + ((exp["other_udp_500_4500"] as? [[String: Any]]) ?? []).map { $0["frame"] as! Int })
        for r in records where !seen.contains(r.frame) {
            Issue.record("\(capture) frame \(r.frame): reported as \(r.proto) but tshark saw no IPsec there")
        }
    }

    @Test(arguments: [
        "public/tcpdump/isakmp-various-oobr.pcap", "public/tcpdump/isakmpv1-attr-oobr.pcap",
        "public/tcpdump/ikev1_id_ipv6_addr_subnet-oobr.pcap", "public/tcpdump/isakmp-ikev1_n_print-oobr.pcap",
        "public/tcpdump/isakmp-delete-segfault.pcap", "public/tcpdump/isakmp-pointer-loop.pcap",
        "public/tcpdump/isakmp-3948-oobr-2.pcap", "public/tcpdump/isakmp-rfc3948-oobr.pcap",
        "public/zeek-spicy-ipsec/traces/ipsec-ikev1-payload-bad-length.pcap",
        "public/zeek-spicy-ipsec/traces/ipsec-ikev1-zero-length.pcap",
    ])
    func malformedCapturesGiveAClearErrorAndDecodingGoesOn(capture: String) throws {
        let records = try Self.run(capture)
        let errors = records.filter { $0.error != nil }
        #expect(!errors.isEmpty, "\(capture): no error reported")
        for r in errors {
            #expect(r.error!.count > 20, "\(capture) frame \(r.frame): \(r.error!)")
        }
    }

    @Test func decodingGoesOnAfterABadPacket() throws {
        // ikev1_n_print-oobr: frames 1 and 3 are broken, frame 2 is not IPsec; both broken frames are reported.
        let records = try Self.run("public/tcpdump/isakmp-ikev1_n_print-oobr.pcap")
        #expect(records.map(\.frame) == [1, 3])
    }

    @Test func jsonLinesCarryTheDesignedKeys() throws {
        for r in try Self.run("strongswan/nat-t-encap/capture.pcap") {
            let line = DecodeOutput.json(r).serialized()
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for key in ["frame", "src", "dst", "proto", "isakmp", "esp", "error"] {
                #expect(o[key] != nil, "missing \(key) in \(line)")
            }
            if r.proto == .isakmp {
                let i = o["isakmp"] as! [String: Any]
                for key in ["icookie", "rcookie", "version", "exchange", "flags", "message_id", "length",
                            "payloads", "encrypted", "decrypted", "hash"] {
                    #expect(i[key] != nil, "missing isakmp.\(key)")
                }
            }
        }
    }

    /// IKEv1 fragments (payload 132, charon with `fragmentation = force`): ID, number and LAST_FRAGMENT
    /// in both formats, as tshark reads them (Fixtures/tshark/fragmentation/charon-force).
    @Test func fragmentsShowTheirIDNumberAndLast() throws {
        let records = try Self.run("fragmentation/charon-force/capture.pcap")
        let json = DecodeOutput.json(records[1]).serialized()
        let payload = try #require(((JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["isakmp"]
            as? [String: Any])?["payloads"] as? [[String: Any]]).first
        #expect(payload?["name"] as? String == "FRAG" && payload?["fragment_id"] as? Int == 1)
        #expect(payload?["number"] as? Int == 2 && payload?["last"] as? Bool == true && payload?["data_length"] as? Int == 44)
        #expect(DecodeOutput.text(records[0], verbose: false).hasSuffix("[FRAG #1 id=1]"))
        // The last fragment's line, then the message it completed.
        let lines = DecodeOutput.text(records[1], verbose: false).split(separator: "\n")
        #expect(lines.first?.hasSuffix("[FRAG #2 last id=1]") == true)
        #expect(lines.dropFirst().first?.hasSuffix("reassembled from frames 1, 2: ISAKMP Identity Protection (Main Mode) "
                                                   + "bfc931406a07f543/0000000000000000 mid=00000000 [SA, VID, VID, VID, VID, VID]") == true,
                "\(lines)")
        #expect(DecodeOutput.text(records[1], verbose: true).contains("fragment_id=1 number=2 last=true data_length=44"))
    }

    @Test func textLinesNameExchangeAndPayloads() throws {
        let records = try Self.run("strongswan/main-mode-psk/capture.pcap")
        let first = DecodeOutput.text(records[0], verbose: false)
        #expect(first.contains("192.0.2.1:500 → 192.0.2.2:500 ISAKMP Identity Protection (Main Mode)"))
        #expect(first.contains("[SA, VID, VID, VID, VID, VID]"))
        let verbose = DecodeOutput.text(records[0], verbose: true)
        #expect(verbose.contains("Encryption-Algorithm"))
    }
}
