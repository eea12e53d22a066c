// pcapng (draft-ietf-opsawg-pcapng). Every block has the same frame:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +---------------------------------------------------------------+
//   |                          Block Type                           |
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |
//   +---------------------------------------------------------------+
//   /                          Block Body                           /
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |
//   +---------------------------------------------------------------+
//
// Section Header Block (0x0A0D0D0A) body: byte-order magic 0x1A2B3C4D, version,
// section length, options. Interface Description Block (1): link type (16),
// reserved (16), snaplen (32), options (if_tsresol = 9, if_tsoffset = 14).
// Enhanced Packet Block (6): interface ID, timestamp high, timestamp low,
// captured length, original length, data padded to 32 bits, options.
// Simple Packet Block (3): original length, data. Obsolete Packet Block (2):
// interface ID (16), drops count (16), timestamp high, low, captured length,
// original length, data. Other blocks are skipped by their length.

/// Walks the blocks of a pcapng file, section by section.
struct PcapngParser: Sendable {
    static let sectionHeaderType: UInt32 = 0x0a0d_0d0a
    static let byteOrderMagic: UInt32 = 0x1a2b_3c4d
    static let minimumBlockLength = 12

    /// What an Interface Description Block says about the packets of its interface.
    struct Interface: Sendable {
        var linkType: LinkType
        var snapLength: UInt32
        /// if_tsresol: bit 7 clear = 10^-n seconds, set = 2^-n seconds; default 6 (microseconds).
        var resolution: UInt8 = 6
        /// if_tsoffset: seconds added to every timestamp.
        var offsetSeconds: Int64 = 0
    }

    private let bytes: ArraySlice<UInt8>
    private var position = 0
    private var bigEndian = false
    private var interfaces: [Interface] = []
    private var frameCount = 0
    private var finished = false

    init(bytes: ArraySlice<UInt8>) throws(CaptureError) {
        self.bytes = bytes
        guard bytes.count >= 28 else {
            throw CaptureError(.truncated, layer: .pcapng, offset: 0,
                               reason: "a section header block needs 28 bytes, the file has \(bytes.count)")
        }
        guard bytes.uint32(at: 8) == Self.byteOrderMagic || bytes.uint32(at: 8, bigEndian: false) == Self.byteOrderMagic
        else {
            throw CaptureError(.malformed, layer: .pcapng, offset: 8, reason: "section header without byte-order magic")
        }
    }

    mutating func next() throws(CaptureError) -> CapturedFrame? {
        while !finished, position < bytes.count {
            let blockOffset = position
            let block = try nextBlock()
            let isPacket = block.type == 2 || block.type == 3 || block.type == 6
            if isPacket { frameCount += 1 }
            if block.type == Self.sectionHeaderType { interfaces.removeAll(keepingCapacity: true) }
            guard block.trailerMatches else {
                // The leading length still frames the file: this block fails alone.
                throw CaptureError(.malformed, layer: .pcapng, offset: position - 4, frame: isPacket ? frameCount : nil,
                                   reason: "trailing block total length differs from the leading one")
            }
            if block.type == 1 { try readInterface(block.body, blockOffset: blockOffset) }
            if isPacket { return try readPacket(type: block.type, body: block.body, blockOffset: blockOffset) }
        }
        return nil
    }

    /// Reads the frame of the block at `position` and moves past it; throws, and ends the
    /// reading, when the block's length cannot be trusted.
    private mutating func nextBlock() throws(CaptureError) -> (type: UInt32, body: ArraySlice<UInt8>, trailerMatches: Bool) {
        let offset = position
        guard let type = bytes.uint32(at: offset, bigEndian: bigEndian) else {
            finished = true
            throw CaptureError(.truncated, layer: .pcapng, offset: offset,
                               reason: "block header needs 8 bytes, \(bytes.count - offset) left")
        }
        if type == Self.sectionHeaderType {
            // The byte order of a new section is known only from its own magic.
            if bytes.uint32(at: offset + 8) == Self.byteOrderMagic {
                bigEndian = true
            } else if bytes.uint32(at: offset + 8, bigEndian: false) == Self.byteOrderMagic {
                bigEndian = false
            } else {
                finished = true
                throw CaptureError(.malformed, layer: .pcapng, offset: offset + 8,
                                   reason: "section header without byte-order magic")
            }
        }
        guard let length = bytes.uint32(at: offset + 4, bigEndian: bigEndian) else {
            finished = true
            throw CaptureError(.truncated, layer: .pcapng, offset: offset,
                               reason: "block header needs 8 bytes, \(bytes.count - offset) left")
        }
        guard length >= Self.minimumBlockLength, length % 4 == 0 else {
            finished = true
            throw CaptureError(.malformed, layer: .pcapng, offset: offset + 4,
                               reason: "block total length \(length) is below 12 or not a multiple of 4")
        }
        guard let block = bytes.bytes(at: offset, length: Int(length)) else {
            finished = true
            throw CaptureError(.truncated, layer: .pcapng, offset: offset,
                               reason: "block of \(length) bytes, \(bytes.count - offset) left in the file")
        }
        position = offset + Int(length)
        let trailerMatches = block.uint32(at: Int(length) - 4, bigEndian: bigEndian) == length
        return (type, block.bytes(at: 8, length: Int(length) - 12) ?? [], trailerMatches)
    }

    private mutating func readInterface(_ body: ArraySlice<UInt8>, blockOffset: Int) throws(CaptureError) {
        guard let linkType = body.uint16(at: 0, bigEndian: bigEndian),
              let snapLength = body.uint32(at: 4, bigEndian: bigEndian) else {
            throw CaptureError(.truncated, layer: .pcapng, offset: blockOffset,
                               reason: "interface description block needs 8 body bytes")
        }
        var interface = Interface(linkType: LinkType(rawValue: UInt32(linkType)), snapLength: snapLength)
        for option in Self.options(body.suffix(from: 8), bigEndian: bigEndian) {
            switch option.code {
            case 9: interface.resolution = option.value.byte(at: 0) ?? interface.resolution
            case 14:
                if let offset = option.value.uint64(at: 0, bigEndian: bigEndian) {
                    interface.offsetSeconds = Int64(bitPattern: offset)
                }
            default: break
            }
        }
        interfaces.append(interface)
    }

    private func readPacket(type: UInt32, body: ArraySlice<UInt8>, blockOffset: Int) throws(CaptureError) -> CapturedFrame {
        func fail(_ kind: CaptureError.Kind, _ reason: String) -> CaptureError {
            CaptureError(kind, layer: .pcapng, offset: blockOffset, frame: frameCount, reason: reason)
        }
        let interfaceID: Int, timestamp: UInt64?, capturedLength: Int, originalLength: Int, dataOffset: Int
        switch type {
        case 3:  // Simple Packet Block: always interface 0, no timestamp.
            guard let original = body.uint32(at: 0, bigEndian: bigEndian) else {
                throw fail(.truncated, "simple packet block needs 4 body bytes")
            }
            guard let interface = interfaces.first else { throw fail(.malformed, "simple packet block before any interface") }
            var length = min(Int(original), body.count - 4)
            if interface.snapLength != 0 { length = min(length, Int(interface.snapLength)) }
            (interfaceID, timestamp, capturedLength, originalLength, dataOffset) = (0, nil, length, Int(original), 4)
        default:  // Enhanced Packet Block (6), or the obsolete Packet Block (2) with a 16-bit interface ID.
            let id = type == 2 ? body.uint16(at: 0, bigEndian: bigEndian).map(UInt32.init) : body.uint32(at: 0, bigEndian: bigEndian)
            guard let id,
                  let high = body.uint32(at: 4, bigEndian: bigEndian), let low = body.uint32(at: 8, bigEndian: bigEndian),
                  let captured = body.uint32(at: 12, bigEndian: bigEndian),
                  let original = body.uint32(at: 16, bigEndian: bigEndian) else {
                throw fail(.truncated, "packet block needs 20 body bytes, has \(body.count)")
            }
            let time = UInt64(high) << 32 | UInt64(low)
            (interfaceID, timestamp, capturedLength, originalLength, dataOffset) = (Int(id), time, Int(captured), Int(original), 20)
        }
        guard interfaceID < interfaces.count else {
            throw fail(.malformed, "packet names interface \(interfaceID), the section describes \(interfaces.count)")
        }
        guard let data = body.bytes(at: dataOffset, length: capturedLength) else {
            throw fail(.truncated, "packet claims \(capturedLength) captured bytes, the block holds \(body.count - dataOffset)")
        }
        let interface = interfaces[interfaceID]
        return CapturedFrame(
            index: frameCount,
            timestamp: timestamp.map { Self.timestamp($0, interface: interface) } ?? CaptureTimestamp(),
            linkType: interface.linkType,
            interfaceID: interfaceID,
            originalLength: originalLength,
            bytes: data
        )
    }

    /// Converts a count of if_tsresol units to seconds and nanoseconds without overflow.
    static func timestamp(_ units: UInt64, interface: Interface) -> CaptureTimestamp {
        let exponent = Int(interface.resolution & 0x7f)
        var seconds: UInt64, nanoseconds: UInt64
        if interface.resolution & 0x80 != 0 {  // 2^-exponent seconds
            seconds = exponent >= 64 ? 0 : units >> exponent
            let fraction = exponent >= 64 ? units : units & ((1 << exponent) - 1)
            let (high, low) = fraction.multipliedFullWidth(by: 1_000_000_000)
            switch exponent {
            case 0: nanoseconds = 0
            case 1..<64: nanoseconds = high << (64 - exponent) | low >> exponent
            case 64..<128: nanoseconds = high >> (exponent - 64)
            default: nanoseconds = 0
            }
        } else if exponent <= 19 {  // 10^-exponent seconds, the divisor fits in 64 bits
            var divisor: UInt64 = 1
            for _ in 0..<exponent { divisor *= 10 }
            seconds = units / divisor
            let fraction = units % divisor
            if exponent <= 9 {
                var scale: UInt64 = 1
                for _ in exponent..<9 { scale *= 10 }
                nanoseconds = fraction * scale
            } else {
                var scale: UInt64 = 1
                for _ in 9..<exponent { scale *= 10 }
                nanoseconds = fraction / scale
            }
        } else {  // finer than 10^-19 s: a 64-bit count is below one second
            var scale: UInt64 = 1
            for _ in 9..<min(exponent, 28) { scale = scale.multipliedReportingOverflow(by: 10).overflow ? .max : scale * 10 }
            seconds = 0
            nanoseconds = units / scale
        }
        let total = Int64(clamping: seconds).addingReportingOverflow(interface.offsetSeconds).partialValue
        return CaptureTimestamp(seconds: total, nanoseconds: nanoseconds)
    }

    /// The options of a block: code, value; stops at opt_endofopt or where the bytes run out.
    static func options(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> [(code: UInt16, value: ArraySlice<UInt8>)] {
        var result: [(code: UInt16, value: ArraySlice<UInt8>)] = []
        var offset = 0
        while let code = bytes.uint16(at: offset, bigEndian: bigEndian), code != 0,
              let length = bytes.uint16(at: offset + 2, bigEndian: bigEndian),
              let value = bytes.bytes(at: offset + 4, length: Int(length)) {
            result.append((code, value))
            offset += 4 + (Int(length) + 3) & ~3
        }
        return result
    }
}
