// Classic libpcap format (https://www.tcpdump.org/manpages/pcap-savefile.5.txt,
// draft-ietf-opsawg-pcap):
//
//   File header (24 bytes)            Record header (16 bytes), then data
//   +---------------------------+     +---------------------------+
//   | magic number           4  |     | timestamp seconds      4  |
//   | version major 2, minor 2  |     | timestamp us or ns     4  |
//   | reserved (thiszone)    4  |     | captured length        4  |
//   | reserved (sigfigs)     4  |     | original length        4  |
//   | snaplen                4  |     +---------------------------+
//   | FCS bits | link type   4  |
//   +---------------------------+

/// Walks the records of a classic pcap file.
struct ClassicPcapParser: Sendable {
    static let microsecondMagic: UInt32 = 0xa1b2_c3d4
    static let nanosecondMagic: UInt32 = 0xa1b2_3c4d
    static let fileHeaderLength = 24
    static let recordHeaderLength = 16

    let bytes: ArraySlice<UInt8>
    let bigEndian: Bool
    let nanosecondResolution: Bool
    let linkType: LinkType
    private var position = ClassicPcapParser.fileHeaderLength
    private var frameCount = 0
    private var finished = false

    /// Nil when the magic number is not a pcap one.
    init?(bytes: ArraySlice<UInt8>) throws(CaptureError) {
        guard let magicBE = bytes.uint32(at: 0) else { return nil }
        let magicLE = magicBE.byteSwapped
        switch (magicBE, magicLE) {
        case (Self.microsecondMagic, _): (bigEndian, nanosecondResolution) = (true, false)
        case (Self.nanosecondMagic, _): (bigEndian, nanosecondResolution) = (true, true)
        case (_, Self.microsecondMagic): (bigEndian, nanosecondResolution) = (false, false)
        case (_, Self.nanosecondMagic): (bigEndian, nanosecondResolution) = (false, true)
        default: return nil
        }
        guard let network = bytes.uint32(at: 20, bigEndian: bigEndian) else {
            throw CaptureError(.truncated, layer: .pcap, offset: 0,
                               reason: "file header needs 24 bytes, the file has \(bytes.count)")
        }
        self.bytes = bytes
        // The upper bits carry FCS information (draft-ietf-opsawg-pcap §4); the link type is the low 16.
        linkType = LinkType(rawValue: network & 0xffff)
    }

    mutating func next() throws(CaptureError) -> CapturedFrame? {
        guard !finished, position < bytes.count else { return nil }
        let recordOffset = position
        frameCount += 1
        guard let seconds = bytes.uint32(at: position, bigEndian: bigEndian),
              let fraction = bytes.uint32(at: position + 4, bigEndian: bigEndian),
              let capturedLength = bytes.uint32(at: position + 8, bigEndian: bigEndian),
              let originalLength = bytes.uint32(at: position + 12, bigEndian: bigEndian)
        else {
            finished = true
            throw CaptureError(.truncated, layer: .pcap, offset: recordOffset, frame: frameCount,
                               reason: "record header needs 16 bytes, \(bytes.count - position) left")
        }
        let dataOffset = position + Self.recordHeaderLength
        guard let data = bytes.bytes(at: dataOffset, length: Int(capturedLength)) else {
            finished = true
            throw CaptureError(.truncated, layer: .pcap, offset: recordOffset, frame: frameCount,
                               reason: "record claims \(capturedLength) captured bytes, \(bytes.count - dataOffset) left")
        }
        position = dataOffset + Int(capturedLength)
        let nanoseconds = nanosecondResolution ? UInt64(fraction) : UInt64(fraction) * 1000
        return CapturedFrame(
            index: frameCount,
            timestamp: CaptureTimestamp(seconds: Int64(seconds), nanoseconds: nanoseconds),
            linkType: linkType,
            originalLength: Int(originalLength),
            bytes: data
        )
    }
}
