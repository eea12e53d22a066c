import ArgumentParser
import IPsecNode

/// How the TUN device is set up: shared by `connect`, `respond` and `run`.
struct TunOptions: ParsableArguments {
    @Option(help: "The TUN device's MTU: inner packets up to this size are sealed; with ESP's overhead they must fit the outer link's MTU.")
    var tunMTU: Int = 1400
    @Option(help: "Data threads: the TUN device gets one queue per thread (IFF_MULTI_QUEUE) and the kernel spreads flows over them; the first thread also serves the sockets.")
    var dataThreads: Int = 1
    @Flag(inversion: .prefixedNo,
          help: "TUN offloads (IFF_VNET_HDR): TCP/UDP super-segments from the kernel, cut before sealing; received TCP segments merged before delivery.")
    var tunOffload = true

    func validate() throws {
        guard (576...65_535).contains(tunMTU) else { throw ValidationError("--tun-mtu \(tunMTU): give 576 to 65535") }
        guard (1...64).contains(dataThreads) else { throw ValidationError("--data-threads \(dataThreads): give 1 to 64") }
    }

    /// Creates the device `name` with the offloads asked for.
    func open(_ name: String) throws -> TunDevice {
        try TunDevice(name: name, offloads: tunOffload ? .all : [], queues: dataThreads)
    }
}
