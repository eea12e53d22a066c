import Foundation
import PacketCapture
import Testing
import TestSupport

/// Every capture copied from `shared/fixtures` (provenance in `Fixtures/README.md`)
/// must read and decode to exactly the per-frame facts tshark 4.0.17 reported.
@Suite struct FixtureCaptureTests {
    @Test("every frame of the capture matches tshark", arguments: try nonEmpty(Fixtures.expectationNames()))
    func framesMatchTshark(expectationName: String) throws {
        let expected = try Fixtures.expectation(named: expectationName)
        let results = try readAllFrames(try Fixtures.capture(expected.capture))
        #expect(results.count == expected.frame_count, "frame count of \(expected.capture)")
        for (result, facts) in zip(results, expected.frames) {
            let frame = try result.get()
            #expect(frame.index == facts.frame)
            let packet = PacketDecoder.decode(frame)
            let where_ = "\(expected.capture) frame \(facts.frame)"
            guard let src = facts.src else {
                #expect(packet.ip == nil, "\(where_): tshark saw no IP")
                continue
            }
            guard let ip = packet.ip else {
                Issue.record("\(where_): no IP header decoded (\(packet.error?.description ?? "no error"))")
                continue
            }
            #expect(ip.source.description == src, "\(where_)")
            #expect(ip.destination.description == facts.dst, "\(where_)")
            #expect(Int(ip.protocolNumber) == facts.proto, "\(where_)")
            if let mf = facts.mf {
                #expect(ip.fragment?.moreFragments == mf, "\(where_)")
                #expect(ip.fragment?.offset == facts.frag_offset.map { $0 * 8 }, "\(where_)")
                #expect(ip.fragment.map { Int($0.identification) } == facts.ip_id, "\(where_)")
                #expect(packet.transport == nil, "\(where_): a fragment has no transport decode")
            } else if let sport = facts.sport {
                guard case .udp(let source, let destination, _) = packet.transport else {
                    Issue.record("\(where_): expected UDP, got \(String(describing: packet.transport)) \(packet.error?.description ?? "")")
                    continue
                }
                #expect(Int(source) == sport && Int(destination) == facts.dport, "\(where_)")
            } else if facts.proto == 50 || facts.proto == 51 {
                let isIPsec = switch packet.transport {
                case .esp: facts.proto == 50
                case .ah: facts.proto == 51
                default: false
                }
                #expect(isIPsec, "\(where_): \(String(describing: packet.transport))")
            }
        }
    }

    @Test("the expectations cover every capture copied into Fixtures/captures")
    func everyCaptureHasExpectations() throws {
        let captures = try [".pcap", ".pcapng", ".cap"].flatMap { try Fixtures.files(under: "captures", endingIn: $0) }
        let expectations = Set(try Fixtures.expectationNames())
        for path in captures {
            #expect(expectations.contains(path.replacingOccurrences(of: "/", with: "_") + ".json"), "\(path)")
        }
        #expect(captures.count >= 50)
    }
}
