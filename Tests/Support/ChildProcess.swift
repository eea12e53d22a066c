import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program the tests run (openssl, gzip, tshark's script, Fuzz/run.sh, a peer's control script),
/// started with posix_spawn rather than Foundation's `Process`: tests run on libdispatch worker
/// threads, which block every signal, and a child inherits that mask, so a child that waits for
/// SIGTERM (dumpcap, a netem helper) never sees it. The child here gets an empty signal mask and
/// default handlers, standard input from /dev/null, and no descriptor of ours but its output pipe.
///
/// Tests that wait for a long child (the interop scripts, the fuzz runs, the docs build) use the
/// `async` ``run(_:_:output:)-swift.type.method``: Swift Testing runs every test on the cooperative
/// pool, which has one thread per core, and two blocked waits there starve every async test beside
/// them for minutes.
public final class ChildProcess: @unchecked Sendable {   // used by one thread at a time
    /// Where the child's standard output and error go.
    public enum Output: Sendable {
        /// Standard output captured, standard error with it.
        case combined
        /// Standard output captured, standard error discarded.
        case standardOutputOnly
        /// Both discarded.
        case discarded
    }

    /// How a finished child ended and what it printed.
    public struct Result: Sendable {
        /// The exit status, or 128 + the number of the signal that ended it.
        public var status: Int32
        /// What it printed (see `Output`).
        public var output: [UInt8]
        /// `output` as UTF-8 text.
        public var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// The child's process ID.
    public let pid: pid_t
    private var outputDescriptor: Int32?
    private var finishedStatus: Int32?

    /// Starts `executable` (a path: see `find`) with `arguments` and returns at once.
    public init(_ executable: String, _ arguments: [String], output: Output = .combined) throws {
        var pipeEnds: [Int32] = [-1, -1]
        if output != .discarded {
            guard pipe(&pipeEnds) == 0 else { throw ChildProcessError(executable, errno) }
            for fd in pipeEnds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }   // not into other tests' children
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch output {
        case .combined:
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        case .standardOutputOnly:
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .discarded:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        if output != .discarded { close(pipeEnds[1]) }
        guard spawned == 0 else {
            if output != .discarded { close(pipeEnds[0]) }
            throw ChildProcessError(executable, spawned)
        }
        self.pid = pid
        outputDescriptor = output == .discarded ? nil : pipeEnds[0]
    }

    deinit {
        if let outputDescriptor { close(outputDescriptor) }
    }

    /// Runs `executable` with `arguments` to its end.
    public static func run(_ executable: String, _ arguments: [String], output: Output = .combined) throws -> Result {
        try ChildProcess(executable, arguments, output: output).wait()
    }

    /// Runs `executable` with `arguments` to its end, waiting on a thread of its own rather than on
    /// one of the cooperative pool's.
    public static func run(_ executable: String, _ arguments: [String], output: Output = .combined) async throws -> Result {
        let child = try ChildProcess(executable, arguments, output: output)
        return await withCheckedContinuation { finished in
            Thread { finished.resume(returning: child.wait()) }.start()
        }
    }

    /// Reads the child's output to its end, then waits for it to exit.
    public func wait() -> Result {
        var output: [UInt8] = []
        if let fd = outputDescriptor {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 { output += chunk[..<n] } else if n == 0 || errno != EINTR { break }
            }
            close(fd)
            outputDescriptor = nil
        }
        while finishedStatus == nil { reap(options: 0) }
        return Result(status: finishedStatus ?? 0, output: output)
    }

    /// True until the child has exited (output not captured: a child that fills its pipe waits for `wait`).
    public var isRunning: Bool {
        if finishedStatus == nil { reap(options: WNOHANG) }
        return finishedStatus == nil
    }

    private func reap(options: Int32) {
        var status: Int32 = 0
        let r = waitpid(pid, &status, options)
        if r == pid {
            // WIFEXITED / WEXITSTATUS, or 128 + the signal that ended it.
            finishedStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
        } else if r < 0 && errno != EINTR {
            finishedStatus = -1
        }
    }

    /// The path of the first executable `name` in the directories of PATH (/usr/bin and /bin when unset).
    public static func find(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// The openssl command line tool, when installed.
    public static let openssl = find("openssl")
}

/// A child that could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    /// The program.
    public var executable: String
    /// The `errno` value.
    public var code: Int32

    init(_ executable: String, _ code: Int32) {
        self.executable = executable
        self.code = code
    }

    /// Names the program and the reason.
    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}
