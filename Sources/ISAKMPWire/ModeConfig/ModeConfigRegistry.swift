/// The Type field of an Attribute payload (draft-dukes-ike-mode-cfg-02 §3.3):
/// ISAKMP_CFG_REQUEST 1, REPLY 2, SET 3, ACK 4.
public struct ModeConfigMessageType: WireCode {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Asks for the attributes it lists (pull; XAUTH: the gateway asks for credentials).
    public static let request = ModeConfigMessageType(rawValue: 1)
    /// Answers a REQUEST with values.
    public static let reply = ModeConfigMessageType(rawValue: 2)
    /// Sets the attributes it lists (push; XAUTH: the gateway sends STATUS).
    public static let set = ModeConfigMessageType(rawValue: 3)
    /// Acknowledges a SET, naming the attributes taken.
    public static let acknowledge = ModeConfigMessageType(rawValue: 4)

    public static let names: [UInt8: String] = [
        1: "ISAKMP_CFG_REQUEST", 2: "ISAKMP_CFG_REPLY", 3: "ISAKMP_CFG_SET", 4: "ISAKMP_CFG_ACK",
    ]
}

/// The Attribute Type of a Mode Config, XAUTH or Cisco Unity attribute: draft-dukes-ike-mode-cfg-02
/// §3.4 (1-15), draft-beaulieu-ike-xauth-02 §6.2 (16520-16529), and the Cisco Unity numbers
/// 28672-28682 as vpnc (`isakmp.h`) and strongSwan (`attributes.h`) define them.
public struct ModeConfigAttributeType: WireCode {
    public let rawValue: UInt16
    /// The type without the AF bit.
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x7fff }

    public static let internalIP4Address = ModeConfigAttributeType(rawValue: 1)
    public static let internalIP4Netmask = ModeConfigAttributeType(rawValue: 2)
    public static let internalIP4DNS = ModeConfigAttributeType(rawValue: 3)
    public static let internalIP4NBNS = ModeConfigAttributeType(rawValue: 4)
    public static let internalAddressExpiry = ModeConfigAttributeType(rawValue: 5)
    public static let internalIP4DHCP = ModeConfigAttributeType(rawValue: 6)
    public static let applicationVersion = ModeConfigAttributeType(rawValue: 7)
    public static let internalIP6Address = ModeConfigAttributeType(rawValue: 8)
    public static let internalIP6Netmask = ModeConfigAttributeType(rawValue: 9)
    public static let internalIP6DNS = ModeConfigAttributeType(rawValue: 10)
    public static let internalIP6NBNS = ModeConfigAttributeType(rawValue: 11)
    public static let internalIP6DHCP = ModeConfigAttributeType(rawValue: 12)
    public static let internalIP4Subnet = ModeConfigAttributeType(rawValue: 13)
    public static let supportedAttributes = ModeConfigAttributeType(rawValue: 14)
    public static let internalIP6Subnet = ModeConfigAttributeType(rawValue: 15)

    public static let xauthType = ModeConfigAttributeType(rawValue: 16520)
    public static let xauthUserName = ModeConfigAttributeType(rawValue: 16521)
    public static let xauthUserPassword = ModeConfigAttributeType(rawValue: 16522)
    public static let xauthPasscode = ModeConfigAttributeType(rawValue: 16523)
    public static let xauthMessage = ModeConfigAttributeType(rawValue: 16524)
    public static let xauthChallenge = ModeConfigAttributeType(rawValue: 16525)
    public static let xauthDomain = ModeConfigAttributeType(rawValue: 16526)
    public static let xauthStatus = ModeConfigAttributeType(rawValue: 16527)
    public static let xauthNextPIN = ModeConfigAttributeType(rawValue: 16528)
    public static let xauthAnswer = ModeConfigAttributeType(rawValue: 16529)

    public static let unityBanner = ModeConfigAttributeType(rawValue: 28672)
    public static let unitySavePassword = ModeConfigAttributeType(rawValue: 28673)
    public static let unityDefaultDomain = ModeConfigAttributeType(rawValue: 28674)
    public static let unitySplitDNS = ModeConfigAttributeType(rawValue: 28675)
    public static let unitySplitInclude = ModeConfigAttributeType(rawValue: 28676)
    public static let unityNATTPort = ModeConfigAttributeType(rawValue: 28677)
    /// Networks the client keeps reaching directly (Cisco's split exclude; vpnc calls it UNKNOWN).
    public static let unityLocalLAN = ModeConfigAttributeType(rawValue: 28678)
    public static let unityPFS = ModeConfigAttributeType(rawValue: 28679)
    public static let unityFirewallType = ModeConfigAttributeType(rawValue: 28680)
    public static let unityBackupServers = ModeConfigAttributeType(rawValue: 28681)
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
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// User name and password (USER_NAME, USER_PASSWORD): what vpnc, charon and Cisco use.
    public static let generic = XAUTHType(rawValue: 0)
    public static let radiusCHAP = XAUTHType(rawValue: 1)
    public static let oneTimePassword = XAUTHType(rawValue: 2)
    public static let sKey = XAUTHType(rawValue: 3)

    public static let names: [UInt16: String] = [0: "Generic", 1: "RADIUS-CHAP", 2: "OTP", 3: "S/KEY"]
}

/// The value of XAUTH_STATUS (draft-beaulieu-ike-xauth-02 §6.2): the gateway's verdict.
public struct XAUTHStatus: WireCode {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fail = XAUTHStatus(rawValue: 0)
    public static let ok = XAUTHStatus(rawValue: 1)

    public static let names: [UInt16: String] = [0: "FAIL", 1: "OK"]
}
