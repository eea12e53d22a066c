import Foundation
import IKEv1
@testable import IPsecNode
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Raw IP packets sent in runs (sendmmsg) and received in batches (recvmmsg) over loopback, with
/// IP protocol 253 (RFC 3692, for experiments) so that no node's ESP socket sees them.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: raw IP sockets"))
struct RawBatchTests {
    static let experimental: UInt8 = 253

    /// Packets of distinct lengths and contents: byte k of packet i is (i * 7 + k) & 0xff.
    static func packets(_ lengths: [Int]) -> [[UInt8]] {
        lengths.enumerated().map { i, n in (0..<n).map { UInt8(truncatingIfNeeded: i * 7 + $0) } }
    }

    /// Everything `socket` receives within 5 s until `count` packets came: each packet's bytes
    /// (from its range) and sender.
    static func receive(_ count: Int, on socket: RawIPSocket, batch: DatagramBatch) throws -> [(bytes: [UInt8], from: [UInt8])] {
        var out: [(bytes: [UInt8], from: [UInt8])] = []
        let deadline = Date().addingTimeInterval(5)
        while out.count < count, Date() < deadline {
            let n = try socket.receive(batch)
            if n == 0 { usleep(1_000); continue }
            for i in 0..<n {
                switch socket.received(i, in: batch) {
                case .packet(let r, let from)?: out.append((Array(batch.slot(i)[r]), from))
                case .malformed(let from)?: out.append(([], from))
                case nil: Issue.record("no sender for slot \(i)")
                }
            }
        }
        return out
    }

    @Test("A run leaves in order and a batch takes it in whole, behind the headroom",
          arguments: [[UInt8]([127, 0, 0, 1]), [UInt8](repeating: 0, count: 15) + [1]])
    func aRunArrivesInOrder(address: [UInt8]) throws {
        let sender = try RawIPSocket(ipProtocol: Self.experimental, bindTo: address)
        let receiver = try RawIPSocket(ipProtocol: Self.experimental, bindTo: address)
        let sent = Self.packets([1, 60, 1400, 1400, 9000, RawRun.largestPacket, 333])
        var run = RawRun()
        for p in sent {
            #expect(p.withUnsafeBytes { run.append($0, to: SocketAddress(address: address, port: 0), via: sender) })
        }
        run.flush()
        let batch = DatagramBatch(capacity: 4, datagramSize: 65_536, headroom: 128)
        let got = try Self.receive(sent.count, on: receiver, batch: batch)
        #expect(got.map(\.bytes) == sent)
        #expect(got.allSatisfy { $0.from == address })
    }

    @Test("A run sends itself when full, takes no packet larger than a slot, and flushes when the socket changes")
    func aRunKeepsItsLimits() throws {
        let address: [UInt8] = [127, 0, 0, 1]
        let sender = try RawIPSocket(ipProtocol: Self.experimental, bindTo: address)
        let other = try RawIPSocket(ipProtocol: Self.experimental, bindTo: address)
        let receiver = try RawIPSocket(ipProtocol: Self.experimental, bindTo: address)
        let peer = SocketAddress(address: address, port: 0)
        var run = RawRun()
        let tooLarge = [UInt8](repeating: 1, count: RawRun.largestPacket + 1)
        #expect(!tooLarge.withUnsafeBytes { run.append($0, to: peer, via: sender) })
        // One more than a run holds: the first RawRun.capacity leave when the last is appended.
        let sent = Self.packets(Array(repeating: 100, count: RawRun.capacity + 1))
        for p in sent { _ = p.withUnsafeBytes { run.append($0, to: peer, via: sender) } }
        let batch = DatagramBatch(capacity: 32, datagramSize: 2048, headroom: 16)
        #expect(try Self.receive(RawRun.capacity, on: receiver, batch: batch).map(\.bytes) == Array(sent.prefix(RawRun.capacity)))
        // A packet for another socket sends the held one first: order is kept.
        let last = Self.packets([10])[0]
        #expect(last.withUnsafeBytes { run.append($0, to: peer, via: other) })
        run.flush()
        #expect(try Self.receive(2, on: receiver, batch: batch).map(\.bytes) == [sent.last!, last])
    }

    @Test("A packet longer than its slot is reported malformed, and the rest of the batch still arrives")
    func aTruncatedPacketIsMalformed() throws {
        let address: [UInt8] = [127, 0, 0, 1]
        let sender = try RawIPSocket(ipProtocol: Self.experimental, bindTo: address)
        let receiver = try RawIPSocket(ipProtocol: Self.experimental, bindTo: address)
        let sent = Self.packets([40, 200, 40])
        for p in sent { try p.withUnsafeBytes { try sender.send($0, to: address) } }
        // 64 bytes hold an IPv4 header and 40 bytes, not 200.
        let batch = DatagramBatch(capacity: 8, datagramSize: 64)
        let got = try Self.receive(3, on: receiver, batch: batch)
        #expect(got.map(\.bytes) == [sent[0], [], sent[2]])
    }
}
