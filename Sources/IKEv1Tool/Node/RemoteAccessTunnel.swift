import Dispatch
import Foundation
import IPsecNode
import IKEv1
import ISAKMPWire

/// What `connect` and `respond` do on this host when a remote-access tunnel comes up or goes
/// (issue 16): the client puts its virtual IP on the TUN device and routes the split networks
/// (or everything but the gateway) through it; the gateway routes each client's virtual IP into
/// its TUN device; both run `--updown SCRIPT` with vpnc-script's variables (UpdownEnvironment).
/// A failing script or `ip` command is reported, never fatal to the tunnel.
final class RemoteAccessTunnel: @unchecked Sendable {
    enum Role { case client, gateway }

    let role: Role
    let tunName: String?
    let updown: String?
    let report: @Sendable (String) -> Void
    /// Scripts run one after another, off the control thread (a slow script never stalls IKE).
    private let scripts = DispatchQueue(label: "ikev1-updown")

    /// A virtual IP whose tunnel is up: how many child SAs carry it (a rekey overlaps two), the
    /// script's environment, and the commands that undo its routes.
    private struct Up {
        var children: Set<UInt32>
        var environment: UpdownEnvironment
        var undo: [[String]]
    }
    private var up: [[UInt8]: Up] = [:]

    init(role: Role, tunName: String?, updown: String?, report: @escaping @Sendable (String) -> Void) {
        self.role = role
        self.tunName = tunName
        self.updown = updown
        self.report = report
    }

    /// A child SA of a remote-access ISAKMP SA is installed: on the first one for its virtual IP,
    /// print what Mode Config gave, set up address and routes, run the script with `connect`.
    func installed(_ child: ChildSA, _ info: RemoteAccessInfo) {
        guard let vip = info.virtualIP else { return }
        if var existing = up[vip] {
            existing.children.insert(child.inbound.spi)
            up[vip] = existing
            return
        }
        let address = IPAddressText.format(vip)
        switch role {
        case .client:
            report("Mode Config from \(IPAddressText.format(child.remote.address)): virtual IP \(address)"
                   + (info.xauthUser.map { ", XAUTH user \($0)" } ?? ""))
            for a in info.attributes { report("  received \(a)") }
        case .gateway:
            report("virtual IP \(address) leased to \(info.xauthUser.map { "user \($0)" } ?? "a client") at \(child.remote)")
        }
        let gateway = role == .client ? child.remote.address : child.local.address
        let environment = UpdownEnvironment(gateway: gateway, tunnelDevice: tunName ?? "", attributes: info.attributes,
                                            inboundSPI: child.inbound.spi, outboundSPI: child.outbound.spi)
        let undo = tunName.map { configure(vip, tun: $0, info: info, gateway: gateway) } ?? []
        up[vip] = Up(children: [child.inbound.spi], environment: environment, undo: undo)
        run(environment, .connect)
    }

    /// A child SA is gone: when it was the last for its virtual IP, undo the routes and run the
    /// script with `disconnect`.
    func deleted(inboundSPI: UInt32) {
        guard let (vip, entry) = up.first(where: { $0.value.children.contains(inboundSPI) }) else { return }
        var left = entry
        left.children.remove(inboundSPI)
        guard left.children.isEmpty else {
            up[vip] = left
            return
        }
        up[vip] = nil
        for command in entry.undo { _ = try? Self.ip(command) }
        if role == .gateway { report("virtual IP \(IPAddressText.format(vip)) released") }
        run(entry.environment, .disconnect)
    }

    /// Waits for the scripts still running.
    func finish() { scripts.sync {} }

    /// The client's address and routes, or the gateway's route to the client; the commands that
    /// undo what does not go away with the TUN device.
    private func configure(_ vip: [UInt8], tun: String, info: RemoteAccessInfo, gateway: [UInt8]) -> [[String]] {
        let address = IPAddressText.format(vip)
        var undo: [[String]] = []
        var commands: [[String]] = []
        switch role {
        case .gateway:
            commands.append(["route", "replace", "\(address)/32", "dev", tun])
            undo.append(["route", "del", "\(address)/32", "dev", tun])
        case .client:
            commands.append(["addr", "replace", "\(address)/32", "dev", tun])
            let split = info.splitNetworks.map { "\(IPAddressText.format($0.address))/\($0.prefixLength ?? 32)" }
            if split.isEmpty {
                // Everything but the gateway: two halves of the address space beat the default
                // route without replacing it, and a host route keeps IKE and ESP off the tunnel.
                let peer = IPAddressText.format(gateway)
                if let path = try? Self.ip(["-4", "route", "get", peer]) {
                    let words = path.split(separator: " ").map(String.init)
                    var hostRoute = ["route", "replace", "\(peer)/32"]
                    if let i = words.firstIndex(of: "via"), i + 1 < words.count { hostRoute += ["via", words[i + 1]] }
                    if let i = words.firstIndex(of: "dev"), i + 1 < words.count { hostRoute += ["dev", words[i + 1]] }
                    commands.append(hostRoute)
                    undo.append(["route", "del", "\(peer)/32"])
                }
                for half in ["0.0.0.0/1", "128.0.0.0/1"] { commands.append(["route", "replace", half, "dev", tun, "src", address]) }
            } else {
                for net in split { commands.append(["route", "replace", net, "dev", tun, "src", address]) }
            }
            report("routing \(split.isEmpty ? "everything but \(IPAddressText.format(gateway))" : split.joined(separator: ", ")) through \(tun)")
        }
        for command in commands {
            do { _ = try Self.ip(command) } catch { report("warning: \(error)") }
        }
        return undo
    }

    private func run(_ environment: UpdownEnvironment, _ reason: UpdownReason) {
        guard let script = updown else { return }
        let variables = environment.variables(reason)
        let report = self.report
        scripts.async {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: script)
            p.environment = ProcessInfo.processInfo.environment.merging(variables) { $1 }
            do {
                try p.run()
                p.waitUntilExit()
                if p.terminationStatus != 0 { report("warning: updown \(script) \(reason.rawValue) exited with status \(p.terminationStatus)") }
            } catch {
                report("warning: updown \(script) \(reason.rawValue) could not run: \(error.localizedDescription)")
            }
        }
    }

    /// ip(8) through the node's runner (TunDevice).
    static func ip(_ arguments: [String]) throws -> String { try TunDevice.ipOutput(arguments) }
}
