import Foundation
import IPsecNode
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The control protocol (IKEV1CTL/1) and the control socket of `ikev1 run` (issue 19).
struct ControlProtocolTests {
    static let valid: [ControlRequest] = [
        .status(json: false), .status(json: true), .initiate("spoke-a"), .terminate("b.2_x"), .rekey("c"), .reload,
    ]

    @Test(arguments: try nonEmpty(valid))
    func requestsRoundTrip(_ request: ControlRequest) throws {
        #expect(try ControlRequest(line: request.line) == request)
        #expect(request.line.hasPrefix("IKEV1CTL/1 ") && request.line.hasSuffix("\n"))
    }

    @Test(arguments: try nonEmpty([
        ("status", "not a IKEV1CTL/1 request"),
        ("IKEV1CTL/2 status", "not a IKEV1CTL/1 request"),
        ("IKEV1CTL/1 stats", "unknown command \"stats\": status [json], initiate NAME, terminate NAME, rekey NAME or reload"),
        ("IKEV1CTL/1 status xml", "unknown command \"status xml\": status [json], initiate NAME, terminate NAME, rekey NAME or reload"),
        ("IKEV1CTL/1 initiate", "initiate takes one connection name (letters, digits, - _ ., at most 64)"),
        ("IKEV1CTL/1 terminate a b", "terminate takes one connection name (letters, digits, - _ ., at most 64)"),
        ("IKEV1CTL/1 rekey ../../etc", "rekey takes one connection name (letters, digits, - _ ., at most 64)"),
        ("IKEV1CTL/1 initiate " + String(repeating: "a", count: 65), "initiate takes one connection name (letters, digits, - _ ., at most 64)"),
        ("IKEV1CTL/1 reload now", "unknown command \"reload now\": status [json], initiate NAME, terminate NAME, rekey NAME or reload"),
        ("IKEV1CTL/1 status\r", "a request is one line"),
        ("IKEV1CTL/1 status\nIKEV1CTL/1 reload", "a request is one line"),
        (String(repeating: "x", count: 600), "request longer than 512 bytes"),
    ]))
    func malformedRequestsAreRefusedWithAReason(line: String, reason: String) {
        let error = #expect(throws: ControlRequest.ParseError.self) { try ControlRequest(line: line) }
        #expect(error?.description == reason)
    }

    @Test func responsesRoundTrip() throws {
        #expect(try ControlResponse(text: ControlResponse.ok("a\nb\n").text) == .ok("a\nb\n"))
        #expect(try ControlResponse(text: ControlResponse.error("no such\nthing").text) == .error("no such thing"))
        #expect(throws: ControlRequest.ParseError.self) { try ControlResponse(text: "HTTP/1.1 200 OK\n") }
        #expect(throws: ControlRequest.ParseError.self) { try ControlResponse(text: "") }
    }

    /// Mutations of valid requests (bytes flipped, inserted, deleted, lines cut or doubled, random
    /// bytes): the parser answers each with a request or a ParseError, and any request it accepts
    /// is one it would write the same way.
    @Test func mutatedRequestsNeverTrapAndAcceptOnlyWhatTheyCanWrite() {
        var rng = SplitMix64(seed: 19)
        let seeds = Self.valid.map { Array($0.line.utf8) }
        var accepted = 0, refused = 0
        for _ in 0..<50_000 {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + rng.next() % 4) {
                let i = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 6 {
                case 0 where !bytes.isEmpty: bytes[i] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
                case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                case 2 where !bytes.isEmpty: bytes.remove(at: i)
                case 3: bytes = Array(bytes.prefix(i))
                case 4: bytes += bytes
                default: bytes = (0..<(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
            }
            let line = String(decoding: bytes, as: UTF8.self)
            do {
                let request = try ControlRequest(line: line)
                #expect(request.line == line || request.line == line + "\n", "accepted \(bytes) as \(request)")
                accepted += 1
            } catch {
                refused += 1
            }
        }
        #expect(accepted > 0 && refused > 0)
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ikev1-ctl-\(UUID().uuidString.prefix(8))/ctl").path
    }

    /// A node's socket: root's alone (0600 in a 0700 directory), one request per connection, the
    /// handler's answer back; malformed requests answered with an error; the server lives on.
    @Test func theSocketAnswersRequestsAndRefusesMalformedOnes() throws {
        let path = Self.temporaryPath()
        let server = try ControlServer(path: path) { request in
            request == .status(json: false) ? .ok("all quiet\n") : .error("only status here")
        }
        server.start()
        defer { server.stop() }
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_uid == geteuid())
        #expect(stat((path as NSString).deletingLastPathComponent, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(try ControlClient.send(.status(json: false), to: path) == .ok("all quiet\n"))
        #expect(try ControlClient.send(.reload, to: path) == .error("only status here"))
        for garbage in ["GET / HTTP/1.1\n", "IKEV1CTL/1 status\nIKEV1CTL/1 status\n", String(repeating: "y", count: 2000)] {
            let reply = try Self.raw(garbage, to: path)
            #expect(reply.hasPrefix("IKEV1CTL/1 error "), "\(reply)")
        }
        #expect(try ControlClient.send(.status(json: false), to: path) == .ok("all quiet\n"))
        // A second node on the same path is refused while this one answers.
        #expect(throws: ControlSocketError.self) { _ = try ControlServer(path: path) { _ in .ok("") } }
    }

    @Test func aStaleSocketFileIsReplacedAndAMissingNodeIsAClearError() throws {
        let path = Self.temporaryPath()
        do {
            let first = try ControlServer(path: path) { _ in .ok("") }
            first.stop()
        }
        #expect(throws: ControlSocketError.self) { _ = try ControlClient.send(.reload, to: path) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)   // a socket file nobody listens on: what a killed node leaves
        let server = try ControlServer(path: path) { _ in .ok("fresh\n") }
        server.start()
        defer { server.stop() }
        #expect(try ControlClient.send(.reload, to: path) == .ok("fresh\n"))
    }

    /// Sends raw bytes and reads the reply to the close.
    static func raw(_ text: String, to path: String) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        try #require(rc == 0)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var out: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            out += buffer[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A small deterministic generator for the mutations.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
