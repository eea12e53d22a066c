import IPsecCrypto
import ISAKMPWire

/// The virtual-IP pools of remote-access gateway connections (draft-dukes-ike-mode-cfg-02 §5.1):
/// one per connection, each lease owned by one ISAKMP SA and returned when the SA goes, however
/// it goes (Delete, expiry, dead peer, failure).
extension IKEv1Endpoint {
    static func makePools(_ configs: [PeerConfig]) throws(IKEv1Error) -> [String: AddressPool<ISAKMPSAID>] {
        var pools: [String: AddressPool<ISAKMPSAID>] = [:]
        for c in configs {
            guard case .gateway(let g)? = c.remoteAccess, let notation = g.pool else { continue }
            do { pools[c.name] = try AddressPool(name: c.name, notation: notation) } catch {
                throw IKEv1Error(.configuration, error.reason)
            }
        }
        return pools
    }

    /// The pools, for status output: leased and free addresses per connection.
    public var addressPools: [AddressPool<ISAKMPSAID>] { pools.values.sorted { $0.name < $1.name } }

    /// An SA that asked for an address (Mode Config) gets one, or the pool's refusal.
    mutating func grantLease(_ id: ISAKMPSAID, env: inout Environment, into actions: inout [Action]) {
        guard withSession(id, { $0.needsLease }) == true, var session = sessions[id] else { return }
        let name = session.config.name
        let lease: Result<[UInt8], AddressPoolError>
        if var pool = pools[name] {
            do { lease = .success(try pool.lease(for: id)) } catch { lease = .failure(error) }
            pools[name] = pool
        } else {
            lease = .failure(AddressPoolError(.exhausted, "connection \(name) has no address pool"))
        }
        session.grantLease(lease, env: &env, into: &actions)
        sessions[id] = session
    }

    /// Returns the address an SA holds, if any, to its pool.
    mutating func releaseLease(_ id: ISAKMPSAID) {
        guard let name = sessions[id]?.config.name, pools[name] != nil else { return }
        pools[name]?.release(id)
    }
}
