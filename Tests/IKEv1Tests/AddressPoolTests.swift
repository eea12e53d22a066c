import Foundation
import IKEv1
import IPsecCrypto
import ISAKMPWire
import Testing
import TestSupport

/// The gateway's virtual-IP pool, against charon: pool sizes as strongSwan 5.9.8 reports them
/// (Fixtures/remote-access/charon-pools.txt, made by charon-pools.sh) and the lease rules of
/// strongSwan's mem_pool.c. Addresses are from documentation ranges (RFC 2544, RFC 3849).
struct AddressPoolTests {
    static func ip(_ s: String) -> [UInt8] { IPAddressText.parse(s) ?? [] }

    struct CharonPool: Sendable, CustomTestStringConvertible {
        var notation: String
        var base: String
        var size: Int
        var testDescription: String { notation }
    }

    /// `# pN = NOTATION` lines, then `pN  BASE  online / offline / SIZE` rows.
    static func charonPools() throws -> [CharonPool] {
        let text = try Fixtures.text("remote-access/charon-pools.txt")
        var notations: [String: String] = [:]
        var pools: [CharonPool] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.hasPrefix("# p"), f.count == 4, f[2] == "=" { notations[f[1]] = f[3] }
            if !line.hasPrefix("#"), f.count == 7, let notation = notations[f[0]], let size = Int(f[6]) {
                pools.append(CharonPool(notation: notation, base: f[1], size: size))
            }
        }
        return pools
    }

    @Test func charonFixtureIsThere() throws { #expect(try Self.charonPools().count == 15) }

    @Test(arguments: try nonEmpty(charonPools()))
    func sizesAreCharons(_ reference: CharonPool) throws {
        let pool = try AddressPool<String>(name: "p", notation: reference.notation)
        #expect(pool.size == reference.size)
    }

    /// charon as the kit's gateway with `RA_POOL=10.99.0.0/28` gave vpnc 10.99.0.1 first
    /// (Fixtures/remote-access/charon-cidr-lease.txt): the network address is not handed out.
    @Test func theFirstLeaseOfACIDRIsCharons() throws {
        let text = try String(contentsOf: Fixtures.url("remote-access/charon-cidr-lease.txt"), encoding: .utf8)
        let given = try #require(text.split(separator: "\n").first { $0.hasPrefix("INTERNAL_IP4_ADDRESS=") }?.dropFirst(21))
        var pool = try AddressPool<String>(name: "ra-pool", notation: "10.99.0.0/28")
        let first = try pool.lease(for: "alice")
        #expect(first == Self.ip(String(given)))
    }

    /// mem_pool.c: a /28 whose base is the network hands out .1 to .14, each once; the 15th
    /// lease fails with an error naming the pool and its size.
    @Test func aCIDRSkipsNetworkAndBroadcastAndRunsOut() throws {
        var pool = try AddressPool<Int>(name: "lab", notation: "198.18.0.0/28")
        #expect(pool.firstAddress == Self.ip("198.18.0.1") && pool.size == 14)
        let leased = try (0..<14).map { owner throws(AddressPoolError) in try pool.lease(for: owner) }
        #expect(leased == (1...14).map { Self.ip("198.18.0.\($0)") })
        #expect(!pool.contains(Self.ip("198.18.0.0")) && !pool.contains(Self.ip("198.18.0.15")))
        #expect {
            _ = try pool.lease(for: 99)
        } throws: { error in
            guard let e = error as? AddressPoolError else { return false }
            return e.code == .exhausted && e.reason == "pool lab (198.18.0.0/28) is exhausted: all 14 addresses are leased"
        }
        #expect(pool.leasedCount == 14)
    }

    @Test func aBaseInsideTheBlockStartsThereAndARangeIsUsedWhole() throws {
        var inside = try AddressPool<Int>(name: "p", notation: "198.18.0.5/28")
        let insideFirst = try inside.lease(for: 1)
        #expect(insideFirst == Self.ip("198.18.0.5") && inside.size == 10)
        var range = try AddressPool<Int>(name: "p", notation: "198.18.0.10 - 198.18.0.12")
        let rangeLeases = try (1...3).map { o throws(AddressPoolError) in try range.lease(for: o) }
        #expect(rangeLeases == [Self.ip("198.18.0.10"), Self.ip("198.18.0.11"), Self.ip("198.18.0.12")])
        var tiny = try AddressPool<Int>(name: "p", notation: "198.18.0.0/31")
        let tinyLeases = [try tiny.lease(for: 1), try tiny.lease(for: 2)]
        #expect(tinyLeases == [Self.ip("198.18.0.0"), Self.ip("198.18.0.1")])
        var v6 = try AddressPool<Int>(name: "p", notation: "2001:db8::8/125")
        let v6First = try v6.lease(for: 1)
        #expect(v6First == Self.ip("2001:db8::9") && v6.size == 6)
    }

    @Test func theSameOwnerGetsTheSameAddress() throws {
        var pool = try AddressPool<String>(name: "p", notation: "198.18.0.0/28")
        let a = try pool.lease(for: "alice")
        _ = try pool.lease(for: "bob")
        let again = try pool.lease(for: "alice")
        #expect(again == a && pool.leasedCount == 2)
        #expect(pool.address(of: "alice") == a && pool.owner(of: a) == "alice")
        // Released, the address stays alice's while unused addresses remain for others.
        let released = pool.release("alice"), releasedTwice = pool.release("alice")
        #expect(released == a && releasedTwice == nil && pool.address(of: "alice") == nil && pool.owner(of: a) == nil)
        let carol = try pool.lease(for: "carol")
        #expect(carol != a)
        let back = try pool.lease(for: "alice")
        #expect(back == a)
    }

    /// mem_pool.c get_reassigned: with no never-used address left, a new owner gets the oldest
    /// released lease; the owner who released it then gets another or none.
    @Test func releasedLeasesAreReusedOldestFirstWhenThePoolIsFull() throws {
        var pool = try AddressPool<String>(name: "p", notation: "198.18.0.1-198.18.0.3")
        let a = try pool.lease(for: "a"), b = try pool.lease(for: "b"), c = try pool.lease(for: "c")
        pool.release("b")
        pool.release("a")
        let d = try pool.lease(for: "d"), e = try pool.lease(for: "e")
        #expect(d == b && e == a)
        #expect(throws: AddressPoolError(.exhausted, "")) { _ = try pool.lease(for: "b") }
        pool.release("c")
        let bAgain = try pool.lease(for: "b")
        #expect(bAgain == c)
    }

    @Test(arguments: ["198.18.0.0", "198.18.0.0/33", "198.18.0.0/x", "198.18.0.9-198.18.0.1", "198.18.0.1-2001:db8::1",
                      "198.18.0.256/24", "2001:db8::-2001:db9::", "2001:db8::/129", "", "pool"])
    func badNotationsAreTypedErrors(_ notation: String) {
        #expect {
            _ = try AddressPool<Int>(name: "bad", notation: notation)
        } throws: { error in
            (error as? AddressPoolError)?.code == .invalidNotation && "\(error)".hasPrefix("pool bad (")
        }
    }

    /// Random leases and releases on a small pool against the invariants: no address held by
    /// two owners, an owner keeps its address while it holds it, a lease fails only when every
    /// address is held, and an owner gets its released address back unless someone took it since.
    @Test func randomChurnKeepsEveryInvariant() throws {
        var pool = try AddressPool<Int>(name: "p", notation: "198.18.0.0/27")   // 30 addresses
        var entropy = SeededEntropy(seed: 16)
        var held: [Int: [UInt8]] = [:]
        var released: [Int: [UInt8]] = [:]      // owner -> the address it gave back, still reserved
        var failures = 0
        for _ in 0..<20_000 {
            let r = entropy.bytes(2)
            let owner = Int(r[0]) % 45
            if r[1] & 1 == 0 {
                do {
                    let address = try pool.lease(for: owner)
                    if let mine = held[owner] { #expect(address == mine) }
                    if held[owner] == nil, let reserved = released[owner] { #expect(address == reserved) }
                    #expect(!held.contains { $0.key != owner && $0.value == address })
                    // Whoever had reserved this address has lost it.
                    for (other, a) in released where a == address { released[other] = nil }
                    held[owner] = address
                    released[owner] = nil
                } catch {
                    failures += 1
                    #expect(error.code == .exhausted && held[owner] == nil && held.count == pool.size)
                }
            } else {
                let given = held.removeValue(forKey: owner)
                #expect(pool.release(owner) == given)
                if let given { released[owner] = given }
            }
            #expect(pool.leasedCount == held.count)
        }
        #expect(failures > 0)
    }

    /// A /8 pool costs nothing until leased, and heavy churn by the same owners leaves no
    /// growing bookkeeping behind (time stays linear).
    @Test func largePoolsAndChurnStayCheap() throws {
        var pool = try AddressPool<Int>(name: "big", notation: "10.0.0.0/8")
        #expect(pool.size == 16_777_214)
        for round in 0..<200 {
            for owner in 0..<500 { _ = try pool.lease(for: owner) }
            for owner in 0..<500 where (owner + round) % 3 != 0 { pool.release(owner) }
        }
        #expect(pool.leasedCount <= 500)
        #expect(try pool.lease(for: 0) == Self.ip("10.0.0.1"))
    }
}
