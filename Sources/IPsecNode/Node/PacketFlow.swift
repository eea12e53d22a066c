import IKEv1
import ISAKMPWire

/// An IPv4 or IPv6 address as a 128-bit number (IPv4 in the low 32 bits), so selector
/// checks compare integers instead of arrays: nothing is allocated per packet.
struct IPBits: Comparable, Hashable {
    var high: UInt64
    var low: UInt64

    static func < (a: IPBits, b: IPBits) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// The address of 4 or 16 bytes.
    init(_ bytes: [UInt8]) {
        let padded = bytes.count == 16 ? bytes : [UInt8](repeating: 0, count: 12) + bytes
        high = padded[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = padded[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The address of `count` (4 or 16) bytes at `offset`.
    init(_ p: UnsafeRawPointer, offset: Int, count: Int) {
        if count == 4 {
            high = 0
            low = UInt64(p.loadBigEndian32(at: offset))
        } else {
            high = UInt64(p.loadBigEndian32(at: offset)) << 32 | UInt64(p.loadBigEndian32(at: offset + 4))
            low = UInt64(p.loadBigEndian32(at: offset + 8)) << 32 | UInt64(p.loadBigEndian32(at: offset + 12))
        }
    }
}

/// What RFC 4301 §4.4.1.1 selects on, read in place from an IP packet: version, addresses,
/// next-layer protocol and, for TCP, UDP and SCTP in an initial fragment, the ports.
struct PacketFlow: Equatable {
    /// A TCP, UDP or SCTP segment's ports.
    struct Ports: Equatable {
        var source: UInt16
        var destination: UInt16
    }

    var version: UInt8
    var source: IPBits
    var destination: IPBits
    var ipProtocol: UInt8
    /// nil: no ports (another protocol, or a non-initial fragment, RFC 4301 §7).
    var ports: Ports?

    /// Reads the packet at `r`; nil when it is not a whole IPv4/IPv6 header.
    init?(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) {
        guard r.count >= 20, let base = b.baseAddress else { return nil }
        let p = base + r.lowerBound
        let payload: Int
        var initialFragment = true
        switch p.load(as: UInt8.self) >> 4 {
        case 4:
            version = 4
            payload = Int(p.load(as: UInt8.self) & 0x0f) * 4
            guard payload >= 20, payload <= r.count else { return nil }
            source = IPBits(p, offset: 12, count: 4)
            destination = IPBits(p, offset: 16, count: 4)
            ipProtocol = p.load(fromByteOffset: 9, as: UInt8.self)
            initialFragment = p.loadBigEndian16(at: 6) & 0x1fff == 0
        case 6:
            guard r.count >= 40 else { return nil }
            version = 6
            payload = 40
            source = IPBits(p, offset: 8, count: 16)
            destination = IPBits(p, offset: 24, count: 16)
            ipProtocol = p.load(fromByteOffset: 6, as: UInt8.self)
        default:
            return nil
        }
        ports = nil
        let hasPorts = ipProtocol == 6 || ipProtocol == 17 || ipProtocol == 132
        if initialFragment, hasPorts, r.count >= payload + 4 {
            ports = Ports(source: p.loadBigEndian16(at: payload), destination: p.loadBigEndian16(at: payload + 2))
        }
    }
}

/// One traffic selector (RFC 2409 §5.5 client ID; RFC 4301 §4.4.1) as integers: an address
/// range, a protocol (0: any) and a port (0: any).
struct CompiledSelector {
    var version: UInt8
    var low: IPBits
    var high: IPBits
    var ipProtocol: UInt8
    var port: UInt16

    /// The selector `ts`, or with none the single address `host` (host-to-host, RFC 2409 §5.5).
    init(_ ts: TrafficSelector?, host: [UInt8]) {
        ipProtocol = ts?.ipProtocol ?? 0
        port = ts?.port ?? 0
        var bytes = (low: host, high: host)
        switch ts?.identity {
        case .ipv4(let a)?, .ipv6(let a)?:
            bytes = (a, a)
        case .ipv4Subnet(let a, let m)?, .ipv6Subnet(let a, let m)?:
            bytes = (zip(a, m).map { $0 & $1 }, zip(a, m).map { $0 | ~$1 })
        case .ipv4Range(let lo, let hi)?, .ipv6Range(let lo, let hi)?:
            bytes = (lo, hi)
        default:
            break
        }
        version = bytes.low.count == 16 ? 6 : 4
        low = IPBits(bytes.low)
        high = IPBits(bytes.high)
    }

    /// True when `address` and `port` (the packet's port on this selector's side) fall inside it.
    func contains(_ version: UInt8, _ address: IPBits, port packetPort: UInt16?) -> Bool {
        guard version == self.version, low <= address, address <= high else { return false }
        guard port != 0 else { return true }
        return packetPort == port
    }
}

/// Both selectors of a child SA, from our side: `local` covers our hosts, `remote` the peer's.
struct SelectorPair {
    var local: CompiledSelector
    var remote: CompiledSelector

    init(_ child: IKEv1.ChildSA) {
        local = CompiledSelector(child.localTrafficSelector, host: child.local.address)
        remote = CompiledSelector(child.remoteTrafficSelector, host: child.remote.address)
    }

    /// The protocol both selectors agree on, 0 for any (they negotiate one protocol, RFC 2409 §5.5).
    private func protocolMatches(_ p: UInt8) -> Bool {
        (local.ipProtocol == 0 || local.ipProtocol == p) && (remote.ipProtocol == 0 || remote.ipProtocol == p)
    }

    /// Outbound: from one of our hosts to one of the peer's (RFC 4301 §5.1).
    func coversOutbound(_ f: PacketFlow) -> Bool {
        protocolMatches(f.ipProtocol)
            && local.contains(f.version, f.source, port: f.ports?.source)
            && remote.contains(f.version, f.destination, port: f.ports?.destination)
    }

    /// Inbound, after decryption: from one of the peer's hosts to one of ours (RFC 4301 §5.2).
    func coversInbound(_ f: PacketFlow) -> Bool {
        protocolMatches(f.ipProtocol)
            && remote.contains(f.version, f.source, port: f.ports?.source)
            && local.contains(f.version, f.destination, port: f.ports?.destination)
    }
}

extension UnsafeRawPointer {
    func loadBigEndian32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func loadBigEndian16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
