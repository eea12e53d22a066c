import IPsecCrypto

/// An outbound AH SA (RFC 4302): inserts an AH header behind the IP header
/// in place, authenticating the whole packet with the mutable fields zeroed.
/// Not for concurrent use.
public final class AHOutboundSA {
    /// The SA as negotiated.
    public let configuration: SecurityAssociation
    private let integrity: Integrity
    var nextSequence: UInt64 = 1
    private var lifetime: LifetimeCounter

    /// Keys the SA; `integrity` is required.
    public init(_ sa: SecurityAssociation) throws(ESPError) {
        precondition(sa.securityProtocol == .ah && sa.direction == .outbound && sa.integrity != nil,
                     "AHOutboundSA needs an outbound AH child SA with integrity")
        configuration = sa
        integrity = try Integrity(sa.integrity, key: sa.integrityKey)
        lifetime = LifetimeCounter(sa.lifetime)
    }

    /// Headroom needed in front of the packet: the AH header (and in tunnel
    /// mode the outer IP header) for an IP header of `version` 4 or 6.
    public func headroom(version: Int, tunnelHeaderLength: Int = 0) -> Int {
        ahLength(alignment: version == 4 ? 4 : 8) + tunnelHeaderLength
    }

    private func ahLength(alignment: Int) -> Int {
        (12 + configuration.icvLength + alignment - 1) / alignment * alignment
    }

    /// Transport mode: `packet` is a whole IPv4/IPv6 packet in `buffer` (IPv6
    /// without extension headers: AH goes right after the base header). Moves
    /// the IP header back into the headroom and inserts AH.
    public func seal(_ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>) throws(ESPError) -> SealResult {
        let layout = try IPHeaderLayout(buffer.constSlice(packet.lowerBound, packet.count))
        let sequence = nextSequence
        let esn = configuration.extendedSequenceNumbers
        if esn ? sequence == 0 : sequence > UInt64(UInt32.max) { throw .sequenceNumberExhausted }
        try lifetime.check(length: packet.count)
        let ahLength = ahLength(alignment: layout.icvAlignment)
        let start = packet.lowerBound - ahLength
        guard start >= 0 else { throw .insufficientRoom }
        let base = buffer.baseAddress!
        let header = base + start
        header.copyMemory(from: base + packet.lowerBound, byteCount: layout.length)
        let originalProtocol = header.load(fromByteOffset: layout.protocolOffset, as: UInt8.self)
        let total = packet.count + ahLength
        layout.rewrite(header, protocol: 51, total: total)

        let ah = header + layout.length
        ah.storeBytes(of: originalProtocol, as: UInt8.self)
        ah.storeBytes(of: UInt8(ahLength / 4 - 2), toByteOffset: 1, as: UInt8.self)
        ah.storeBE16(0, at: 2)
        ah.storeBE32(configuration.spi, at: 4)
        ah.storeBE32(UInt32(truncatingIfNeeded: sequence), at: 8)
        (ah + 12).initializeMemory(as: UInt8.self, repeating: 0, count: ahLength - 12)

        integrity.reset()
        layout.feedZeroingMutable(UnsafeRawPointer(header), integrity)
        integrity.update(UnsafeRawBufferPointer(start: ah, count: total - layout.length))
        if esn {
            var high = UInt32(truncatingIfNeeded: sequence >> 32).bigEndian
            withUnsafeBytes(of: &high) { integrity.update($0) }
        }
        integrity.finalize(into: UnsafeMutableRawBufferPointer(start: ah + 12, count: configuration.icvLength))

        nextSequence = sequence &+ 1
        let crossed = lifetime.count(length: packet.count)
        return SealResult(packet: start..<packet.upperBound, sequenceNumber: sequence, softLifetimeReached: crossed)
    }

    /// Tunnel mode: `inner` is the inner IP packet; `outerHeader` (a 20-byte
    /// IPv4 or 40-byte IPv6 header with the tunnel addresses) is copied in
    /// front, its protocol and lengths set, then AH is inserted as in transport mode.
    public func seal(_ buffer: UnsafeMutableRawBufferPointer, inner: Range<Int>,
                     outerHeader: UnsafeRawBufferPointer) throws(ESPError) -> SealResult {
        let outer = try IPHeaderLayout(outerHeader)
        guard inner.count > 0 else { throw .notAnIPPacket }
        let innerProtocol: UInt8
        switch buffer[inner.lowerBound] >> 4 {
        case 4: innerProtocol = 4
        case 6: innerProtocol = 41
        default: throw .notAnIPPacket
        }
        let start = inner.lowerBound - outer.length
        guard start - ahLength(alignment: outer.icvAlignment) >= 0 else { throw .insufficientRoom }
        let header = buffer.baseAddress! + start
        header.copyMemory(from: outerHeader.baseAddress!, byteCount: outer.length)
        outer.rewrite(header, protocol: innerProtocol, total: inner.upperBound - start)
        return try seal(buffer, packet: start..<inner.upperBound)
    }
}

/// An inbound AH SA: verifies the ICV, anti-replay, then removes AH in place.
public final class AHInboundSA {
    /// The SA as negotiated.
    public let configuration: SecurityAssociation
    private let integrity: Integrity
    let window: ReplayWindow
    private var lifetime: LifetimeCounter

    /// Keys the SA; `integrity` is required.
    public init(_ sa: SecurityAssociation) throws(ESPError) {
        precondition(sa.securityProtocol == .ah && sa.direction == .inbound && sa.integrity != nil,
                     "AHInboundSA needs an inbound AH child SA with integrity")
        configuration = sa
        integrity = try Integrity(sa.integrity, key: sa.integrityKey)
        window = ReplayWindow(size: Swift.max(sa.replayWindow, 64))
        lifetime = LifetimeCounter(sa.lifetime)
    }

    /// Opens the IP packet at `packet` carrying AH. Transport mode: the IP
    /// header moves forward over AH and `payload` is the restored packet;
    /// tunnel mode: `payload` is the inner packet.
    public func open(_ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>) throws(ESPError) -> OpenResult {
        guard packet.lowerBound >= 0, packet.upperBound <= buffer.count else { throw .truncated }
        let bytes = buffer.constSlice(packet.lowerBound, packet.count)
        let layout = try IPHeaderLayout(bytes)
        guard bytes[layout.protocolOffset] == 51 else { throw .malformedHeader }
        guard let ah = AHHeader(UnsafeRawBufferPointer(rebasing: bytes[layout.length...])) else { throw .truncated }
        guard ah.length >= 12 + configuration.icvLength else { throw .truncated }
        guard ah.spi == configuration.spi else { throw .unknownSPI(ah.spi) }
        let esn = configuration.extendedSequenceNumbers
        let sequence = esn ? window.inferESN(low: ah.sequenceNumber) : UInt64(ah.sequenceNumber)
        if configuration.replayWindow > 0 { try window.check(sequence) }
        try lifetime.check(length: packet.count)

        let header = bytes.baseAddress!
        let ahStart = header + layout.length
        integrity.reset()
        layout.feedZeroingMutable(header, integrity)
        integrity.update(UnsafeRawBufferPointer(start: ahStart, count: 12))
        var zeros: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeBytes(of: &zeros) { z in
            var remaining = ah.length - 12
            while remaining > 0 {
                let n = Swift.min(remaining, 64)
                integrity.update(UnsafeRawBufferPointer(rebasing: z[0..<n]))
                remaining -= n
            }
        }
        integrity.update(UnsafeRawBufferPointer(start: ahStart + ah.length, count: packet.count - layout.length - ah.length))
        if esn {
            var high = UInt32(truncatingIfNeeded: sequence >> 32).bigEndian
            withUnsafeBytes(of: &high) { integrity.update($0) }
        }
        var computed: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let match = withUnsafeMutableBytes(of: &computed) { c in
            let out = UnsafeMutableRawBufferPointer(rebasing: c[0..<configuration.icvLength])
            integrity.finalize(into: out)
            return constantTimeEqual(UnsafeRawBufferPointer(out), UnsafeRawBufferPointer(start: ahStart + 12, count: configuration.icvLength))
        }
        guard match else { throw .authenticationFailed }

        window.accept(sequence)
        let payload: Range<Int>
        if configuration.mode == .tunnel {
            payload = (packet.lowerBound + layout.length + ah.length)..<packet.upperBound
        } else {
            let start = packet.lowerBound + ah.length
            let moved = buffer.baseAddress! + start
            moved.copyMemory(from: UnsafeRawPointer(buffer.baseAddress! + packet.lowerBound), byteCount: layout.length)
            layout.rewrite(moved, protocol: ah.nextHeader, total: packet.count - ah.length)
            payload = start..<packet.upperBound
        }
        let crossed = lifetime.count(length: payload.count)
        return OpenResult(payload: payload, nextHeader: ah.nextHeader, sequenceNumber: sequence, softLifetimeReached: crossed)
    }
}
