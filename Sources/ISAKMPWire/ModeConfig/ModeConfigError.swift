/// A Mode Config, XAUTH or Unity attribute whose value its type does not allow: what is
/// wrong, with which attribute, and where in its payload's list.
///
/// Errors are equal by ``code``, like ``WireError``. Decoding the payload itself (an
/// attribute that runs past the payload's end) fails earlier, with a ``WireError``.
public struct ModeConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: UInt8
        /// The value has a length its type forbids (an IPv4 address of 3 bytes, a split-include
        /// list that is not a whole number of 14-byte entries).
        public static let wrongLength = Code(rawValue: 1)
        /// Sent in TV form where the type is variable, or in TLV form where it is basic.
        public static let wrongForm = Code(rawValue: 2)
        /// A value outside what the type defines (a PFS flag of 7).
        public static let invalidValue = Code(rawValue: 3)

        /// The kind in words: "wrong length", "wrong form" or "invalid value".
        public var description: String {
            switch rawValue {
            case 1: "wrong length"
            case 2: "wrong form"
            default: "invalid value"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// The attribute's type.
    public let attributeType: ModeConfigAttributeType
    /// Its position in the payload's attribute list, when decoded from one.
    public let index: Int?
    /// A sentence for people.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, attributeType: ModeConfigAttributeType, index: Int? = nil, reason: String) {
        self.code = code
        self.attributeType = attributeType
        self.index = index
        self.reason = reason
    }

    /// The RFC 2408 §3.14.1 notify the error warrants: PAYLOAD-MALFORMED, as vpnc answers a
    /// split-include list of the wrong length (charon drops such a message).
    public var notifyType: NotifyMessageType { .payloadMalformed }

    /// The same error, placed at `index` of its list.
    func at(_ index: Int) -> ModeConfigError {
        ModeConfigError(code, attributeType: attributeType, index: index, reason: reason)
    }

    /// Equal when the codes are equal; type, index and reason are not compared.
    public static func == (lhs: ModeConfigError, rhs: ModeConfigError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `attribute[2] INTERNAL_IP4_ADDRESS (1): value of 3 bytes, expected 4`.
    public var description: String {
        (index.map { "attribute[\($0)] " } ?? "") + "\(attributeType): \(reason)"
    }
}
