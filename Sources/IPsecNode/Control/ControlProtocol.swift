/// The protocol between `ikev1 ctl` and a running node on its control socket (README.md,
/// "Gateway"): one request line, one response, then the connection closes.
///
///     request  = "IKEV1CTL/1 " command LF                 (at most 512 bytes)
///     command  = "status" | "status json" | ("initiate" | "terminate" | "rekey") SP name | "reload"
///     name     = 1*64 ( ALPHA / DIGIT / "-" / "_" / "." )
///     response = "IKEV1CTL/1 ok" LF body  |  "IKEV1CTL/1 error " reason LF
///
/// A request in another version is answered with an error naming the version the node speaks.
public enum ControlRequest: Equatable, Sendable {
    /// The SAs of every connection: Cisco-style tables, or JSON with the same fields.
    case status(json: Bool)
    /// Start a connection.
    case initiate(String)
    /// End a connection: its SAs deleted, the peer told.
    case terminate(String)
    /// Rekey a connection's IPsec SAs now.
    case rekey(String)
    /// Read the config file again and apply it without dropping unchanged connections' SAs.
    case reload

    /// The protocol's name and version, first on every line.
    public static let version = "IKEV1CTL/1"
    /// The longest request line, its LF included.
    public static let maximumLength = 512

    /// A request line that is not one of the above.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// What is wrong with it.
        public var description: String
    }

    /// Parses one request line (without or with its LF).
    public init(line: some StringProtocol) throws(ParseError) {
        var text = Substring(line)
        if text.last == "\n" { text = text.dropLast() }
        guard text.utf8.count < Self.maximumLength else { throw ParseError(description: "request longer than \(Self.maximumLength) bytes") }
        guard !text.contains("\n"), !text.contains("\r"), !text.contains("\0") else {
            throw ParseError(description: "a request is one line")
        }
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        guard let version = words.first, version == Self.version else {
            throw ParseError(description: "not a \(Self.version) request")
        }
        let command = words.dropFirst().map(String.init)
        func name() throws(ParseError) -> String {
            guard command.count == 2, Self.isName(command[1]) else {
                throw ParseError(description: "\(command[0]) takes one connection name (letters, digits, - _ ., at most 64)")
            }
            return command[1]
        }
        switch command.first {
        case "status" where command == ["status"]: self = .status(json: false)
        case "status" where command == ["status", "json"]: self = .status(json: true)
        case "initiate": self = .initiate(try name())
        case "terminate": self = .terminate(try name())
        case "rekey": self = .rekey(try name())
        case "reload" where command.count == 1: self = .reload
        default:
            throw ParseError(description: "unknown command \"\(command.joined(separator: " ").prefix(40))\": "
                             + "status [json], initiate NAME, terminate NAME, rekey NAME or reload")
        }
    }

    /// The request as a line, LF included.
    public var line: String {
        let command = switch self {
        case .status(let json): json ? "status json" : "status"
        case .initiate(let n): "initiate \(n)"
        case .terminate(let n): "terminate \(n)"
        case .rekey(let n): "rekey \(n)"
        case .reload: "reload"
        }
        return "\(Self.version) \(command)\n"
    }

    /// A connection name the protocol carries: what a config file's `[conn NAME]` may hold.
    public static func isName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}

/// The node's answer to a ``ControlRequest``.
public enum ControlResponse: Equatable, Sendable {
    /// Done; `body` is what the command prints (status tables or JSON; may be empty).
    case ok(String)
    /// Refused or failed, with the reason in one line.
    case error(String)

    /// The response as sent.
    public var text: String {
        switch self {
        case .ok(let body): "\(ControlRequest.version) ok\n" + body
        case .error(let reason): "\(ControlRequest.version) error \(reason.split(whereSeparator: \.isNewline).joined(separator: " "))\n"
        }
    }

    /// Parses what a node sent back (the whole stream up to its close).
    public init(text: String) throws(ControlRequest.ParseError) {
        guard let newline = text.firstIndex(of: "\n") else { throw ControlRequest.ParseError(description: "no response line") }
        let head = text[..<newline], body = String(text[text.index(after: newline)...])
        if head == "\(ControlRequest.version) ok" {
            self = .ok(body)
        } else if head.hasPrefix("\(ControlRequest.version) error ") {
            self = .error(String(head.dropFirst("\(ControlRequest.version) error ".count)))
        } else {
            throw ControlRequest.ParseError(description: "not a \(ControlRequest.version) response: \(head.prefix(60))")
        }
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
