import Foundation
import Logging

/// The CLI's output as a swift-log handler: each record's message on standard output as it
/// stands (the lines `ikev1 initiate`, `respond` and `connect` have always printed), then its
/// metadata as `key=value` pairs when it has any (the node's own records, `IKEV1_LOG_LEVEL`).
struct ConsoleLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let pairs = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        print("\(event.message)\(pairs)")
        fflush(nil)
    }

    /// The lines of a command: every record printed.
    static func output(_ label: String) -> Logger { Logger(label: label) { _ in ConsoleLogHandler() } }

    /// The node's structured records (IPsecService), printed at `IKEV1_LOG_LEVEL` (trace...critical)
    /// and above; none without it, since the command's own lines say the same.
    static func node(_ label: String) -> Logger {
        guard let level = ProcessInfo.processInfo.environment["IKEV1_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) else {
            return Logger(label: label) { _ in SwiftLogNoOpLogHandler() }
        }
        var logger = Logger(label: label) { _ in ConsoleLogHandler() }
        logger.logLevel = level
        return logger
    }
}
