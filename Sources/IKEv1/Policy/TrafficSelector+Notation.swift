import ISAKMPWire

// swanctl.conf's traffic selector notation (`local_ts`, `remote_ts`; strongSwan's vici_config.c
// parse_ts), restricted to what an IKEv1 client ID can carry (RFC 2407 §4.6.2):
//
//   selector := [address] ["[" protocol ["/" port] "]"]
//   address  := ADDR | ADDR "/" PREFIX-LENGTH | ADDR "/" NETMASK | ADDR "-" ADDR | "dynamic"
//   protocol := a name below | 0-255 | "any" | "%any"
//   port     := a service name below | 0-65535 | "any" | "%any"
//
// An omitted address is `dynamic`. An ID payload holds one port, so swanctl's port ranges
// (`1024-65535`) and `opaque` are refused.
extension TrafficSelector {
    /// Why a selector's text is not one: a kind (equal by kind) and a reason for people.
    public struct NotationError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The kind of mistake.
        public struct Kind: Hashable, Sendable, CustomStringConvertible {
            let name: String
            /// The kind's name, e.g. `prefixLength`.
            public var description: String { name }
            /// Empty text, an unclosed `[`, or text after `]`.
            public static let syntax = Kind(name: "syntax")
            /// Not an IPv4 or IPv6 address.
            public static let address = Kind(name: "address")
            /// A prefix length beyond the family's bits, or a netmask with holes.
            public static let prefixLength = Kind(name: "prefixLength")
            /// An address and its netmask, or a range's two ends, of different families.
            public static let addressFamily = Kind(name: "addressFamily")
            /// A range that ends before it starts.
            public static let range = Kind(name: "range")
            /// An unknown protocol name, or a number above 255.
            public static let ipProtocol = Kind(name: "ipProtocol")
            /// An unknown service, a number above 65535, or a port range.
            public static let port = Kind(name: "port")
            /// A port on a protocol without ports (any, gre, icmp ...).
            public static let protocolWithoutPorts = Kind(name: "protocolWithoutPorts")
            /// `dynamic` where the address it stands for is not known.
            public static let dynamic = Kind(name: "dynamic")
        }

        /// The kind.
        public let kind: Kind
        /// What is wrong, naming the part of the text.
        public let reason: String

        init(_ kind: Kind, _ reason: String) {
            self.kind = kind
            self.reason = reason
        }

        /// Equal when the kinds are equal; the reason is not compared.
        public static func == (a: NotationError, b: NotationError) -> Bool { a.kind == b.kind }
        /// Hashes the kind only, as `==` compares it.
        public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
        /// `<kind>: <reason>`.
        public var description: String { "\(kind): \(reason)" }
    }

    /// Protocol names as `/etc/protocols` spells them (and `icmpv6`); the first of a number is printed.
    static let protocolNames: [(name: String, number: UInt8)] = [
        ("icmp", 1), ("tcp", 6), ("udp", 17), ("gre", 47), ("esp", 50), ("ah", 51),
        ("ipv6-icmp", 58), ("icmpv6", 58), ("sctp", 132),
    ]

    /// Protocols with 16-bit ports: TCP, UDP, DCCP, SCTP, UDP-Lite.
    static let protocolsWithPorts: Set<UInt8> = [6, 17, 33, 132, 136]

    /// A few service names as `/etc/services` spells them.
    static let serviceNames: [(name: String, port: UInt16)] = [
        ("domain", 53), ("http", 80), ("https", 443), ("isakmp", 500), ("l2tp", 1701), ("ipsec-nat-t", 4500),
    ]

    /// `any`, a name of ``protocolNames``, or the number.
    static func protocolName(_ number: UInt8) -> String {
        number == 0 ? "any" : protocolNames.first { $0.number == number }?.name ?? "\(number)"
    }

    /// Parses swanctl's notation: `10.1.0.0/24`, `192.0.2.1` (one host), `2001:db8::/64`,
    /// `10.1.0.0/255.255.255.0`, `10.1.0.1-10.1.0.9`, each optionally followed by `[gre]`,
    /// `[udp/1701]`, `[tcp/http]`, `[47]` or `[udp/%any]`. `dynamic`, or no address at all
    /// (`[udp/1701]`), stands for `host`: the IKE address of that side.
    public init(notation text: String, dynamic host: [UInt8]? = nil) throws(NotationError) {
        guard !text.isEmpty else { throw NotationError(.syntax, "a selector is not empty") }
        var address = Substring(text)
        var ipProtocol: UInt8 = 0, port: UInt16 = 0
        if let open = address.firstIndex(of: "[") {
            let suffix = address[address.index(after: open)...]
            guard let close = suffix.firstIndex(of: "]"), suffix.index(after: close) == suffix.endIndex else {
                throw NotationError(.syntax, "\(address[open...]) is not [protocol] or [protocol/port]: a selector ends with ]")
            }
            let parts = suffix[..<close].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            ipProtocol = try Self.protocolNumber(parts[0])
            if parts.count == 2 { port = try Self.portNumber(parts[1], ipProtocol: ipProtocol) }
            address = address[..<open]
        }
        guard !address.contains("]") else { throw NotationError(.syntax, "\(text) has a ] without a [") }
        self.init(try Self.identity(address, dynamic: host), ipProtocol: ipProtocol, port: port)
    }

    static func protocolNumber(_ text: Substring) throws(NotationError) -> UInt8 {
        if text == "any" || text == "%any" { return 0 }
        if let known = protocolNames.first(where: { $0.name == text.lowercased() }) { return known.number }
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let n = UInt8(text) else { throw NotationError(.ipProtocol, "protocol \(text) is not between 0 and 255") }
            return n
        }
        throw NotationError(.ipProtocol, "unknown protocol \"\(text)\": give a number 0-255, any, or one of "
                            + protocolNames.map(\.name).joined(separator: ", "))
    }

    static func portNumber(_ text: Substring, ipProtocol: UInt8) throws(NotationError) -> UInt16 {
        if text == "any" || text == "%any" { return 0 }
        let port: UInt16
        if let known = serviceNames.first(where: { $0.name == text.lowercased() }) {
            port = known.port
        } else if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let n = UInt16(text) else { throw NotationError(.port, "port \(text) is not between 0 and 65535") }
            port = n
        } else if text.split(separator: "-", omittingEmptySubsequences: false).count == 2,
                  text.allSatisfy({ $0 == "-" || ($0.isASCII && $0.isNumber) }) {
            throw NotationError(.port, "port range \(text): an IKEv1 client ID holds one port (RFC 2407 §4.6.2)")
        } else {
            throw NotationError(.port, "unknown service \"\(text)\": give a port 0-65535, %any, or one of "
                                + serviceNames.map(\.name).joined(separator: ", "))
        }
        guard port == 0 || protocolsWithPorts.contains(ipProtocol) else {
            throw NotationError(.protocolWithoutPorts, ipProtocol == 0
                                ? "port \(text) needs a protocol with ports (tcp, udp, sctp), not any"
                                : "protocol \(protocolName(ipProtocol)) has no ports, but port \(text) is given")
        }
        return port
    }

    static func identity(_ text: Substring, dynamic host: [UInt8]?) throws(NotationError) -> Identity {
        func address(_ s: Substring) throws(NotationError) -> [UInt8] {
            guard let a = IPAddressText.parse(s) else { throw NotationError(.address, "\"\(s)\" is not an IPv4 or IPv6 address") }
            return a
        }
        func family(_ a: [UInt8]) -> String { a.count == 4 ? "IPv4" : "IPv6" }
        if text.isEmpty || text == "dynamic" {
            guard let host else { throw NotationError(.dynamic, "dynamic stands for this side's IKE address, which is not known") }
            return host.count == 4 ? .ipv4(host) : .ipv6(host)
        }
        if let dash = text.firstIndex(of: "-") {
            let first = try address(text[..<dash]), last = try address(text[text.index(after: dash)...])
            guard first.count == last.count else {
                throw NotationError(.addressFamily, "range \(text) goes from an \(family(first)) to an \(family(last)) address")
            }
            guard !last.lexicographicallyPrecedes(first) else { throw NotationError(.range, "range \(text) ends before it starts") }
            return first.count == 4 ? .ipv4Range(start: first, end: last) : .ipv6Range(start: first, end: last)
        }
        guard let slash = text.firstIndex(of: "/") else {
            let a = try address(text)
            return a.count == 4 ? .ipv4(a) : .ipv6(a)
        }
        let a = try address(text[..<slash]), after = text[text.index(after: slash)...]
        let bits = a.count * 8
        let mask: [UInt8]
        if !after.isEmpty, after.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let length = Int(after), length <= bits else {
                throw NotationError(.prefixLength, "prefix length \(after) is more than \(bits), the bits of an \(family(a)) address")
            }
            mask = Self.mask(prefixLength: length, bytes: a.count)
        } else if let m = IPAddressText.parse(after) {
            guard m.count == a.count else {
                throw NotationError(.addressFamily, "netmask \(after) is \(family(m)), but address \(text[..<slash]) is \(family(a))")
            }
            guard IPAddressText.prefixLength(m) != nil else { throw NotationError(.prefixLength, "netmask \(after) has holes") }
            mask = m
        } else {
            throw NotationError(.prefixLength, "\"/\(after)\" is neither a prefix length 0-\(bits) nor a netmask")
        }
        let network = zip(a, mask).map { $0 & $1 }
        return a.count == 4 ? .ipv4Subnet(address: network, mask: mask) : .ipv6Subnet(address: network, mask: mask)
    }
}
