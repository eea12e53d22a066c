#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A failure on the control socket, in a sentence.
public struct ControlSocketError: Error, CustomStringConvertible, Sendable {
    /// What failed and why.
    public var description: String
}

/// The node's control socket (README.md, "Gateway"): a Unix stream socket only root may open
/// (the file is mode 0600, its directory 0700, and the peer's credentials are checked), one
/// ``ControlRequest`` per connection, served one at a time on a thread of its own. A client that
/// sends nothing for 5 s, more than one line, or something else is answered with an error and
/// dropped; nothing it sends is kept.
public final class ControlServer: @unchecked Sendable {
    /// The socket's path.
    public let path: String
    private let fd: Int32
    private let handler: @Sendable (ControlRequest) -> ControlResponse
    private let lock = NSLock()
    private var stopped = false

    /// The default path: under /run, as charon's.
    public static let defaultPath = "/run/ikev1/ikev1.ctl"

    /// Creates the socket at `path` (its directory made mode 0700 if missing; a stale socket file
    /// left by a node that is gone is replaced, a live one is refused). `handler` answers each
    /// request, on the server's thread.
    public init(path: String, handler: @escaping @Sendable (ControlRequest) -> ControlResponse) throws(ControlSocketError) {
        var (fd, address) = try UnixSocket.stream(path)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            guard mkdir(directory, 0o700) == 0 else {
                close(fd)
                throw ControlSocketError(description: "mkdir \(directory): \(String(cString: strerror(errno)))")
            }
        }
        if Self.someoneListens(at: path) {
            close(fd)
            throw ControlSocketError(description: "another node answers on \(path)")
        }
        unlink(path)
        // The file is created 0600: umask for the bind, then chmod to be sure.
        let old = umask(0o177)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard rc == 0, chmod(path, 0o600) == 0, listen(fd, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ControlSocketError(description: "control socket \(path): \(reason)")
        }
        self.fd = fd
        self.path = path
        self.handler = handler
    }

    deinit { stop() }

    /// Serves requests on a new thread until ``stop()``.
    public func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "ikev1-control"
        thread.start()
    }

    /// Closes the socket and removes its file.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func serve() {
        while !isStopped {
            let client = accept(fd, nil, nil)
            guard client >= 0 else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            answer(client)
            close(client)
        }
    }

    private func answer(_ client: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let response: ControlResponse
        if let uid = Self.peerUID(client), uid != 0, uid != geteuid() {
            response = .error("permission denied: only root controls the node")
        } else {
            switch Self.readLine(client) {
            case .success(let line):
                do { response = handler(try ControlRequest(line: line)) } catch { response = .error(error.description) }
            case .failure(let error):
                response = .error(error.description)
            }
        }
        let bytes = Array(response.text.utf8)
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a client gone is an error here, not a SIGPIPE that ends the node.
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    /// One line, at most ``ControlRequest/maximumLength`` bytes.
    private static func readLine(_ client: Int32) -> Result<String, ControlSocketError> {
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: ControlRequest.maximumLength)
        while line.count < ControlRequest.maximumLength {
            let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, ControlRequest.maximumLength - line.count) }
            if n <= 0 { return .failure(ControlSocketError(description: n == 0 ? "the request ended before its line did" : "no request within 5 s")) }
            line += buffer[..<n]
            if let end = line.firstIndex(of: 10) {
                guard end == line.count - 1 else { return .failure(ControlSocketError(description: "one request per connection")) }
                return .success(String(decoding: line, as: UTF8.self))
            }
        }
        return .failure(ControlSocketError(description: "request longer than \(ControlRequest.maximumLength) bytes"))
    }

    /// The user ID of the process on the other end (Linux SO_PEERCRED); nil where unknown.
    private static func peerUID(_ client: Int32) -> uid_t? {
        #if canImport(Glibc)
        // struct ucred (pid, uid, gid), which glibc declares only under _GNU_SOURCE.
        var credentials: (pid: pid_t, uid: uid_t, gid: gid_t) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(pid_t, uid_t, gid_t)>.size)
        guard getsockopt(client, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else { return nil }
        return credentials.uid
        #else
        return nil
        #endif
    }

    private static func someoneListens(at path: String) -> Bool {
        (try? ControlClient.connect(path)).map { close($0); return true } ?? false
    }
}

/// The `ikev1 ctl` side of the control socket.
public enum ControlClient {
    /// Sends `request` to the node at `path` and returns its response.
    public static func send(_ request: ControlRequest, to path: String) throws(ControlSocketError) -> ControlResponse {
        let fd = try connect(path)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let line = Array(request.line.utf8)
        guard line.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == line.count else {
            throw ControlSocketError(description: "sending to \(path): \(String(cString: strerror(errno)))")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            guard n > 0 else { throw ControlSocketError(description: "reading from \(path): \(String(cString: strerror(errno)))") }
            received += buffer[..<n]
        }
        do { return try ControlResponse(text: String(decoding: received, as: UTF8.self)) } catch {
            throw ControlSocketError(description: "\(path): \(error)")
        }
    }

    static func connect(_ path: String) throws(ControlSocketError) -> Int32 {
        var (fd, address) = try UnixSocket.stream(path)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let reason = errno == EACCES ? "permission denied (the node's control socket is root's)" : String(cString: strerror(errno))
            close(fd)
            throw ControlSocketError(description: "cannot reach a node at \(path): \(reason)")
        }
        return fd
    }
}

/// A Unix stream socket and the address of `path`, for the server and the client alike.
private enum UnixSocket {
    static func stream(_ path: String) throws(ControlSocketError) -> (Int32, sockaddr_un) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !path.isEmpty, path.utf8.count < capacity else {
            throw ControlSocketError(description: "control socket path \(path) is empty or longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ControlSocketError(description: "socket: \(String(cString: strerror(errno)))") }
        return (fd, address)
    }
}
