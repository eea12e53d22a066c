import IKEv1
import ISAKMPWire
import PacketCapture
import Testing
import TestSupport

/// Two charons with IKEv1 fragmentation forced (Fixtures/captures/fragmentation/charon-force:
/// `fragment_size = 200`; Main Mode 1-4 fragmented in the clear on port 500, Quick Mode 1-2
/// encrypted and fragmented on 4500 behind the non-ESP marker; made by
/// Scripts/make-fragmentation-capture.sh), against tshark 4.0.17's reassembly of the same
/// frames (Fixtures/tshark/fragmentation/charon-force/capture.pcap.json).
struct FragmentationCaptureTests {
    /// One ISAKMP datagram of the capture, non-ESP marker removed.
    struct Datagram {
        var frame: Int
        var bytes: [UInt8]
        var from: SocketAddress
        var nonESPMarker: Bool
    }

    static let folder = "fragmentation/charon-force/"
    static let fragmentSize = 200

    static func datagrams() throws -> [Datagram] {
        var reader = try CaptureReader(bytes: Fixtures.bytes("captures/" + folder + "capture.pcap"))
        var out: [Datagram] = []
        while let frame = try reader.next() {
            let p = PacketDecoder.decode(frame)
            guard let ip = p.ip, case .udp(let sp, let dp, let payload)? = p.transport else { continue }
            let from = SocketAddress(address: ip.source.bytes, port: sp)
            if sp == 4500 || dp == 4500 {
                guard case .ike(let ike) = UDPEncapsulated.classify(payload) else { continue }
                out.append(Datagram(frame: frame.index, bytes: Array(ike), from: from, nonESPMarker: true))
            } else {
                out.append(Datagram(frame: frame.index, bytes: Array(payload), from: from, nonESPMarker: false))
            }
        }
        return out
    }

    /// tshark's reassemblies: at which frame, from which frames, how long, and the message's header and payloads.
    static func tsharkReassemblies() throws -> [Int: [String: Any]] {
        let expectation = try Fixtures.json("tshark/" + folder + "capture.pcap.json")
        var out: [Int: [String: Any]] = [:]
        for frame in expectation["isakmp"] as? [[String: Any]] ?? [] {
            for payload in frame["payloads"] as? [[String: Any]] ?? [] {
                if let r = payload["reassembled"] as? [String: Any] { out[frame["frame"] as! Int] = r }
            }
        }
        return out
    }

    /// What the reassembler makes of the capture: each completed message with the frames it came from.
    static func reassemble() throws -> [(frame: Int, fragments: [Int], message: [UInt8])] {
        var reassembler = try IKEFragmentReassembler()
        var pending: [[UInt8]: [Int]] = [:]
        var out: [(Int, [Int], [UInt8])] = []
        for d in try datagrams() where try ISAKMPHeader.decode(d.bytes[...]).nextPayload == .fragment {
            pending[d.from.address, default: []].append(d.frame)
            switch reassembler.receive(d.bytes, from: d.from, now: EngineTime(milliseconds: Int64(d.frame))) {
            case .complete(let message):
                out.append((d.frame, pending[d.from.address] ?? [], message))
                pending[d.from.address] = nil
            case .incomplete: break
            case .dropped(let reason): Issue.record("frame \(d.frame): \(reason)")
            }
        }
        #expect(reassembler.partialMessages == 0 && reassembler.storedBytes == 0)
        #expect(reassembler.counters.completed == 6 && reassembler.counters.dropped.isEmpty)
        return out
    }

    @Test func fragmentsReassembleWhereAndAsTsharkReassembledThem() throws {
        let ours = try Self.reassemble()
        let tshark = try Self.tsharkReassemblies()
        #expect(ours.map(\.frame) == tshark.keys.sorted())
        #expect(ours.count == 6)
        for (frame, fragments, bytes) in ours {
            let t = try #require(tshark[frame])
            let e = try #require(t["message"] as? [String: Any])
            #expect(fragments == t["fragments"] as? [Int], "frame \(frame)")
            #expect(bytes.count == t["length"] as? Int, "frame \(frame)")
            let m = try ISAKMPMessage.decode(bytes)
            #expect(m.header.initiatorCookie.description == e["ispi"] as? String, "frame \(frame)")
            #expect(m.header.responderCookie.description == e["rspi"] as? String, "frame \(frame)")
            #expect(Int(m.header.exchangeType.rawValue) == e["exchtype"] as? Int, "frame \(frame)")
            #expect(Int(m.header.flags.rawValue) == e["flags"] as? Int, "frame \(frame)")
            #expect(String(m.header.messageID, radix: 16).leftPadded(8) == e["messageid"] as? String, "frame \(frame)")
            #expect(Int(m.header.length) == e["length"] as? Int, "frame \(frame)")
            #expect((m.payloads == nil) == (e["encrypted_data"] as? Bool), "frame \(frame)")
            #expect(m.payloads.map { $0.map { Int($0.type.rawValue) } } ?? [] == e["payload_types"] as? [Int], "frame \(frame)")
            #expect(m.encode() == bytes, "frame \(frame)")
        }
        // Main Mode 1 (SA, 5 VIDs) twice: charon retransmitted it; 3 and 4 (KE, NONCE, NAT-D, NAT-D); Quick Mode 1 and 2 encrypted.
        let exchanges = try ours.map { try ISAKMPHeader.decode($0.message[...]).exchangeType }
        #expect(exchanges == [.mainMode, .mainMode, .mainMode, .mainMode, .quickMode, .quickMode])
    }

    /// Fragmenting each reassembled message as charon was configured (200-byte datagrams, the
    /// marker on 4500) gives the captured fragments byte for byte.
    @Test func theFragmenterMakesCharonsFragmentsOfTheSameMessages() throws {
        let datagrams = try Self.datagrams()
        let byFrame = Dictionary(uniqueKeysWithValues: datagrams.map { ($0.frame, $0) })
        for (frame, fragments, message) in try Self.reassemble() {
            let marker = try #require(byFrame[frame]).nonESPMarker
            let made = try IKEFragmenter.datagrams(for: message, phase1Exchange: .mainMode,
                                                   maxDatagramSize: Self.fragmentSize, nonESPMarker: marker)
            #expect(made == fragments.compactMap { byFrame[$0]?.bytes }, "frame \(frame)")
        }
    }

    /// The unfragmented messages of the capture (Main Mode 2, 5 and 6, Quick Mode 3,
    /// Informationals) fit: the fragmenter leaves them whole.
    @Test func theMessagesCharonSentWholeAreLeftWhole() throws {
        let whole = try Self.datagrams().filter { try ISAKMPHeader.decode($0.bytes[...]).nextPayload != .fragment }
        #expect(whole.count == 6)
        for d in whole {
            let made = try IKEFragmenter.datagrams(for: d.bytes, phase1Exchange: .mainMode,
                                                   maxDatagramSize: Self.fragmentSize, nonESPMarker: d.nonESPMarker)
            #expect(made == [d.bytes], "frame \(d.frame)")
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: Swift.max(0, n - count)) + self }
}
