#if canImport(Glibc)
import Foundation
import Glibc

/// A Linux TUN device (`/dev/net/tun`, IFF_TUN | IFF_NO_PI): IP packets in and out.
///
/// With offloads (IFF_VNET_HDR and TUNSETOFFLOAD, as virtio-net and wireguard-go use them) the
/// kernel hands over TCP and UDP super-segments of up to 64 KiB with their checksum left to the
/// device, and every packet in either direction starts with a 10-byte `virtio_net_hdr`; the
/// node's data plane cuts them into packets before sealing.
///
/// With more than one queue (IFF_MULTI_QUEUE) the kernel spreads the flows it sends into the
/// device over the queues by hash; each queue is read by a data thread of its own.
public final class TunDevice {
    /// The non-blocking descriptor of the device's first queue; closed on deinit.
    public var fd: Int32 { queues[0] }
    /// One non-blocking descriptor per queue (one unless opened with more); closed on deinit.
    public let queues: [Int32]
    /// The interface name the kernel gave the device (the one asked for, cut to IFNAMSIZ - 1 bytes).
    public let name: String
    /// What the kernel agreed to hand over unfinished.
    public let offloads: Offloads
    /// True when every packet read or written starts with a `virtio_net_hdr` (10 bytes): the
    /// device was opened with offloads, even if the kernel then granted none of them.
    public let hasVirtioHeader: Bool

    /// The work a TUN device may leave to its reader (TUN_F_* of TUNSETOFFLOAD).
    public struct Offloads: OptionSet, Sendable {
        /// The TUN_F_* bits.
        public let rawValue: UInt32
        /// Creates a set from TUN_F_* bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// TUN_F_CSUM: packets whose TCP/UDP checksum is still to be completed.
        public static let checksum = Offloads(rawValue: 0x01)
        /// TUN_F_TSO4 and TUN_F_TSO6: TCP super-segments over IPv4 and IPv6.
        public static let tcpSegmentation = Offloads(rawValue: 0x02 | 0x04)
        /// TUN_F_USO4 and TUN_F_USO6: UDP super-segments (Linux 6.2 and later).
        public static let udpSegmentation = Offloads(rawValue: 0x20 | 0x40)
        /// Everything the node's data plane handles.
        public static let all: Offloads = [.checksum, .tcpSegmentation, .udpSegmentation]
    }

    private static let tunSetIff: UInt = 0x4004_54ca // _IOW('T', 202, int)
    private static let tunSetOffload: UInt = 0x4004_54d0 // _IOW('T', 208, unsigned int)
    private static let iffTun: Int16 = 0x0001
    private static let iffNoPI: Int16 = 0x1000
    private static let iffVnetHdr: Int16 = 0x4000
    private static let iffMultiQueue: Int16 = 0x0100

    /// Creates (or attaches to) the device `name`; needs CAP_NET_ADMIN. `offloads`: what to ask
    /// the kernel for; a kernel that refuses UDP segmentation still gets checksum and TCP
    /// segmentation, and one that refuses those too gets a device without offloads. `queues`:
    /// how many queues to open (IFF_MULTI_QUEUE when more than one).
    public init(name: String, offloads wanted: Offloads = [], queues count: Int = 1) throws(SystemError) {
        var ifr = ifreq()
        withUnsafeMutableBytes(of: &ifr.ifr_ifrn.ifrn_name) { buf in
            let bytes = Array(name.utf8.prefix(Int(IFNAMSIZ) - 1))
            buf.copyBytes(from: bytes)
        }
        var opened: [Int32] = []
        for _ in 0..<max(1, count) {
            let fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
            guard fd >= 0 else {
                let e = SystemError("open /dev/net/tun")
                opened.forEach { _ = close($0) }
                throw e
            }
            ifr.ifr_ifru.ifru_flags = Self.iffTun | Self.iffNoPI | (wanted.isEmpty ? 0 : Self.iffVnetHdr)
                | (count > 1 ? Self.iffMultiQueue : 0)
            guard ioctl(fd, Self.tunSetIff, &ifr) == 0 else {
                let e = SystemError("ioctl TUNSETIFF \(name)")
                close(fd)
                opened.forEach { _ = close($0) }
                throw e
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            opened.append(fd)
        }
        queues = opened
        var granted: Offloads = []
        if !wanted.isEmpty {
            // Each later try drops what an older kernel may not know; the last one asks for nothing,
            // which every kernel accepts, and the device still carries virtio headers.
            for candidate in [wanted, wanted.subtracting(.udpSegmentation), []]
            where opened.allSatisfy({ ioctl($0, Self.tunSetOffload, CInt(bitPattern: candidate.rawValue)) == 0 }) {
                granted = candidate
                break
            }
        }
        offloads = granted
        hasVirtioHeader = !wanted.isEmpty
        self.name = withUnsafeBytes(of: &ifr.ifr_ifrn.ifrn_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    deinit { queues.forEach { _ = close($0) } }

    /// Reads one packet from queue `queue` (with its virtio header when ``hasVirtioHeader``);
    /// nil when none is waiting.
    public func read(into buffer: UnsafeMutableRawBufferPointer, queue: Int = 0) throws(SystemError) -> Int? {
        let n = Glibc.read(queues[queue], buffer.baseAddress, buffer.count)
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
            throw SystemError("read \(name)")
        }
        return n
    }

    /// Writes one IP packet into queue `queue`, behind its virtio header when ``hasVirtioHeader``.
    public func write(_ packet: UnsafeRawBufferPointer, queue: Int = 0) throws(SystemError) {
        guard Glibc.write(queues[queue], packet.baseAddress, packet.count) >= 0 else { throw SystemError("write \(name)") }
    }

    /// Gives the device an address (optional), brings it up and routes `routes` through it, with `ip(8)`.
    public func configure(address: String?, routes: [String], mtu: Int = 1400) throws {
        if let address { try Self.ip(["addr", "add", address, "dev", name]) }
        try Self.ip(["link", "set", "dev", name, "mtu", String(mtu), "up"])
        for r in routes { try Self.ip(["route", "replace", r, "dev", name]) }
    }

    /// Routes `subnet` (CIDR) through this device, replacing any route for it.
    public func addRoute(_ subnet: String) throws { try Self.ip(["route", "replace", subnet, "dev", name]) }

    /// Removes this device's route for `subnet`.
    public func removeRoute(_ subnet: String) throws { try Self.ip(["route", "del", subnet, "dev", name]) }

    /// SO_MARK of the node's own packets and the routing table of ``steerTransportTraffic(peer:source:)``.
    public static let transportMark: UInt32 = 0x4500
    static let transportTable = "4500"

    /// Transport mode (RFC 4301 §4.1): traffic to the peer's own address must enter this device,
    /// while the node's IKE and ESP packets to that address must not. A policy rule sends every
    /// packet not marked ``transportMark`` (the node marks its sockets) through a table with a
    /// route to the peer via this device; marked packets use the main table. Idempotent.
    public func steerTransportTraffic(peer: String, source: String) throws {
        let family = peer.contains(":") ? "-6" : "-4"
        let rule = [family, "rule", "add", "not", "fwmark", String(Self.transportMark), "table", Self.transportTable,
                    "pref", Self.transportTable]
        let existing = try Self.ipOutput([family, "rule", "show", "pref", Self.transportTable])
        if existing.isEmpty { try Self.ip(rule) }
        try Self.ip([family, "route", "replace", peer, "dev", name, "src", source, "table", Self.transportTable])
    }

    /// Removes what ``steerTransportTraffic(peer:source:)`` added (errors ignored: it may not exist).
    public func removeTransportSteering() {
        for family in ["-4", "-6"] {
            try? Self.ip([family, "rule", "del", "pref", Self.transportTable])
            try? Self.ip([family, "route", "flush", "table", Self.transportTable])
        }
    }

    /// An ip(8) command that failed, with its standard error.
    public struct CommandFailed: Error, CustomStringConvertible {
        /// `ip <arguments>: <its standard error>`.
        public var description: String
    }

    static func ip(_ arguments: [String]) throws { _ = try ipOutput(arguments) }

    /// Runs ip(8) (the node's and the CLI's one runner); its standard output, or ``CommandFailed``
    /// with its standard error. Both pipes are read before waiting, so a long output cannot block it.
    public static func ipOutput(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip")
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CommandFailed(description: "ip \(arguments.joined(separator: " ")): "
                                + String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
#endif
