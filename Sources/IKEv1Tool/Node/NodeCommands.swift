import ArgumentParser
import IKEv1Config

/// `ikev1 initiate`: negotiate Phase 1 and Quick Mode with a peer and print the status tables.
struct InitiateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "initiate",
        abstract: "Negotiate an ISAKMP SA and an IPsec SA with a peer (no data plane).")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Exit 0 once the IPsec SA is installed (non-zero with the reason on failure).")
    var once = false
    @Option(help: "With --once: give up after this many seconds.")
    var timeout: Double = 60

    func run() throws {
        let session = NodeSession(settings: try connection.settings(), role: .initiator, once: once)
        let status = try session.run(tunName: nil, tunAddress: nil, tunOptions: TunOptions(), timeout: once ? timeout : nil)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `ikev1 respond`: answer peers; with `--tun`, carry their traffic through a TUN device.
struct RespondCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "respond",
        abstract: "Answer IKEv1 peers until SIGINT/SIGTERM (or --once); --tun carries traffic through userspace ESP.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Our IKE address, ADDR[:PORT].")
    var listen: String?
    @Flag(help: "Exit 0 once an IPsec SA is installed.")
    var once = false
    @Option(help: "Bring up this TUN device and route the peer's subnet through it.")
    var tun: String?
    @OptionGroup var tunOptions: TunOptions
    @Option(help: "Address for the TUN device (CIDR), e.g. 203.0.113.1/32.")
    var tunAddress: String?
    @Option(help: "Write Wireshark's key tables (ikev1_decryption_table, esp_sa) of every SA created to this directory.")
    var exportWireshark: String?

    func run() throws {
        var settings = try connection.settings()
        if let listen { settings.local = listen }
        let session = NodeSession(settings: settings, role: .responder, once: once, exportDirectory: exportWireshark)
        let status = try session.run(tunName: tun, tunAddress: tunAddress, tunOptions: tunOptions, timeout: nil)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `ikev1 connect`: initiate and carry traffic through a TUN device until SIGINT/SIGTERM.
struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Initiate and tunnel the remote subnet through a TUN device with userspace ESP.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The TUN device to create.")
    var tun: String = "ikev1tun0"
    @OptionGroup var tunOptions: TunOptions
    @Option(help: "Address for the TUN device (CIDR), e.g. 198.51.100.1/32.")
    var tunAddress: String?
    @Option(help: "Write Wireshark's key tables (ikev1_decryption_table, esp_sa) of every SA created to this directory.")
    var exportWireshark: String?

    func run() throws {
        let session = NodeSession(settings: try connection.settings(), role: .initiator, once: false,
                                  exportDirectory: exportWireshark)
        let status = try session.run(tunName: tun, tunAddress: tunAddress, tunOptions: tunOptions, timeout: nil)
        if status != 0 { throw ExitCode(status) }
    }
}
