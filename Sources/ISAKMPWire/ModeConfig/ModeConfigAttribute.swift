/// The typed view of one attribute of an Attribute payload (draft-dukes-ike-mode-cfg-02 §3.4,
/// draft-beaulieu-ike-xauth-02 §6.2, Cisco Unity).
///
/// Decoding checks each value against its type (``ModeConfigError``); encoding writes the form
/// the drafts give the type, so `ModeConfigAttribute(a).dataAttribute == a` for every attribute
/// that decodes. Attributes of unknown types, and text values that are not UTF-8, are kept as
/// ``unknown(_:)`` with their bytes and form.
public enum ModeConfigAttribute: Hashable, Sendable {
    /// INTERNAL_IP4_ADDRESS: the client's virtual address (4 bytes).
    case internalIP4Address([UInt8])
    /// INTERNAL_IP4_NETMASK (4 bytes).
    case internalIP4Netmask([UInt8])
    /// INTERNAL_IP4_DNS: one DNS server (4 bytes); one attribute per server.
    case internalIP4DNS([UInt8])
    /// INTERNAL_IP4_NBNS: one WINS server (4 bytes).
    case internalIP4NBNS([UInt8])
    /// INTERNAL_IP4_DHCP: one DHCP server (4 bytes).
    case internalIP4DHCP([UInt8])
    /// INTERNAL_ADDRESS_EXPIRY: seconds the address may be used.
    case internalAddressExpiry(UInt32)
    /// INTERNAL_IP4_SUBNET: a network the gateway protects (address and mask, 4 bytes each).
    case internalIP4Subnet(address: [UInt8], mask: [UInt8])
    /// APPLICATION_VERSION: printable text, not NUL-terminated.
    case applicationVersion(String)
    /// INTERNAL_IP6_ADDRESS: 16 bytes (draft-dukes), or 17 with a prefix length (RFC 7296's form,
    /// which charon accepts in IKEv1 too).
    case internalIP6Address([UInt8], prefixLength: UInt8?)
    /// INTERNAL_IP6_NETMASK (16 bytes).
    case internalIP6Netmask([UInt8])
    /// INTERNAL_IP6_DNS (16 bytes).
    case internalIP6DNS([UInt8])
    /// INTERNAL_IP6_NBNS (16 bytes).
    case internalIP6NBNS([UInt8])
    /// INTERNAL_IP6_DHCP (16 bytes).
    case internalIP6DHCP([UInt8])
    /// INTERNAL_IP6_SUBNET: a 16-byte address and a one-byte prefix length.
    case internalIP6Subnet(address: [UInt8], prefixLength: UInt8)
    /// SUPPORTED_ATTRIBUTES: the types a responder supports, 2 bytes each.
    case supportedAttributes([ModeConfigAttributeType])

    /// XAUTH_TYPE (basic).
    case xauthType(XAUTHType)
    /// XAUTH_USER_NAME.
    case xauthUserName(String)
    /// XAUTH_USER_PASSWORD: bytes, never printed (``description`` shows only their count).
    case xauthUserPassword([UInt8])
    /// XAUTH_PASSCODE: a token card's code; never printed.
    case xauthPasscode([UInt8])
    /// XAUTH_MESSAGE: text for the user.
    case xauthMessage(String)
    /// XAUTH_CHALLENGE.
    case xauthChallenge([UInt8])
    /// XAUTH_DOMAIN.
    case xauthDomain(String)
    /// XAUTH_STATUS (basic): the gateway's verdict.
    case xauthStatus(XAUTHStatus)
    /// XAUTH_NEXT_PIN; never printed.
    case xauthNextPIN([UInt8])
    /// XAUTH_ANSWER; never printed.
    case xauthAnswer([UInt8])

    /// UNITY_BANNER: text shown at login; a gateway may send several.
    case unityBanner(String)
    /// UNITY_SAVE_PASSWD (basic): whether the client may store the password.
    case unitySavePassword(Bool)
    /// UNITY_DEF_DOMAIN: the DNS search domain.
    case unityDefaultDomain(String)
    /// UNITY_SPLITDNS_NAME: domains resolved through the tunnel, as sent between commas.
    case unitySplitDNS([String])
    /// UNITY_SPLIT_INCLUDE: the networks to route through the tunnel.
    case unitySplitInclude([UnitySplitNetwork])
    /// UNITY_NATT_PORT (basic).
    case unityNATTPort(UInt16)
    /// UNITY_LOCAL_LAN: networks the client keeps reaching directly (split exclude).
    case unityLocalLAN([UnitySplitNetwork])
    /// UNITY_PFS (basic): whether Quick Mode must use PFS.
    case unityPFS(Bool)
    /// UNITY_FW_TYPE: Cisco's firewall description, kept as bytes.
    case unityFirewallType([UInt8])
    /// UNITY_BACKUP_SERVERS: further gateways.
    case unityBackupServers(String)
    /// UNITY_DDNS_HOSTNAME: the client's host name.
    case unityDDNSHostname(String)

    /// An attribute with no value (TLV form, length 0): in a REQUEST, asks for the attribute
    /// (draft-dukes §3.4, draft-beaulieu §6.1); in an ACK, acknowledges it.
    case empty(ModeConfigAttributeType)
    /// An attribute of a type this view does not know, or text that is not UTF-8: kept as sent.
    case unknown(DataAttribute)

    /// The attribute's type.
    public var type: ModeConfigAttributeType {
        switch self {
        case .internalIP4Address: .internalIP4Address
        case .internalIP4Netmask: .internalIP4Netmask
        case .internalIP4DNS: .internalIP4DNS
        case .internalIP4NBNS: .internalIP4NBNS
        case .internalIP4DHCP: .internalIP4DHCP
        case .internalAddressExpiry: .internalAddressExpiry
        case .internalIP4Subnet: .internalIP4Subnet
        case .applicationVersion: .applicationVersion
        case .internalIP6Address: .internalIP6Address
        case .internalIP6Netmask: .internalIP6Netmask
        case .internalIP6DNS: .internalIP6DNS
        case .internalIP6NBNS: .internalIP6NBNS
        case .internalIP6DHCP: .internalIP6DHCP
        case .internalIP6Subnet: .internalIP6Subnet
        case .supportedAttributes: .supportedAttributes
        case .xauthType: .xauthType
        case .xauthUserName: .xauthUserName
        case .xauthUserPassword: .xauthUserPassword
        case .xauthPasscode: .xauthPasscode
        case .xauthMessage: .xauthMessage
        case .xauthChallenge: .xauthChallenge
        case .xauthDomain: .xauthDomain
        case .xauthStatus: .xauthStatus
        case .xauthNextPIN: .xauthNextPIN
        case .xauthAnswer: .xauthAnswer
        case .unityBanner: .unityBanner
        case .unitySavePassword: .unitySavePassword
        case .unityDefaultDomain: .unityDefaultDomain
        case .unitySplitDNS: .unitySplitDNS
        case .unitySplitInclude: .unitySplitInclude
        case .unityNATTPort: .unityNATTPort
        case .unityLocalLAN: .unityLocalLAN
        case .unityPFS: .unityPFS
        case .unityFirewallType: .unityFirewallType
        case .unityBackupServers: .unityBackupServers
        case .unityDDNSHostname: .unityDDNSHostname
        case .empty(let t): t
        case .unknown(let a): ModeConfigAttributeType(rawValue: a.type)
        }
    }
}

extension ModeConfigAttribute {
    /// Reads one data attribute by its type.
    public init(_ attribute: DataAttribute) throws(ModeConfigError) {
        let type = ModeConfigAttributeType(rawValue: attribute.type)
        func fail(_ code: ModeConfigError.Code, _ reason: String) -> ModeConfigError {
            ModeConfigError(code, attributeType: type, reason: reason)
        }
        let bytes: [UInt8], basic: UInt16
        switch attribute.value {
        case .variable(let v) where v.isEmpty:
            self = .empty(type)
            return
        case .variable(let v):
            bytes = v
            basic = 0
        case .basic(let v):
            bytes = []
            basic = v
        }
        let isBasic = attribute.isBasic
        /// The TLV value, whose length must be one of `lengths` (any when empty).
        func variable(_ lengths: Int...) throws(ModeConfigError) -> [UInt8] {
            guard !isBasic else { throw fail(.wrongForm, "sent as a 16-bit basic value, the type carries a variable value") }
            guard lengths.isEmpty || lengths.contains(bytes.count) else {
                let expected = lengths.map(String.init).joined(separator: " or ")
                throw fail(.wrongLength, "value of \(bytes.count) bytes, expected \(expected)")
            }
            return bytes
        }
        func basicValue() throws(ModeConfigError) -> UInt16 {
            guard isBasic else { throw fail(.wrongForm, "sent as a \(bytes.count)-byte variable value, the type is basic") }
            return basic
        }
        func flag() throws(ModeConfigError) -> Bool {
            let v = try basicValue()
            guard v <= 1 else { throw fail(.invalidValue, "value \(v), expected 0 or 1") }
            return v == 1
        }
        func splitList() throws(ModeConfigError) -> [UnitySplitNetwork] {
            guard let list = UnitySplitNetwork.decodeList(try variable()) else {
                throw fail(.wrongLength, "value of \(bytes.count) bytes is not a list of \(UnitySplitNetwork.size)-byte entries")
            }
            return list
        }
        /// UTF-8 text; nil keeps the attribute as ``unknown(_:)``.
        func text() throws(ModeConfigError) -> String? {
            let v = try variable()
            let s = String(decoding: v, as: UTF8.self)
            return s.utf8.elementsEqual(v) ? s : nil
        }

        switch type {
        case .internalIP4Address: self = .internalIP4Address(try variable(4))
        case .internalIP4Netmask: self = .internalIP4Netmask(try variable(4))
        case .internalIP4DNS: self = .internalIP4DNS(try variable(4))
        case .internalIP4NBNS: self = .internalIP4NBNS(try variable(4))
        case .internalIP4DHCP: self = .internalIP4DHCP(try variable(4))
        case .internalAddressExpiry:
            self = .internalAddressExpiry(try variable(4).reduce(0) { $0 << 8 | UInt32($1) })
        case .internalIP4Subnet:
            let v = try variable(8)
            self = .internalIP4Subnet(address: Array(v[0..<4]), mask: Array(v[4...]))
        case .internalIP6Address:
            let v = try variable(16, 17)
            self = .internalIP6Address(Array(v.prefix(16)), prefixLength: v.count == 17 ? v[16] : nil)
        case .internalIP6Netmask: self = .internalIP6Netmask(try variable(16))
        case .internalIP6DNS: self = .internalIP6DNS(try variable(16))
        case .internalIP6NBNS: self = .internalIP6NBNS(try variable(16))
        case .internalIP6DHCP: self = .internalIP6DHCP(try variable(16))
        case .internalIP6Subnet:
            let v = try variable(17)
            self = .internalIP6Subnet(address: Array(v.prefix(16)), prefixLength: v[16])
        case .supportedAttributes:
            let v = try variable()
            guard v.count % 2 == 0 else { throw fail(.wrongLength, "value of \(v.count) bytes is not a list of 2-byte types") }
            self = .supportedAttributes(stride(from: 0, to: v.count, by: 2).map {
                ModeConfigAttributeType(rawValue: UInt16(v[$0]) << 8 | UInt16(v[$0 + 1]))
            })
        case .xauthType: self = .xauthType(XAUTHType(rawValue: try basicValue()))
        case .xauthStatus: self = .xauthStatus(XAUTHStatus(rawValue: try basicValue()))
        case .xauthUserPassword: self = .xauthUserPassword(try variable())
        case .xauthPasscode: self = .xauthPasscode(try variable())
        case .xauthChallenge: self = .xauthChallenge(try variable())
        case .xauthNextPIN: self = .xauthNextPIN(try variable())
        case .xauthAnswer: self = .xauthAnswer(try variable())
        case .unitySavePassword: self = .unitySavePassword(try flag())
        case .unityPFS: self = .unityPFS(try flag())
        case .unityNATTPort: self = .unityNATTPort(try basicValue())
        case .unitySplitInclude: self = .unitySplitInclude(try splitList())
        case .unityLocalLAN: self = .unityLocalLAN(try splitList())
        case .unityFirewallType: self = .unityFirewallType(try variable())
        case .applicationVersion, .xauthUserName, .xauthMessage, .xauthDomain, .unityBanner, .unityDefaultDomain,
             .unitySplitDNS, .unityBackupServers, .unityDDNSHostname:
            guard let s = try text() else { self = .unknown(attribute); return }
            switch type {
            case .applicationVersion: self = .applicationVersion(s)
            case .xauthUserName: self = .xauthUserName(s)
            case .xauthMessage: self = .xauthMessage(s)
            case .xauthDomain: self = .xauthDomain(s)
            case .unityBanner: self = .unityBanner(s)
            case .unityDefaultDomain: self = .unityDefaultDomain(s)
            case .unitySplitDNS: self = .unitySplitDNS(s.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
            case .unityBackupServers: self = .unityBackupServers(s)
            default: self = .unityDDNSHostname(s)
            }
        default: self = .unknown(attribute)
        }
    }

    /// The attribute on the wire: TLV for variable types, TV for basic ones.
    ///
    /// Addresses and masks must have their type's length (a precondition).
    public var dataAttribute: DataAttribute {
        func tlv(_ bytes: [UInt8], _ count: Int? = nil) -> DataAttribute {
            precondition(count.map { $0 == bytes.count } ?? true, "\(type) takes \(count ?? 0) bytes, not \(bytes.count)")
            return DataAttribute(type: type.rawValue, value: .variable(bytes))
        }
        func tv(_ v: UInt16) -> DataAttribute { .basic(type.rawValue, v) }
        switch self {
        case .internalIP4Address(let a), .internalIP4Netmask(let a), .internalIP4DNS(let a), .internalIP4NBNS(let a),
             .internalIP4DHCP(let a):
            return tlv(a, 4)
        case .internalAddressExpiry(let s): return tlv([UInt8(s >> 24), UInt8(s >> 16 & 0xff), UInt8(s >> 8 & 0xff), UInt8(s & 0xff)])
        case .internalIP4Subnet(let a, let m): return tlv(a + m, 8)
        case .internalIP6Address(let a, let p): return tlv(a + (p.map { [$0] } ?? []), p == nil ? 16 : 17)
        case .internalIP6Netmask(let a), .internalIP6DNS(let a), .internalIP6NBNS(let a), .internalIP6DHCP(let a):
            return tlv(a, 16)
        case .internalIP6Subnet(let a, let p): return tlv(a + [p], 17)
        case .supportedAttributes(let types): return tlv(types.flatMap { [UInt8($0.rawValue >> 8), UInt8($0.rawValue & 0xff)] })
        case .xauthType(let t): return tv(t.rawValue)
        case .xauthStatus(let s): return tv(s.rawValue)
        case .unitySavePassword(let b), .unityPFS(let b): return tv(b ? 1 : 0)
        case .unityNATTPort(let p): return tv(p)
        case .xauthUserPassword(let b), .xauthPasscode(let b), .xauthChallenge(let b), .xauthNextPIN(let b),
             .xauthAnswer(let b), .unityFirewallType(let b):
            return tlv(b)
        case .applicationVersion(let s), .xauthUserName(let s), .xauthMessage(let s), .xauthDomain(let s),
             .unityBanner(let s), .unityDefaultDomain(let s), .unityBackupServers(let s), .unityDDNSHostname(let s):
            return tlv(Array(s.utf8))
        case .unitySplitDNS(let names): return tlv(Array(names.joined(separator: ",").utf8))
        case .unitySplitInclude(let list), .unityLocalLAN(let list): return tlv(UnitySplitNetwork.encodeList(list))
        case .empty: return tlv([])
        case .unknown(let a): return a
        }
    }

    /// Reads a payload's attribute list; an error names the attribute's position.
    public static func decodeList(_ attributes: [DataAttribute]) throws(ModeConfigError) -> [ModeConfigAttribute] {
        var out: [ModeConfigAttribute] = []
        out.reserveCapacity(attributes.count)
        for (i, a) in attributes.enumerated() {
            do { out.append(try ModeConfigAttribute(a)) } catch { throw error.at(i) }
        }
        return out
    }
}

extension AttributePayload {
    /// A payload of typed attributes.
    public init(_ messageType: ModeConfigMessageType, identifier: UInt16, attributes: [ModeConfigAttribute]) {
        self.init(configType: messageType.rawValue, identifier: identifier, attributes: attributes.map(\.dataAttribute))
    }

    /// The Type field as a registry code.
    public var messageType: ModeConfigMessageType {
        get { ModeConfigMessageType(rawValue: configType) }
        set { configType = newValue.rawValue }
    }

    /// The attributes read by their types.
    public func modeConfigAttributes() throws(ModeConfigError) -> [ModeConfigAttribute] {
        try ModeConfigAttribute.decodeList(attributes)
    }
}

extension ModeConfigAttribute: CustomStringConvertible {
    /// `INTERNAL_IP4_ADDRESS=10.99.0.10`, as charon and vpnc log attributes; secrets (password,
    /// passcode, next PIN, answer) show only their length.
    public var description: String {
        let name = type.name ?? "\(type.rawValue)"
        let value: String
        switch self {
        case .internalIP4Address(let a), .internalIP4Netmask(let a), .internalIP4DNS(let a), .internalIP4NBNS(let a),
             .internalIP4DHCP(let a), .internalIP6Netmask(let a), .internalIP6DNS(let a), .internalIP6NBNS(let a),
             .internalIP6DHCP(let a):
            value = IPAddressText.format(a)
        case .internalIP4Subnet(let a, let m): value = Identity.ipv4Subnet(address: a, mask: m).description
        case .internalIP6Address(let a, let p): value = IPAddressText.format(a) + (p.map { "/\($0)" } ?? "")
        case .internalIP6Subnet(let a, let p): value = "\(IPAddressText.format(a))/\(p)"
        case .internalAddressExpiry(let s): value = "\(s)s"
        case .supportedAttributes(let types): value = types.map { $0.name ?? "\($0.rawValue)" }.joined(separator: ",")
        case .xauthType(let t): value = t.description
        case .xauthStatus(let s): value = s.description
        case .xauthUserPassword(let b), .xauthPasscode(let b), .xauthNextPIN(let b), .xauthAnswer(let b):
            value = "<\(b.count) bytes>"
        case .xauthChallenge(let b), .unityFirewallType(let b): value = b.hexString
        case .applicationVersion(let s), .xauthUserName(let s), .xauthMessage(let s), .xauthDomain(let s),
             .unityBanner(let s), .unityDefaultDomain(let s), .unityBackupServers(let s), .unityDDNSHostname(let s):
            value = "\"\(s)\""
        case .unitySplitDNS(let names): value = names.joined(separator: ",")
        case .unitySavePassword(let b), .unityPFS(let b): value = b ? "1" : "0"
        case .unityNATTPort(let p): value = "\(p)"
        case .unitySplitInclude(let list), .unityLocalLAN(let list): value = list.map(\.description).joined(separator: ",")
        case .empty: return name
        case .unknown(let a):
            switch a.value {
            case .basic(let v): value = "\(v)"
            case .variable(let b): value = b.hexString
            }
        }
        return "\(name)=\(value)"
    }
}
