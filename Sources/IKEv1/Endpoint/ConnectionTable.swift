/// The connections of an endpoint, indexed so that finding one costs the same with one
/// connection or thousands: by name (initiate, terminate, rekey, restart) and by the peer's
/// address (a responder's first choice, RFC 2409 §5: Main Mode must pick the pre-shared key before
/// the encrypted ID arrives). Connections for any peer (`remoteAddress` nil) come after those
/// for the sender's address, in file order.
struct ConnectionTable {
    /// Every connection, in the order given.
    private(set) var all: [PeerConfig]
    /// The same, each in the box the ISAKMP SAs of that connection share (no copy per SA).
    private var shared: [SharedPeerConfig] = []
    private var byName: [String: Int] = [:]
    private var byAddress: [[UInt8]: [Int]] = [:]
    private var anyPeer: [Int] = []

    /// Indexes `configs`; names must be unique.
    init(_ configs: [PeerConfig]) throws(IKEv1Error) {
        all = configs
        shared = configs.map(SharedPeerConfig.init)
        for (i, c) in configs.enumerated() {
            guard byName.updateValue(i, forKey: c.name) == nil else {
                throw IKEv1Error(.configuration, "connection \(c.name) is defined twice")
            }
            if let remote = c.remoteAddress { byAddress[remote.address, default: []].append(i) } else { anyPeer.append(i) }
        }
    }

    /// The connection named `name`.
    subscript(name: String) -> PeerConfig? { byName[name].map { all[$0] } }

    /// The shared box of the connection named `name`.
    func shared(named name: String) -> SharedPeerConfig? { byName[name].map { shared[$0] } }

    /// The connections that accept a peer at `address`: those configured for it, then those for anyone.
    func candidates(for address: [UInt8]) -> [SharedPeerConfig] {
        ((byAddress[address] ?? []) + anyPeer).map { shared[$0] }
    }
}
