import Dispatch
import Foundation
import IPsecNode

/// SIGINT and SIGTERM ask a running node to stop (it deletes its SAs, telling the peers, and
/// `run` returns): what `connect`, `respond`, `initiate` and `run` share.
enum StopSignals {
    /// Installs the handlers; cancel the returned sources once the node has stopped.
    static func install(stopping runtime: IPsecNodeRuntime) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak runtime] in runtime?.stop() }
            source.resume()
            return source
        }
    }
}
