import IKEv1Config
import IKEv1

/// The `ikev1` config-file parser on arbitrary text, then each connection it yields through the
/// builder of the engine's `PeerConfig`, as initiator and as responder (identities, traffic
/// selectors, proposals, validation). `psk_file` reads a fixed stand-in (a path containing
/// "missing" does not exist); `psk_env` knows LAB_PSK.
/// Invariants: a parse names a line inside the text; every parsed connection has a PSK and a
/// name, and its name is unique.
enum ConfigTarget {
    static let local = SocketAddress("192.0.2.1", defaultPort: 500)!

    static func run(_ bytes: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        // Lines as the parser counts them ("\r\n" is one Character and ends a line too).
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.count
        let connections: [ConnectionSettings]
        do {
            connections = try ConfigFile.parse(text, readFile: { $0.contains("missing") ? nil : Array("secret\r\n".utf8) },
                                               environment: ["LAB_PSK": "s3cret"])
        } catch {
            try FuzzViolation.check(error.line >= 1 && error.line <= lines, "error on line \(error.line) of \(lines)")
            return .rejected(error)
        }
        try FuzzViolation.check(!connections.isEmpty && connections.allSatisfy { $0.psk != nil },
                                "a parsed connection without a PSK")
        try FuzzViolation.check(Set(connections.map(\.name)).count == connections.count, "two connections share a name")
        // Accepted when every connection makes a configuration in at least one role.
        for c in connections {
            var refusal: PeerConfigBuilder.Error?
            var built = false
            for responder in [false, true] {
                do { _ = try PeerConfigBuilder.build(c, local: local, responder: responder); built = true } catch { refusal = error }
            }
            if !built, let refusal { return .rejected(refusal) }
        }
        return .accepted
    }
}
