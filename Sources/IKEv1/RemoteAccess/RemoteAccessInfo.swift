public import ISAKMPWire

/// What XAUTH and Mode Config settled on one ISAKMP SA (``ISAKMPSAInfo/remoteAccess``).
public struct RemoteAccessInfo: Hashable, Sendable {
    /// The XAUTH user: who authenticated (gateway) or as whom we did (client); nil without XAUTH.
    public var xauthUser: String?
    /// The client's virtual IPv4 address (INTERNAL_IP4_ADDRESS); nil without Mode Config.
    public var virtualIP: [UInt8]?
    /// The Mode Config attributes received (client) or sent (gateway), in wire order, unknown
    /// ones included. Never an XAUTH attribute.
    public var attributes: [ModeConfigAttribute]

    /// Creates the value.
    public init(xauthUser: String?, virtualIP: [UInt8]?, attributes: [ModeConfigAttribute]) {
        self.xauthUser = xauthUser
        self.virtualIP = virtualIP
        self.attributes = attributes
    }

    /// The UNITY_SPLIT_INCLUDE networks, in order.
    public var splitNetworks: [UnitySplitNetwork] {
        attributes.flatMap { a -> [UnitySplitNetwork] in if case .unitySplitInclude(let list) = a { list } else { [] } }
    }
}
