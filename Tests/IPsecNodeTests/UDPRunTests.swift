#if canImport(Glibc)
import Glibc
#endif
import IKEv1
@testable import IPsecNode
import Testing

/// What a run does when the kernel refuses a UDP_SEGMENT send, with a sender that refuses as
/// Linux's `udp_send_skb` does: EINVAL for a segment larger than the path's MTU allows, EIO
/// for a device without UDP GSO, ENOBUFS for a full buffer.
struct UDPRunTests {
    /// Records every call; refuses segmented sends as configured.
    final class Recorder: SegmentedSender {
        enum Call: Equatable { case single(Int), segmented(total: Int, size: Int) }
        var calls: [Call] = []
        /// Segmented sends of this size or larger fail with EINVAL.
        var largestSegment = Int.max
        /// Every segmented send fails with this errno (0: none).
        var refuseAll: Int32 = 0

        func send(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) throws(SystemError) {
            calls.append(.single(bytes.count))
        }

        func send(_ bytes: UnsafeRawBufferPointer, segmentSize: Int, to destination: SocketAddress) throws(SystemError) {
            calls.append(.segmented(total: bytes.count, size: segmentSize))
            if refuseAll != 0 { throw SystemError("sendmsg UDP_SEGMENT", refuseAll) }
            if segmentSize >= largestSegment { throw SystemError("sendmsg UDP_SEGMENT", EINVAL) }
        }
    }

    let peer = SocketAddress(address: [192, 0, 2, 1], port: 4500)

    /// Appends `count` packets of `size` bytes, then flushes; returns how many were refused.
    func sendRun(_ run: inout UDPRun<Recorder>, count: Int, size: Int) -> Int {
        let packet = [UInt8](repeating: 0xab, count: size)
        var refused = 0
        for _ in 0..<count {
            let joined = packet.withUnsafeBytes { run.append($0, to: peer) }
            if !joined { refused += 1 }
        }
        run.flush()
        return refused
    }

    @Test func aSegmentTooLargeForThePathStopsBatchingOnlyForThatSizeAndLarger() {
        let sender = Recorder()
        sender.largestSegment = 1400
        var run = UDPRun(socket: sender)
        defer { run.deallocate() }

        #expect(sendRun(&run, count: 3, size: 1400) == 0)
        // Refused as a whole, then sent one by one: nothing is lost.
        #expect(sender.calls == [.segmented(total: 4200, size: 1400), .single(1400), .single(1400), .single(1400)])
        #expect(run.refusedSegmentSize == 1400)

        sender.calls = []
        #expect(sendRun(&run, count: 3, size: 1400) == 3, "the refused size no longer joins a run")
        #expect(sendRun(&run, count: 2, size: 1500) == 2, "nor does a larger one")
        #expect(sender.calls.isEmpty)

        #expect(sendRun(&run, count: 4, size: 1000) == 0)
        #expect(sender.calls == [.segmented(total: 4000, size: 1000)], "a smaller size is still batched")
    }

    @Test func aDeviceWithoutUDPGSOStopsBatchingForEverySize() {
        let sender = Recorder()
        sender.refuseAll = EIO
        var run = UDPRun(socket: sender)
        defer { run.deallocate() }

        #expect(sendRun(&run, count: 2, size: 1000) == 0)
        #expect(sender.calls == [.segmented(total: 2000, size: 1000), .single(1000), .single(1000)])
        sender.calls = []
        #expect(sendRun(&run, count: 2, size: 200) == 2)
        #expect(sender.calls.isEmpty)
    }

    @Test func aFullSendBufferDropsTheRunAndKeepsBatching() {
        let sender = Recorder()
        sender.refuseAll = ENOBUFS
        var run = UDPRun(socket: sender)
        defer { run.deallocate() }

        #expect(sendRun(&run, count: 2, size: 1000) == 0)
        #expect(sender.calls == [.segmented(total: 2000, size: 1000)], "dropped as single packets would be")
        sender.refuseAll = 0
        sender.calls = []
        #expect(sendRun(&run, count: 3, size: 1000) == 0)
        #expect(sender.calls == [.segmented(total: 3000, size: 1000)])
    }

    @Test func aShortLastPacketEndsTheRunAndAnotherPeerStartsANewOne() {
        let sender = Recorder()
        var run = UDPRun(socket: sender)
        defer { run.deallocate() }
        let other = SocketAddress(address: [192, 0, 2, 2], port: 4500)
        let full = [UInt8](repeating: 1, count: 1000), short = [UInt8](repeating: 2, count: 300)

        for bytes in [full, full, short] { #expect(bytes.withUnsafeBytes { run.append($0, to: peer) }) }
        #expect(full.withUnsafeBytes { run.append($0, to: peer) })
        #expect(full.withUnsafeBytes { run.append($0, to: other) })
        run.flush()
        #expect(sender.calls == [.segmented(total: 2300, size: 1000), .single(1000), .single(1000)])
    }
}
