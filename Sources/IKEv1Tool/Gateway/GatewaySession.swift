import ArgumentParser
import Dispatch
import Foundation
import IKEv1
import IKEv1Config
import IPsecNode
import ISAKMPWire

/// `ikev1 run`: every connection of a config file in one node (a hub), controlled through the
/// control socket (`ikev1 ctl`) and reloaded on `ctl reload` or SIGHUP without dropping the SAs
/// of connections that did not change.
final class GatewaySession: @unchecked Sendable {
    /// A config file read and turned into the engine's connections.
    struct Loaded {
        var settings: [ConnectionSettings]
        var configs: [PeerConfig]
        var local: SocketAddress

        /// The subnets routed into the TUN device: each tunnel-mode connection's remote selector.
        var routes: Set<String> {
            Set(configs.filter { $0.mode == .tunnel }.flatMap { $0.remoteTrafficSelector?.subnets.map(\.description) ?? [] })
        }
    }

    /// A config file the node cannot run, in a sentence naming the file, line or connection.
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    let listen: String?
    let controlPath: String
    let tunName: String?
    let tunAddress: String?
    let tunOptions: TunOptions
    private var runtime: IPsecNodeRuntime?
    private var tun: TunDevice?
    /// What runs now: replaced by a reload, on the control thread.
    private var current: Loaded
    private let reloadLock = NSLock()

    init(path: String, listen: String?, controlPath: String, tunName: String?, tunAddress: String?,
         tunOptions: TunOptions) throws(LoadError) {
        self.path = path
        self.listen = listen
        self.controlPath = controlPath
        self.tunName = tunName
        self.tunAddress = tunAddress
        self.tunOptions = tunOptions
        current = try Self.load(path, listen: listen, tun: tunName != nil)
    }

    /// Reads and checks the whole file: every mistake refuses it, naming the line or connection.
    static func load(_ path: String, listen: String?, tun: Bool) throws(LoadError) -> Loaded {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "cannot read \(path)") }
        let settings: [ConnectionSettings]
        do {
            settings = try ConfigFile.parse(String(decoding: data, as: UTF8.self),
                                            readFile: { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } },
                                            environment: ProcessInfo.processInfo.environment)
        } catch {
            throw LoadError(description: "\(path) \(error)")
        }
        // One node, one IKE address: --listen, or the `local` the connections agree on.
        let local: SocketAddress
        if let listen {
            guard let a = SocketAddress(listen, defaultPort: 500) else { throw LoadError(description: "--listen \(listen) is not an address") }
            local = a
        } else {
            let given = settings.compactMap { s in s.local.map { (s.name, $0) } }
            guard let (_, first) = given.first, let a = SocketAddress(first, defaultPort: 500) else {
                throw LoadError(description: "\(path): give our IKE address with --listen or `local =` in the connections")
            }
            local = a
        }
        for s in settings {
            guard let text = s.local else { continue }
            guard SocketAddress(text, defaultPort: 500) == local else {
                throw LoadError(description: "\(path): connection \(s.name) has local = \(text), but the node's IKE address is \(local): "
                                + "one node has one address")
            }
        }
        let traps = settings.filter { $0.startAction == .trap }.map(\.name)
        guard traps.count <= 1 else {
            throw LoadError(description: "\(path): start_action = trap in \(traps.joined(separator: ", ")): `run` traps one connection")
        }
        var configs: [PeerConfig] = []
        for s in settings {
            if tun, s.transport {
                throw LoadError(description: "\(path): connection \(s.name) is transport mode, which `run`'s TUN device does not carry "
                                + "(use `ikev1 respond --tun` or `connect`)")
            }
            let initiates = s.startAction == .start || s.startAction == .trap
            do { configs.append(try PeerConfigBuilder.build(s, local: local, responder: !initiates)) } catch {
                throw LoadError(description: "\(path): connection \(error)")
            }
        }
        return Loaded(settings: settings, configs: configs, local: local)
    }

    /// Runs until SIGINT/SIGTERM; returns the exit status.
    func run() throws -> Int32 {
        if let tunName {
            do {
                let device = try tunOptions.open(tunName)
                let mtu = tunOptions.mtu(for: current.configs)
                try device.configure(address: tunAddress, routes: current.routes.sorted(), mtu: mtu)
                tun = device
                print("TUN \(device.name) up, MTU \(mtu), routing \(current.routes.isEmpty ? "nothing" : current.routes.sorted().joined(separator: ", "))")
            } catch {
                throw NodeSession.Failed(description: "TUN device: \(error)")
            }
        }
        let runtime: IPsecNodeRuntime
        do {
            runtime = try IPsecNodeRuntime(configs: current.configs, limits: current.settings[0].limits, ikeAddress: current.local,
                                           tun: tun) { [weak self] report in self?.handle(report) }
        } catch {
            throw NodeSession.Failed(description: "\(error)")
        }
        self.runtime = runtime
        let control: ControlServer
        do {
            control = try ControlServer(path: controlPath) { [weak self] request in self?.answer(request) ?? .error("the node is stopping") }
        } catch {
            throw NodeSession.Failed(description: "\(error)")
        }
        control.start()
        print("gateway on \(current.local) (NAT-T \(IPAddressText.format(current.local.address)):4500): "
              + "\(current.configs.count) connection(s): \(current.configs.map(\.name).joined(separator: ", ")); control socket \(controlPath)")
        fflush(nil)
        let stops = StopSignals.install(stopping: runtime)
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { [weak self] in
            guard let self else { return }
            print("SIGHUP: " + Self.describe(reload()))
            fflush(nil)
        }
        hangup.resume()
        for c in current.settings { start(c, runtime) }
        runtime.run()
        hangup.cancel()
        stops.forEach { $0.cancel() }
        control.stop()
        let dataPlane = runtime.dataPlaneCounters
        if dataPlane.total > 0 { print("data plane dropped: \(dataPlane)") }
        self.runtime = nil
        return 0
    }

    private func start(_ s: ConnectionSettings, _ runtime: IPsecNodeRuntime) {
        switch s.startAction {
        case .start?: runtime.initiate(s.name)
        case .trap?: runtime.trap(s.name)
        case .none?, nil: break
        }
    }

    static func describe(_ response: ControlResponse) -> String {
        switch response {
        case .ok(let body): body.trimmingCharacters(in: .newlines)
        case .error(let reason): "refused: \(reason)"
        }
    }

    // MARK: The control socket

    /// Runs `body` on the node's control thread and waits for its result (at most 30 s).
    private func onControlThread<T>(_ body: @escaping @Sendable (IPsecNodeRuntime) -> T) -> T? {
        guard let runtime else { return nil }
        let box = ResultBox<T>(), done = DispatchSemaphore(value: 0)
        runtime.onControlThread { rt in
            box.value = body(rt)
            done.signal()
        }
        return done.wait(timeout: .now() + 30) == .success ? box.value : nil
    }

    /// Answers one request of `ikev1 ctl` (on the control socket's thread).
    func answer(_ request: ControlRequest) -> ControlResponse {
        let interface = tunName ?? "(no data plane)"
        switch request {
        case .status(let json):
            guard let status = onControlThread({ GatewayStatus($0, interface: interface) }) else { return .error("the node did not answer") }
            return .ok(json ? status.json.serialized() + "\n" : status.text)
        case .initiate(let name), .terminate(let name), .rekey(let name):
            let known = onControlThread { rt -> Bool in
                guard rt.configs.contains(where: { $0.name == name }) else { return false }
                switch request {
                case .initiate: rt.initiate(name)
                case .terminate: rt.terminate(name)
                default: rt.rekey(name)
                }
                return true
            }
            guard let known else { return .error("the node did not answer") }
            guard known else { return .error("no connection named \(name)") }
            let verb = switch request { case .initiate: "initiating"; case .terminate: "terminating"; default: "rekeying" }
            return .ok("\(verb) \(name)\n")
        case .reload:
            return reload()
        }
    }

    /// Reads the file again and applies it: added connections loaded (and started per
    /// start_action), removed ones terminated, changed ones used from their next negotiation,
    /// unchanged ones untouched. A file with an error changes nothing.
    func reload() -> ControlResponse {
        reloadLock.withLock {
            let new: Loaded
            do { new = try Self.load(path, listen: listen, tun: tunName != nil) } catch {
                return .error("reload refused, nothing changed: \(error)")
            }
            let outcome = onControlThread { [self] rt -> Result<String, IKEv1Error> in
                let old = current
                guard new.local == old.local else {
                    return .failure(IKEv1Error(.configuration, "the IKE address changed (\(old.local) to \(new.local)): restart the node"))
                }
                do throws(IKEv1Error) { try rt.replaceConfigs(new.configs) } catch { return .failure(error) }
                current = new
                for r in new.routes.subtracting(old.routes).sorted() { try? tun?.addRoute(r) }
                for r in old.routes.subtracting(new.routes).sorted() { try? tun?.removeRoute(r) }
                let before = Dictionary(old.settings.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                let added = new.settings.filter { before[$0.name] == nil }
                let changed = new.settings.filter { s in before[s.name].map { $0 != s } ?? false }.map(\.name)
                let removed = old.settings.map(\.name).filter { name in !new.settings.contains { $0.name == name } }
                for s in added { start(s, rt) }
                func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
                return .success("reloaded \(path): added \(list(added.map(\.name))); removed \(list(removed)); "
                                + "changed (from their next negotiation) \(list(changed)); \(new.configs.count) connection(s)\n")
            }
            switch outcome {
            case .success(let summary)?: return .ok(summary)
            case .failure(let error)?: return .error("reload refused, nothing changed: \(error.reason)")
            case nil: return .error("the node did not answer")
            }
        }
    }

    // MARK: Reports

    /// Runs on the control thread: one line per event, named by connection.
    private func handle(_ report: IPsecNodeRuntime.Report) {
        guard let runtime else { return }
        func connection(_ sa: ISAKMPSAID) -> String { runtime.isakmpSAs.first { $0.id == sa }?.peerName ?? "?" }
        switch report {
        case .established(let info):
            print("\(info.peerName): ISAKMP SA \(info.id)/\(info.cookieR) established with \(info.remote) "
                  + "(\(info.exchange.name ?? "?"), \(info.proposal)); \(StatusTables.peerAuthentication(info))")
        case .installing:
            break
        case .installed(let child):
            let local = child.localTrafficSelector?.description ?? IPAddressText.format(child.local.address)
            let remote = child.remoteTrafficSelector?.description ?? IPAddressText.format(child.remote.address)
            print("\(connection(child.isakmpSA)): IPsec SA installed: in 0x\(String(child.inbound.spi, radix: 16)) "
                  + "out 0x\(String(child.outbound.spi, radix: 16)) \(child.udpEncapsulated ? "ESP in UDP" : "raw ESP"), TS \(local) === \(remote)")
        case .childDeleted(let i, let o, let reason):
            print("IPsec SA deleted: in 0x\(String(i, radix: 16)) out 0x\(String(o, radix: 16)): \(reason)")
        case .isakmpDeleted(let id, let reason):
            print("ISAKMP SA \(id) deleted: \(reason)")
        case .peerMoved(let from, let to):
            print("peer \(from) moved to \(to) (NAT mapping changed)")
        case .notify(let n):
            print("\(connection(n.sa)): notify from peer: \(n.type)")
        case .failed(let f):
            print("failed: \(f)")
        case .warning(let w):
            print("warning: \(w)")
        }
        fflush(nil)
    }
}

/// A value handed from the control thread to the thread waiting for it (under a semaphore).
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
