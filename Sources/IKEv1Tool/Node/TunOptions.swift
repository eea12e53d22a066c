import ArgumentParser
import IKEv1
import IPsecNode

/// How the TUN device is set up: shared by `connect`, `respond` and `run`.
struct TunOptions: ParsableArguments {
    @Option(help: "The TUN device's MTU (default: the route's MTU toward the peer less the largest overhead of the ESP/AH proposals, outer IP and UDP headers; 1400 without a peer address).")
    var tunMTU: Int?
    @Option(help: "Data threads: the TUN device gets one queue per thread (IFF_MULTI_QUEUE) and the kernel spreads flows over them; the first thread also serves the sockets.")
    var dataThreads: Int = 1
    @Flag(inversion: .prefixedNo,
          help: "TUN offloads (IFF_VNET_HDR): TCP/UDP super-segments from the kernel, cut before sealing; received TCP segments merged before delivery.")
    var tunOffload = true

    func validate() throws {
        if let tunMTU, !(576...65_535).contains(tunMTU) { throw ValidationError("--tun-mtu \(tunMTU): give 576 to 65535") }
        guard (1...64).contains(dataThreads) else { throw ValidationError("--data-threads \(dataThreads): give 1 to 64") }
    }

    /// The MTU to give the device carrying `configs`: `--tun-mtu`, else derived from the paths.
    func mtu(for configs: [PeerConfig]) -> Int { tunMTU ?? TunMTU.derived(for: configs) }

    /// Creates the device `name` with the offloads asked for.
    func open(_ name: String) throws -> TunDevice {
        try TunDevice(name: name, offloads: tunOffload ? .all : [], queues: dataThreads)
    }
}
