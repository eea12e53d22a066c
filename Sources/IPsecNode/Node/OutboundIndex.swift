/// The outbound SAs by the peer-side block their selector covers (RFC 4301 §4.4.1: a subnet is an
/// aligned block of addresses), so that finding the SA for a packet costs one hash probe per
/// prefix length in use - not a look at every SA - however many SAs the node holds. Selectors
/// that are not an aligned block (an arbitrary range) are kept in a list and checked one by one.
/// Rebuilt whenever an SA comes or goes (rare); read per packet, allocating nothing.
struct OutboundIndex {
    private struct Key: Hashable {
        var version: UInt8
        var length: UInt8
        var network: IPBits
    }

    private var buckets: [Key: [Int]] = [:]
    private var lengths: [(version: UInt8, length: UInt8)] = []
    private var ranges: [Int] = []

    /// Indexes `selectors[i]`, the remote selector of outbound SA `i`.
    init(_ selectors: [CompiledSelector]) {
        var seen: Set<UInt16> = []
        for (i, s) in selectors.enumerated() {
            guard let length = s.prefixLength else {
                ranges.append(i)
                continue
            }
            buckets[Key(version: s.version, length: length, network: s.low), default: []].append(i)
            if seen.insert(UInt16(s.version) << 8 | UInt16(length)).inserted { lengths.append((s.version, length)) }
        }
    }

    /// The highest index (the newest SA) among those for which `covers(i)` holds, looking only at
    /// SAs whose remote block holds `destination`.
    func newest(version: UInt8, destination: IPBits, where covers: (Int) -> Bool) -> Int? {
        var best = -1
        for (v, length) in lengths where v == version {
            guard let list = buckets[Key(version: v, length: length, network: destination.masked(prefix: length, version: v))] else { continue }
            for i in list.reversed() where i > best && covers(i) {
                best = i
                break
            }
        }
        for i in ranges.reversed() where i > best && covers(i) {
            best = i
            break
        }
        return best >= 0 ? best : nil
    }
}

extension IPBits {
    /// The first `prefix` bits kept, the rest zero (IPv4 counts in the low 32 bits).
    func masked(prefix: UInt8, version: UInt8) -> IPBits {
        let bits = Int(prefix) + (version == 4 ? 96 : 0)
        var m = self
        if bits <= 64 {
            m.high = bits == 0 ? 0 : high & ~(UInt64.max >> UInt64(bits))
            m.low = 0
        } else {
            m.low = bits == 128 ? low : low & ~(UInt64.max >> UInt64(bits - 64))
        }
        return m
    }
}

extension CompiledSelector {
    /// The prefix length when `low...high` is one aligned block (a subnet or one address); nil
    /// for another range.
    var prefixLength: UInt8? {
        let dh = low.high ^ high.high, dl = low.low ^ high.low
        func lowMask(_ x: UInt64) -> Bool { x & (x &+ 1) == 0 }
        guard (dh == 0 && lowMask(dl)) || (dl == .max && lowMask(dh)),
              low.high & dh == 0, low.low & dl == 0, high.high == low.high | dh, high.low == low.low | dl else { return nil }
        let free = dh.nonzeroBitCount + dl.nonzeroBitCount
        if version == 4 { return free <= 32 && low.high == 0 ? UInt8(32 - free) : nil }
        return UInt8(128 - free)
    }
}
