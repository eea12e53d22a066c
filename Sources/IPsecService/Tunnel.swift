import Dispatch
import Foundation
public import IKEv1
public import IPsecNode
public import Logging
public import CoreMetrics
public import IPsecCrypto
public import ServiceLifecycle

/// An IKEv1/IPsec node as an async service: the connections of `configs` answered and started on
/// our IKE address, what happens to their SAs as an `AsyncSequence` (``events``), log records
/// through swift-log and counters through swift-metrics.
///
/// ```swift
/// let tunnel = try Tunnel(configs: [config], ikeAddress: local, logger: logger)
/// let group = ServiceGroup(services: [tunnel], gracefulShutdownSignals: [.sigterm], logger: logger)
/// tunnel.initiate(config.name)
/// try await group.run()          // SIGTERM: every SA deleted, the peer told, then run returns
/// ```
///
/// ``run()`` runs the node's control plane on a thread of its own (and the data plane on
/// another, as `IPsecNodeRuntime` does): events, logs and metrics are made on the control
/// thread from the node's reports and its counters, read periodically, so the packet path pays
/// nothing for them. Cancelling ``run()``, a graceful shutdown of its `ServiceGroup`, or
/// ``shutdown()`` deletes every SA, sending Deletes to the peers, and then ``run()`` returns.
public final class Tunnel: Service, Sendable {
    /// How the tunnel reports.
    public struct Options: Sendable {
        /// How often a ``TunnelEvent/statistics(_:)`` event is made and the metrics published;
        /// nil: only once, when the tunnel stops.
        public var statisticsInterval: Duration?
        /// Where metrics go; nil: the process's bootstrapped `MetricsSystem.factory`.
        public var metricsFactory: (any MetricsFactory)?
        /// Events kept for a consumer that falls behind; beyond them the oldest are dropped.
        public var eventBuffer: Int
        /// Called with each of the node's reports on its control thread, before the report becomes an
        /// event: for an owner that must act before the data plane does (transport mode's routing on
        /// `IPsecNodeRuntime/Report/installing(_:)`) or read the node's state at that moment (status tables).
        public var onReport: (@Sendable (IPsecNodeRuntime.Report, IPsecNodeRuntime) -> Void)?

        /// Options: statistics every 10 s, the bootstrapped metrics backend, 4096 events buffered.
        public init(statisticsInterval: Duration? = .seconds(10), metricsFactory: (any MetricsFactory)? = nil, eventBuffer: Int = 4096,
                    onReport: (@Sendable (IPsecNodeRuntime.Report, IPsecNodeRuntime) -> Void)? = nil) {
            self.statisticsInterval = statisticsInterval
            self.metricsFactory = metricsFactory
            self.eventBuffer = eventBuffer
            self.onReport = onReport
        }
    }

    /// What happens to the SAs, until ``run()`` returns (then the sequence ends). One consumer.
    public let events: AsyncStream<TunnelEvent>
    /// The node: for status (`IPsecNodeRuntime/onControlThread(_:)`), traps and counters.
    public let runtime: IPsecNodeRuntime
    private let observer: TunnelObserver
    private let options: Options
    private let logger: Logger
    private let started = NSLock()
    private nonisolated(unsafe) var running = false

    /// Opens the node's sockets (as `IPsecNodeRuntime/init(configs:limits:ikeAddress:natTPort:tun:mark:entropy:report:)`);
    /// nothing is sent before ``run()``.
    public init(configs: [PeerConfig], limits: ResponderLimits = ResponderLimits(), ikeAddress: SocketAddress,
                natTPort: UInt16 = 4500, tun: TunDevice? = nil, mark: UInt32 = 0, entropy: any EntropySource = SystemEntropy(),
                options: Options = Options(), logger: Logger) throws {
        let (stream, continuation) = AsyncStream<TunnelEvent>.makeStream(bufferingPolicy: .bufferingNewest(options.eventBuffer))
        let metrics = TunnelMetrics(factory: options.metricsFactory ?? MetricsSystem.factory)
        let observer = TunnelObserver(logger: logger, metrics: metrics, continuation: continuation)
        let node = NodeBox()
        let onReport = options.onReport
        runtime = try IPsecNodeRuntime(configs: configs, limits: limits, ikeAddress: ikeAddress, natTPort: natTPort, tun: tun,
                                       mark: mark, entropy: entropy) { report in
            guard let runtime = node.runtime else { return }
            onReport?(report, runtime)
            observer.handle(report, runtime)
        }
        node.runtime = runtime
        events = stream
        self.observer = observer
        self.options = options
        self.logger = logger
    }

    /// Starts `connection` (thread-safe; before ``run()`` it starts when the node does).
    public func initiate(_ connection: String) {
        observer.initiating(connection)
        runtime.initiate(connection)
    }

    /// Ends `connection`: its SAs deleted, the peer told (thread-safe).
    public func terminate(_ connection: String) { runtime.terminate(connection) }

    /// Rekeys `connection`'s IPsec SAs now (thread-safe).
    public func rekey(_ connection: String) { runtime.rekey(connection) }

    /// Deletes every SA, telling the peers, and makes ``run()`` return (thread-safe).
    public func shutdown() { runtime.stop() }

    /// Runs the node until ``shutdown()``, cancellation or the graceful shutdown of the
    /// `ServiceGroup` it runs in; then deletes every SA (Deletes sent) and returns. Call it once.
    public func run() async throws {
        started.withLock {
            precondition(!running, "Tunnel.run() called twice")
            running = true
        }
        let address = runtime.ikeAddress
        logger.info("node started", metadata: ["ikev1.local": "\(address)"])
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withDiscardingTaskGroup { group in
                    if let interval = options.statisticsInterval {
                        group.addTask { [runtime, observer] in
                            while (try? await Task.sleep(for: interval)) != nil {
                                runtime.onControlThread { observer.publish($0) }
                            }
                        }
                    }
                    await runControlPlane()
                    group.cancelAll()
                }
            } onCancel: { [runtime] in
                runtime.stop()
            }
        } onGracefulShutdown: { [runtime] in
            runtime.stop()
        }
        // The node has stopped: its state is read here, where no other thread changes it.
        observer.publish(runtime)
        logger.info("node stopped", metadata: ["ikev1.local": "\(address)"])
        observer.finish()
    }

    /// The node's blocking loop on a thread of its own, awaited.
    private func runControlPlane() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [runtime] in
                runtime.run()
                done.resume()
            }
            thread.name = "ikev1-control-plane"
            thread.start()
        }
    }
}

/// The runtime, for its own report closure (made before the runtime exists); set once, before
/// the node runs and reports anything.
private final class NodeBox: @unchecked Sendable {
    var runtime: IPsecNodeRuntime?
}
