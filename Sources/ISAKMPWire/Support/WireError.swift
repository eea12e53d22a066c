/// A decoding failure: what was wrong, in which field, at which byte offset.
///
/// Errors are equal by ``code`` (the kind of failure), not by their text, so
/// tests and callers can match on the kind while people read the reason.
public struct WireError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: UInt8
        /// The input ended before a field it declares.
        public static let truncated = Code(rawValue: 1)
        /// A length field is smaller than its header or exceeds what encloses it.
        public static let badLength = Code(rawValue: 2)
        /// The ISAKMP major version is not 1.
        public static let unsupportedVersion = Code(rawValue: 3)
        /// A field holds a value the RFC forbids.
        public static let invalidValue = Code(rawValue: 4)
        /// A payload nests deeper or repeats more often than any real message does.
        public static let tooComplex = Code(rawValue: 5)

        /// The kind in words, e.g. "bad length".
        public var description: String {
            switch rawValue {
            case 1: "truncated"
            case 2: "bad length"
            case 3: "unsupported version"
            case 4: "invalid value"
            default: "too complex"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// The field that could not be decoded, e.g. `"SA.proposal[0].transform[1].length"`.
    public let field: String
    /// Offset of that field from the start of the buffer given to the decoder.
    public let offset: Int
    /// A sentence for people.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, field: String, offset: Int, reason: String) {
        self.code = code
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// The RFC 2408 §3.14.1 notify a responder answers this failure with.
    public var notifyType: NotifyMessageType {
        switch code {
        case .unsupportedVersion: .invalidMajorVersion
        default: .payloadMalformed
        }
    }

    /// Equal when the codes are equal; field, offset and reason are not compared.
    public static func == (lhs: WireError, rhs: WireError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `<field> at offset <n>: <reason>`.
    public var description: String { "\(field) at offset \(offset): \(reason)" }
}
