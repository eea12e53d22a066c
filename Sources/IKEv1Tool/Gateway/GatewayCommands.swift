import ArgumentParser
import IPsecNode

/// `ikev1 run`: every connection of a config file in one node, with a control socket.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every [conn] of a config file in one node (a gateway), controlled with `ikev1 ctl`; SIGHUP reloads.")

    @Option(help: "The config file: [conn NAME] sections (start_action = start|trap initiates one) and an optional [secrets] section.")
    var config: String
    @Option(help: "Our IKE address, ADDR[:PORT] (default: the connections' local =).")
    var listen: String?
    @Option(help: "The control socket (root only).")
    var control: String = ControlServer.defaultPath
    @Option(help: "Bring up this TUN device and route every connection's remote subnet through it.")
    var tun: String?
    @OptionGroup var tunOptions: TunOptions
    @Option(help: "Address for the TUN device (CIDR).")
    var tunAddress: String?

    func run() throws {
        let session: GatewaySession
        do { session = try GatewaySession(path: config, listen: listen, controlPath: control, tunName: tun, tunAddress: tunAddress, tunOptions: tunOptions) } catch {
            throw ValidationError(error.description)
        }
        let status = try session.run()
        if status != 0 { throw ExitCode(status) }
    }
}

/// `ikev1 ctl`: asks a running `ikev1 run` node.
struct ControlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Control a running `ikev1 run` node: status [--json] | initiate NAME | terminate NAME | rekey NAME | reload.")

    @Option(help: "The node's control socket.")
    var control: String = ControlServer.defaultPath
    @Flag(help: "status: JSON with the same fields as the tables.")
    var json = false
    @Argument(help: "status, initiate, terminate, rekey or reload.")
    var command: String
    @Argument(help: "The connection (initiate, terminate, rekey).")
    var name: String?

    func run() throws {
        let line = ([ControlRequest.version, command == "status" && json ? "status json" : command] + (name.map { [$0] } ?? []))
            .joined(separator: " ")
        let request: ControlRequest
        do { request = try ControlRequest(line: line) } catch { throw ValidationError(error.description) }
        let response: ControlResponse
        do { response = try ControlClient.send(request, to: control) } catch {
            throw ValidationError(error.description)
        }
        switch response {
        case .ok(let body): print(body, terminator: "")
        case .error(let reason):
            print("ikev1 ctl: \(reason)")
            throw ExitCode(1)
        }
    }
}
