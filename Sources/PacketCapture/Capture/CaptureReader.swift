/// Reads the frames of a classic pcap or pcapng file held in memory.
///
/// ```swift
/// var reader = try CaptureReader(bytes: fileBytes)
/// while let frame = try reader.next() { ... }
/// ```
///
/// Reading is total: any byte string yields frames, `nil` or a `CaptureError`,
/// never a trap, an unbounded loop or an allocation larger than the file.
/// A record that is malformed or cut short throws for that record only; when
/// the file's framing still holds (pcapng blocks with a sound length), the
/// next call to `next()` goes on with the following record, otherwise it
/// returns `nil`.
public struct CaptureReader: Sendable {
    /// The container formats this reader understands.
    public enum Format: Hashable, Sendable {
        /// Classic libpcap: `0xa1b2c3d4` (microseconds) or `0xa1b23c4d` (nanoseconds), either byte order.
        case pcap(nanosecondResolution: Bool, bigEndian: Bool)
        /// pcapng: sections, interfaces and packet blocks.
        case pcapng
    }

    private enum Parser: Sendable {
        case pcap(ClassicPcapParser)
        case pcapng(PcapngParser)
    }

    private var parser: Parser

    /// The file's format, as detected from its first four bytes.
    public let format: Format

    /// Opens a capture, detecting classic pcap or pcapng from the magic number.
    ///
    /// Throws `.truncated` (layer `.file`) for fewer than the format's header
    /// bytes, `.unsupported` for an unknown magic number, and the pcap or
    /// pcapng error for a malformed file header.
    public init(bytes: [UInt8]) throws(CaptureError) {
        try self.init(bytes: bytes[...])
    }

    /// Opens a capture held in a slice; frames slice the same storage.
    public init(bytes: ArraySlice<UInt8>) throws(CaptureError) {
        guard let magic = bytes.uint32(at: 0) else {
            throw CaptureError(.truncated, layer: .file, offset: 0,
                               reason: "\(bytes.count) bytes cannot hold a capture file's magic number")
        }
        if magic == PcapngParser.sectionHeaderType {
            let pcapng = try PcapngParser(bytes: bytes)
            parser = .pcapng(pcapng)
            format = .pcapng
        } else if let pcap = try ClassicPcapParser(bytes: bytes) {
            parser = .pcap(pcap)
            format = .pcap(nanosecondResolution: pcap.nanosecondResolution, bigEndian: pcap.bigEndian)
        } else {
            let hex = String(magic, radix: 16)
            throw CaptureError(.unsupported, layer: .file, offset: 0,
                               reason: "magic number 0x\(hex) is neither pcap nor pcapng")
        }
    }

    /// The next frame in capture order, or `nil` at the end of the capture.
    public mutating func next() throws(CaptureError) -> CapturedFrame? {
        switch parser {
        case .pcap(var pcap):
            defer { parser = .pcap(pcap) }
            return try pcap.next()
        case .pcapng(var pcapng):
            defer { parser = .pcapng(pcapng) }
            return try pcapng.next()
        }
    }

    /// Every frame of the capture, with the errors of records that could not be read in their place.
    public mutating func readAll() -> [Result<CapturedFrame, CaptureError>] {
        var results: [Result<CapturedFrame, CaptureError>] = []
        while true {
            do {
                guard let frame = try next() else { return results }
                results.append(.success(frame))
            } catch {
                results.append(.failure(error))
            }
        }
    }
}
