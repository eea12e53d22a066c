/// The header a TUN device with IFF_VNET_HDR puts in front of every packet (Linux's
/// `struct virtio_net_hdr`, virtio 1.x §5.1.6, 10 bytes in the host's byte order): whether the
/// packet still needs its transport checksum, and whether it is a super-segment the reader must
/// cut into `gsoSize`-byte segments (TSO / USO).
struct VirtioNetHeader: Equatable {
    /// What kind of segmentation the packet needs (`gso_type` without the ECN bit).
    enum Segmentation: UInt8 {
        case none = 0
        case tcpv4 = 1
        case tcpv6 = 4
        /// UDP segmentation offload (VIRTIO_NET_HDR_GSO_UDP_L4, Linux 6.2 and later).
        case udp = 5
    }

    static let size = 10
    /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum at `checksumStart + checksumOffset` holds only
    /// the pseudo-header's sum; the rest is to be summed from `checksumStart` to the end.
    static let needsChecksum: UInt8 = 1
    static let ecnBit: UInt8 = 0x80

    var flags: UInt8 = 0
    var segmentation: Segmentation = .none
    /// Set with ECN on a TCP super-segment (VIRTIO_NET_HDR_GSO_ECN): CWR stays on the first segment only.
    var ecn = false
    /// Bytes of the IP and transport headers (a hint: the segmenter reads the headers itself).
    var headerLength: UInt16 = 0
    /// Payload bytes per segment.
    var segmentSize: UInt16 = 0
    var checksumStart: UInt16 = 0
    var checksumOffset: UInt16 = 0

    init(flags: UInt8 = 0, segmentation: Segmentation = .none, headerLength: UInt16 = 0, segmentSize: UInt16 = 0,
         checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0) {
        self.flags = flags
        self.segmentation = segmentation
        self.headerLength = headerLength
        self.segmentSize = segmentSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// Reads the header at the start of `bytes`; nil when it is short or names a segmentation
    /// this node did not offer.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.size, let p = bytes.baseAddress else { return nil }
        flags = p.load(as: UInt8.self)
        let type = p.load(fromByteOffset: 1, as: UInt8.self)
        guard let s = Segmentation(rawValue: type & ~Self.ecnBit) else { return nil }
        segmentation = s
        ecn = type & Self.ecnBit != 0
        headerLength = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        segmentSize = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        checksumStart = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        checksumOffset = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
    }

    /// Writes the header at `p`.
    func write(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: flags, as: UInt8.self)
        p.storeBytes(of: segmentation.rawValue | (ecn ? Self.ecnBit : 0), toByteOffset: 1, as: UInt8.self)
        p.storeBytes(of: headerLength.littleEndian, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: segmentSize.littleEndian, toByteOffset: 4, as: UInt16.self)
        p.storeBytes(of: checksumStart.littleEndian, toByteOffset: 6, as: UInt16.self)
        p.storeBytes(of: checksumOffset.littleEndian, toByteOffset: 8, as: UInt16.self)
    }
}
