import ISAKMPWire

/// Virtual IPs a gateway hands out in INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS
/// (draft-dukes-ike-mode-cfg-02 §5.1), leased to owners (a user, an ISAKMP SA).
///
/// It does what charon's in-memory pool does (strongSwan `mem_pool.c`):
/// - a CIDR (`198.18.0.0/28`) leaves out the network address when the base is one, and the
///   broadcast address, unless the block has at most 2 addresses; a base inside the block
///   (`198.18.0.5/28`) starts there. A range (`198.18.0.10-198.18.0.99`) is used whole.
/// - at most the last 31 bits vary: a larger CIDR is cut to 2^31 addresses, a range whose
///   ends differ before their last 32 bits is refused (IPv6 pools therefore look like charon's).
/// - a released lease stays reserved for its owner, who gets it back, until the pool has no
///   never-used address left; then the oldest released lease goes to a new owner.
///
/// One address is never leased to two owners at once. Memory grows with the leases made,
/// never with the pool's size.
public struct AddressPool<Owner: Hashable & Sendable>: Sendable, CustomStringConvertible {
    /// The pool's name, for messages.
    public let name: String
    /// The notation it was made from.
    public let notation: String
    /// The first address handed out.
    public let firstAddress: [UInt8]
    /// How many addresses it hands out.
    public let size: Int

    /// Offsets from `firstAddress`, 0..<size.
    private var online: [Owner: Int] = [:]
    private var offline: [Owner: (offset: Int, generation: Int)] = [:]
    /// Released leases, oldest first; an entry is stale when its generation no longer matches.
    private var releasedOrder: [(owner: Owner, generation: Int)] = []
    private var releasedHead = 0
    private var generation = 0
    /// Offsets below this have been leased at least once.
    private var neverUsed = 0

    /// The most addresses a pool holds (charon's `POOL_LIMIT`: 31 host bits).
    public static var maximumSize: Int { 1 << 31 }

    /// A pool from `198.18.0.0/28`, `198.18.0.10-198.18.0.20` or their IPv6 forms.
    public init(name: String, notation: String) throws(AddressPoolError) {
        func invalid(_ why: String) -> AddressPoolError { AddressPoolError(.invalidNotation, "pool \(name) (\(notation)): \(why)") }
        let text = notation.trimmingSpaces
        if let slash = text.firstIndex(of: "/") {
            guard let base = IPAddressText.parse(text[..<slash]) else { throw invalid("\(text[..<slash]) is not an address") }
            let bits = base.count * 8
            guard let prefix = Int(text[text.index(after: slash)...]), (0...bits).contains(prefix) else {
                throw invalid("the prefix length is a number from 0 to \(bits)")
            }
            let hostBits = min(bits - prefix, 31)
            var size = 1 << hostBits
            let inBlock = hostBits == 0 ? 0 : Int(Self.low32(base) & UInt32((1 << hostBits) - 1))
            var first = base
            if size > 2 {
                if inBlock == 0 { first = Self.adding(1, to: base); size -= 1 } else { size -= inBlock }
                size -= 1
            } else if inBlock != 0 {
                size -= 1
            }
            self.init(name: name, notation: String(text), firstAddress: first, size: size)
        } else if let dash = text.firstIndex(of: "-") {
            guard let a = IPAddressText.parse(text[..<dash].trimmingSpaces),
                  let b = IPAddressText.parse(text[text.index(after: dash)...].trimmingSpaces), a.count == b.count else {
                throw invalid("a range is two addresses of one family, FIRST-LAST")
            }
            guard !b.lexicographicallyPrecedes(a) else { throw invalid("the range ends before it starts") }
            guard a.prefix(a.count - 4) == b.prefix(b.count - 4), Self.low32(b) - Self.low32(a) < UInt32(Self.maximumSize) else {
                throw invalid("a range holds at most 2^31 addresses")
            }
            self.init(name: name, notation: String(text), firstAddress: a, size: Int(Self.low32(b) - Self.low32(a)) + 1)
        } else {
            throw invalid("expected a CIDR (198.18.0.0/28) or a range (198.18.0.10-198.18.0.20)")
        }
    }

    private init(name: String, notation: String, firstAddress: [UInt8], size: Int) {
        self.name = name
        self.notation = notation
        self.firstAddress = firstAddress
        self.size = size
    }

    /// The address leased to `owner`: its current lease, else the one it released if no one
    /// took it since, else a never-used address, else the oldest released lease of another
    /// owner. Throws `exhausted` when every address is leased.
    public mutating func lease(for owner: Owner) throws(AddressPoolError) -> [UInt8] {
        if let offset = online[owner] { return address(at: offset) }
        let offset: Int
        if let mine = offline.removeValue(forKey: owner) {
            offset = mine.offset
        } else if neverUsed < size {
            offset = neverUsed
            neverUsed += 1
        } else if let oldest = takeOldestReleased() {
            offset = oldest
        } else {
            throw AddressPoolError(.exhausted, "pool \(name) (\(notation)) is exhausted: all \(size) addresses are leased")
        }
        online[owner] = offset
        return address(at: offset)
    }

    /// Ends `owner`'s lease and returns its address; nil when it holds none. The address
    /// stays reserved for `owner` until the pool needs it for someone else.
    @discardableResult
    public mutating func release(_ owner: Owner) -> [UInt8]? {
        guard let offset = online.removeValue(forKey: owner) else { return nil }
        generation += 1
        offline[owner] = (offset, generation)
        releasedOrder.append((owner, generation))
        // Drop stale entries (owners that came back) before they outnumber the live ones.
        if releasedOrder.count - releasedHead > 2 * offline.count + 16 {
            releasedOrder = releasedOrder[releasedHead...].filter { offline[$0.owner]?.generation == $0.generation }
            releasedHead = 0
        }
        return address(at: offset)
    }

    /// The address `owner` holds now.
    public func address(of owner: Owner) -> [UInt8]? { online[owner].map(address(at:)) }

    /// The owner holding `address` now.
    public func owner(of address: [UInt8]) -> Owner? {
        guard let offset = offset(of: address) else { return nil }
        return online.first { $0.value == offset }?.key
    }

    /// True when `address` is one this pool hands out.
    public func contains(_ address: [UInt8]) -> Bool { offset(of: address) != nil }

    /// How many addresses are leased now.
    public var leasedCount: Int { online.count }

    /// `pool NAME 198.18.0.0/28: 14 addresses, 3 leased`.
    public var description: String { "pool \(name) \(notation): \(size) addresses, \(online.count) leased" }

    private mutating func takeOldestReleased() -> Int? {
        while releasedHead < releasedOrder.count {
            let (owner, gen) = releasedOrder[releasedHead]
            releasedHead += 1
            if let entry = offline[owner], entry.generation == gen {
                offline[owner] = nil
                return entry.offset
            }
        }
        return nil
    }

    private func address(at offset: Int) -> [UInt8] { Self.adding(UInt32(offset), to: firstAddress) }

    private func offset(of address: [UInt8]) -> Int? {
        guard address.count == firstAddress.count, address.prefix(address.count - 4) == firstAddress.prefix(address.count - 4),
              Self.low32(address) >= Self.low32(firstAddress) else { return nil }
        let offset = Int(Self.low32(address) - Self.low32(firstAddress))
        return offset < size ? offset : nil
    }

    private static func low32(_ a: [UInt8]) -> UInt32 { a.suffix(4).reduce(0) { $0 << 8 | UInt32($1) } }

    /// `a` plus `n` in its last 32 bits (the pool never crosses them).
    private static func adding(_ n: UInt32, to a: [UInt8]) -> [UInt8] {
        let v = low32(a) &+ n
        return Array(a.prefix(a.count - 4)) + [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }
}

/// Why a pool could not be made or could not lease; equal by ``code``.
public struct AddressPoolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Hashable, Sendable {
        /// The pool's notation is not a CIDR or a range.
        case invalidNotation
        /// Every address is leased.
        case exhausted
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence naming the pool.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// Equal when the codes are equal; the reason is not compared.
    public static func == (lhs: AddressPoolError, rhs: AddressPoolError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    /// The reason, which names the pool.
    public var description: String { reason }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
