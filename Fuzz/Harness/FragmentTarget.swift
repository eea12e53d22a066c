import IKEv1
import ISAKMPWire

/// IKEv1 fragment reassembly (``IKEFragmentReassembler``) fed a sequence of datagrams from four
/// peers over time, under small limits so that eviction and timeouts happen. The input is a
/// list of records, each one control byte and then:
///
/// - control bit 7 clear, a raw datagram: a 2-byte big-endian length and that many bytes;
/// - bit 7 set, a fragment message built here: cookie (low 2 bits pick one of 4), fragment ID,
///   number (0 becomes 1), flags, data length, then the data; with bit 6 the data is preceded
///   by a 28-byte ISAKMP header with the same cookies (so that fragment 1 can start a message).
///
/// Control bits 0-1 pick the peer, bits 2-4 advance the clock by that many seconds first.
/// Invariants: the bytes held never exceed either cap; a complete message is no larger than
/// the limit and carries its fragments' cookies, and the fragmenter's fragments of it
/// reassemble to it again; after the timeout nothing is held.
enum FragmentTarget {
    /// Room for one whole message per peer and two in all.
    static let limits: FragmentReassemblyLimits = {
        var limits = FragmentReassemblyLimits(maxMessageSize: 2000, maxFragments: 16, timeout: 5)
        limits.bytesPerPeer = limits.largestMessageCharge
        limits.totalBytes = 2 * limits.largestMessageCharge
        return limits
    }()
    static let peers = (1...4).map { SocketAddress(address: [192, 0, 2, UInt8($0)], port: 500) }

    static func header(_ cookie: UInt8) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: Cookie(0x0101_0101_0101_0100 | UInt64(cookie & 3)),
                     responderCookie: Cookie(0x0202_0202_0202_0202), exchangeType: .mainMode)
    }

    static func run(_ input: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        _ = try replay(input)
        return .accepted
    }

    /// Runs the input's records and checks the invariants; returns what the reassembler counted.
    static func replay(_ input: [UInt8]) throws(FuzzViolation) -> FragmentCounters {
        var r: IKEFragmentReassembler
        do { r = try IKEFragmentReassembler(limits: limits) } catch { throw FuzzViolation("the target's limits are refused: \(error)") }
        var now = EngineTime(milliseconds: 0)
        var rest = input[...]
        while let control = rest.popFirst() {
            now = now.adding(seconds: Double(control >> 2 & 7))
            let peer = peers[Int(control & 3)]
            let datagram: [UInt8]
            if control & 0x80 == 0 {
                guard rest.count >= 2 else { break }
                let length = Int(rest.removeFirst()) << 8 | Int(rest.removeFirst())
                datagram = Array(rest.prefix(length))
                rest = rest.dropFirst(length)
            } else {
                guard rest.count >= 5 else { break }
                let field = Array(rest.prefix(5))
                rest = rest.dropFirst(5)
                var data = control & 0x40 == 0 ? [] : header(field[0]).bytes
                data += rest.prefix(Int(field[4]))
                rest = rest.dropFirst(Int(field[4]))
                let fragment = FragmentPayload(fragmentID: UInt16(field[1]), number: Swift.max(1, field[2]),
                                               flags: FragmentPayload.Flags(rawValue: field[3]), data: data)
                datagram = FragmentMessage(header: header(field[0]), fragment: fragment).encode()
            }
            let outcome = r.receive(datagram, from: peer, now: now)
            try FuzzViolation.check(r.storedBytes <= limits.totalBytes, "\(r.storedBytes) bytes held, cap \(limits.totalBytes)")
            try FuzzViolation.check(r.storedBytes(from: peer.address) <= limits.bytesPerPeer,
                                    "\(r.storedBytes(from: peer.address)) bytes held for \(peer), cap \(limits.bytesPerPeer)")
            try FuzzViolation.check((r.partialMessages == 0) == (r.storedBytes == 0), "bytes held without a partial message")
            if case .complete(let message) = outcome { try checkComplete(message, from: datagram) }
        }
        r.expire(now: now.adding(seconds: limits.timeout))
        try FuzzViolation.check(r.partialMessages == 0 && r.storedBytes == 0 && r.nextExpiry == nil,
                                "\(r.partialMessages) partial messages (\(r.storedBytes) bytes) outlived the timeout")
        return r.counters
    }

    /// A complete message: within the size limit, with its last fragment's cookies, and the
    /// fragmenter's fragments of it put together again give it back.
    static func checkComplete(_ message: [UInt8], from last: [UInt8]) throws(FuzzViolation) {
        try FuzzViolation.check(message.count <= limits.maxMessageSize, "a \(message.count)-byte message completed")
        guard let header = try? ISAKMPHeader.decode(message[...]), let fragmentHeader = try? ISAKMPHeader.decode(last[...]),
              header.initiatorCookie == fragmentHeader.initiatorCookie, header.responderCookie == fragmentHeader.responderCookie else {
            throw FuzzViolation("a complete message without its fragments' cookies")
        }
        let datagrams: [[UInt8]]
        do {
            datagrams = try IKEFragmenter.datagrams(for: message, phase1Exchange: .mainMode, maxDatagramSize: 200, nonESPMarker: false)
        } catch {
            throw FuzzViolation("the fragmenter refused a \(message.count)-byte message: \(error)")
        }
        guard var again = try? IKEFragmentReassembler(limits: limits) else { throw FuzzViolation("limits refused") }
        var outcome = IKEFragmentReassembler.Outcome.incomplete
        for d in datagrams { outcome = again.receive(d, from: peers[0], now: EngineTime(milliseconds: 0)) }
        try FuzzViolation.check(datagrams.count == 1 || outcome == .complete(message),
                                "the fragmenter's \(datagrams.count) fragments reassembled to \(outcome)")
    }
}
