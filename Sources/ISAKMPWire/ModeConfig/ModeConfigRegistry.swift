/// The Type field of an Attribute payload (draft-dukes-ike-mode-cfg-02 §3.3):
/// ISAKMP_CFG_REQUEST 1, REPLY 2, SET 3, ACK 4.
public struct ModeConfigMessageType: WireCode {
    /// The Type field's value.
    public let rawValue: UInt8
    /// The type `rawValue`, named or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Asks for the attributes it lists (pull; XAUTH: the gateway asks for credentials).
    public static let request = ModeConfigMessageType(rawValue: 1)
    /// Answers a REQUEST with values.
    public static let reply = ModeConfigMessageType(rawValue: 2)
    /// Sets the attributes it lists (push; XAUTH: the gateway sends STATUS).
    public static let set = ModeConfigMessageType(rawValue: 3)
    /// Acknowledges a SET, naming the attributes taken.
    public static let acknowledge = ModeConfigMessageType(rawValue: 4)

    /// The draft's names, which `description` prints.
    public static let names: [UInt8: String] = [
        1: "ISAKMP_CFG_REQUEST", 2: "ISAKMP_CFG_REPLY", 3: "ISAKMP_CFG_SET", 4: "ISAKMP_CFG_ACK",
    ]
}

/// The Attribute Type of a Mode Config, XAUTH or Cisco Unity attribute: draft-dukes-ike-mode-cfg-02
/// §3.4 (1-15), draft-beaulieu-ike-xauth-02 §6.2 (16520-16529), and the Cisco Unity numbers
/// 28672-28682 as vpnc (`isakmp.h`) and strongSwan (`attributes.h`) define them.
public struct ModeConfigAttributeType: WireCode {
    /// The attribute type, without the AF (attribute format) bit.
    public let rawValue: UInt16
    /// The type without the AF bit.
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x7fff }

    /// INTERNAL_IP4_ADDRESS (1): the client's virtual IPv4 address.
    public static let internalIP4Address = ModeConfigAttributeType(rawValue: 1)
    /// INTERNAL_IP4_NETMASK (2): the netmask of the internal network.
    public static let internalIP4Netmask = ModeConfigAttributeType(rawValue: 2)
    /// INTERNAL_IP4_DNS (3): a DNS server on the internal network, one attribute per server.
    public static let internalIP4DNS = ModeConfigAttributeType(rawValue: 3)
    /// INTERNAL_IP4_NBNS (4): a NetBIOS name server (WINS) on the internal network.
    public static let internalIP4NBNS = ModeConfigAttributeType(rawValue: 4)
    /// INTERNAL_ADDRESS_EXPIRY (5): seconds the internal address may be used.
    public static let internalAddressExpiry = ModeConfigAttributeType(rawValue: 5)
    /// INTERNAL_IP4_DHCP (6): a DHCP server to ask for further configuration.
    public static let internalIP4DHCP = ModeConfigAttributeType(rawValue: 6)
    /// APPLICATION_VERSION (7): text naming the sender's software and version.
    public static let applicationVersion = ModeConfigAttributeType(rawValue: 7)
    /// INTERNAL_IP6_ADDRESS (8): the client's virtual IPv6 address.
    public static let internalIP6Address = ModeConfigAttributeType(rawValue: 8)
    /// INTERNAL_IP6_NETMASK (9): the netmask of the internal IPv6 network.
    public static let internalIP6Netmask = ModeConfigAttributeType(rawValue: 9)
    /// INTERNAL_IP6_DNS (10): an IPv6 DNS server on the internal network.
    public static let internalIP6DNS = ModeConfigAttributeType(rawValue: 10)
    /// INTERNAL_IP6_NBNS (11): an IPv6 NetBIOS name server.
    public static let internalIP6NBNS = ModeConfigAttributeType(rawValue: 11)
    /// INTERNAL_IP6_DHCP (12): an IPv6 DHCP server.
    public static let internalIP6DHCP = ModeConfigAttributeType(rawValue: 12)
    /// INTERNAL_IP4_SUBNET (13): an IPv4 network the gateway protects (address and mask).
    public static let internalIP4Subnet = ModeConfigAttributeType(rawValue: 13)
    /// SUPPORTED_ATTRIBUTES (14): the attribute types the sender supports.
    public static let supportedAttributes = ModeConfigAttributeType(rawValue: 14)
    /// INTERNAL_IP6_SUBNET (15): an IPv6 network the gateway protects (address and prefix length).
    public static let internalIP6Subnet = ModeConfigAttributeType(rawValue: 15)

    /// XAUTH_TYPE (16520, basic): the authentication method, an XAUTHType; absent means Generic.
    public static let xauthType = ModeConfigAttributeType(rawValue: 16520)
    /// XAUTH_USER_NAME (16521): the user's name.
    public static let xauthUserName = ModeConfigAttributeType(rawValue: 16521)
    /// XAUTH_USER_PASSWORD (16522): the user's password.
    public static let xauthUserPassword = ModeConfigAttributeType(rawValue: 16522)
    /// XAUTH_PASSCODE (16523): the code of a token card.
    public static let xauthPasscode = ModeConfigAttributeType(rawValue: 16523)
    /// XAUTH_MESSAGE (16524): text the gateway wants shown to the user.
    public static let xauthMessage = ModeConfigAttributeType(rawValue: 16524)
    /// XAUTH_CHALLENGE (16525): a challenge for a challenge-response method.
    public static let xauthChallenge = ModeConfigAttributeType(rawValue: 16525)
    /// XAUTH_DOMAIN (16526): the user's domain.
    public static let xauthDomain = ModeConfigAttributeType(rawValue: 16526)
    /// XAUTH_STATUS (16527, basic): the gateway's verdict, an XAUTHStatus.
    public static let xauthStatus = ModeConfigAttributeType(rawValue: 16527)
    /// XAUTH_NEXT_PIN (16528): a new PIN, when the token server asks for one.
    public static let xauthNextPIN = ModeConfigAttributeType(rawValue: 16528)
    /// XAUTH_ANSWER (16529): the answer to a challenge.
    public static let xauthAnswer = ModeConfigAttributeType(rawValue: 16529)

    /// UNITY_BANNER (28672): text shown to the user at login.
    public static let unityBanner = ModeConfigAttributeType(rawValue: 28672)
    /// UNITY_SAVE_PASSWD (28673, basic): whether the client may store the password.
    public static let unitySavePassword = ModeConfigAttributeType(rawValue: 28673)
    /// UNITY_DEF_DOMAIN (28674): the DNS search domain.
    public static let unityDefaultDomain = ModeConfigAttributeType(rawValue: 28674)
    /// UNITY_SPLITDNS_NAME (28675): domains to resolve through the tunnel's DNS servers.
    public static let unitySplitDNS = ModeConfigAttributeType(rawValue: 28675)
    /// UNITY_SPLIT_INCLUDE (28676): the networks to route through the tunnel (split tunneling).
    public static let unitySplitInclude = ModeConfigAttributeType(rawValue: 28676)
    /// UNITY_NATT_PORT (28677, basic): a UDP port; decoded as a number, not used by the engine.
    public static let unityNATTPort = ModeConfigAttributeType(rawValue: 28677)
    /// Networks the client keeps reaching directly (Cisco's split exclude; vpnc calls it UNKNOWN).
    public static let unityLocalLAN = ModeConfigAttributeType(rawValue: 28678)
    /// UNITY_PFS (28679, basic): whether Quick Mode must use PFS.
    public static let unityPFS = ModeConfigAttributeType(rawValue: 28679)
    /// UNITY_FW_TYPE (28680): Cisco's description of a client firewall, kept as bytes.
    public static let unityFirewallType = ModeConfigAttributeType(rawValue: 28680)
    /// UNITY_BACKUP_SERVERS (28681): further gateways to try.
    public static let unityBackupServers = ModeConfigAttributeType(rawValue: 28681)
    /// UNITY_DDNS_HOSTNAME (28682): the client's host name, for dynamic DNS.
    public static let unityDDNSHostname = ModeConfigAttributeType(rawValue: 28682)

    /// strongSwan's names (`configuration_attribute_type_names`), which charon prints.
    public static let names: [UInt16: String] = [
        1: "INTERNAL_IP4_ADDRESS", 2: "INTERNAL_IP4_NETMASK", 3: "INTERNAL_IP4_DNS", 4: "INTERNAL_IP4_NBNS",
        5: "INTERNAL_ADDRESS_EXPIRY", 6: "INTERNAL_IP4_DHCP", 7: "APPLICATION_VERSION", 8: "INTERNAL_IP6_ADDRESS",
        9: "INTERNAL_IP6_NETMASK", 10: "INTERNAL_IP6_DNS", 11: "INTERNAL_IP6_NBNS", 12: "INTERNAL_IP6_DHCP",
        13: "INTERNAL_IP4_SUBNET", 14: "SUPPORTED_ATTRIBUTES", 15: "INTERNAL_IP6_SUBNET",
        16520: "XAUTH_TYPE", 16521: "XAUTH_USER_NAME", 16522: "XAUTH_USER_PASSWORD", 16523: "XAUTH_PASSCODE",
        16524: "XAUTH_MESSAGE", 16525: "XAUTH_CHALLENGE", 16526: "XAUTH_DOMAIN", 16527: "XAUTH_STATUS",
        16528: "XAUTH_NEXT_PIN", 16529: "XAUTH_ANSWER",
        28672: "UNITY_BANNER", 28673: "UNITY_SAVE_PASSWD", 28674: "UNITY_DEF_DOMAIN", 28675: "UNITY_SPLITDNS_NAME",
        28676: "UNITY_SPLIT_INCLUDE", 28677: "UNITY_NATT_PORT", 28678: "UNITY_LOCAL_LAN", 28679: "UNITY_PFS",
        28680: "UNITY_FW_TYPE", 28681: "UNITY_BACKUP_SERVERS", 28682: "UNITY_DDNS_HOSTNAME",
    ]
}

/// The value of XAUTH_TYPE (draft-beaulieu-ike-xauth-02 §6.3); absent means Generic.
public struct XAUTHType: WireCode {
    /// The XAUTH_TYPE value.
    public let rawValue: UInt16
    /// The method `rawValue`, named or not.
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// User name and password (USER_NAME, USER_PASSWORD): what vpnc, charon and Cisco use.
    public static let generic = XAUTHType(rawValue: 0)
    /// RADIUS-CHAP (1): a CHAP challenge and response (RFC 1994).
    public static let radiusCHAP = XAUTHType(rawValue: 1)
    /// OTP (2): a one-time password (RFC 2289).
    public static let oneTimePassword = XAUTHType(rawValue: 2)
    /// S/KEY (3): an S/KEY one-time password (RFC 1760).
    public static let sKey = XAUTHType(rawValue: 3)

    /// The draft's names, which `description` prints.
    public static let names: [UInt16: String] = [0: "Generic", 1: "RADIUS-CHAP", 2: "OTP", 3: "S/KEY"]
}

/// The value of XAUTH_STATUS (draft-beaulieu-ike-xauth-02 §6.2): the gateway's verdict.
public struct XAUTHStatus: WireCode {
    /// The XAUTH_STATUS value.
    public let rawValue: UInt16
    /// The status `rawValue`, named or not.
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// FAIL (0): the credentials were refused; the gateway deletes the ISAKMP SA.
    public static let fail = XAUTHStatus(rawValue: 0)
    /// OK (1): the credentials were accepted.
    public static let ok = XAUTHStatus(rawValue: 1)

    /// The draft's names, which `description` prints.
    public static let names: [UInt16: String] = [0: "FAIL", 1: "OK"]
}
