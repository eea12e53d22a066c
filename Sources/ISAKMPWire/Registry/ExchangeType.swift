/// The Exchange Type field: RFC 2408 §3.1 and RFC 2409 §9.
public struct ExchangeType: WireCode {
    /// The Exchange Type field's value.
    public let rawValue: UInt8
    /// The type `rawValue`, named or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Base (1): RFC 2408 §4.4.
    public static let base = ExchangeType(rawValue: 1)
    /// Identity Protection, which RFC 2409 calls Main Mode.
    public static let mainMode = ExchangeType(rawValue: 2)
    /// Authentication Only (3): RFC 2408 §4.6.
    public static let authenticationOnly = ExchangeType(rawValue: 3)
    /// Aggressive Mode (RFC 2409 §5).
    public static let aggressive = ExchangeType(rawValue: 4)
    /// Informational (5): notifications and deletes (RFC 2408 §4.8; RFC 2409 §5.7).
    public static let informational = ExchangeType(rawValue: 5)
    /// Transaction exchange of Mode Config / XAUTH.
    public static let transaction = ExchangeType(rawValue: 6)
    /// Quick Mode (RFC 2409 §5.5).
    public static let quickMode = ExchangeType(rawValue: 32)
    /// New Group Mode (33): RFC 2409 §5.6.
    public static let newGroupMode = ExchangeType(rawValue: 33)

    /// The names of RFC 2408, RFC 2409 and (from 34) IKEv2's RFC 7296, which `description` prints.
    public static let names: [UInt8: String] = [
        0: "NONE", 1: "Base", 2: "Identity Protection (Main Mode)", 3: "Authentication Only",
        4: "Aggressive", 5: "Informational", 6: "Transaction (Config Mode)", 32: "Quick Mode",
        33: "New Group Mode", 34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL",
    ]
}
