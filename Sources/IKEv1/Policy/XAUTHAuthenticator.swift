public import IPsecCrypto

/// A gateway's verdict on XAUTH credentials, sent back as XAUTH_STATUS OK or FAIL
/// (draft-beaulieu-ike-xauth-02 §6.2).
public enum XAUTHDecision: Hashable, Sendable {
    /// The user and password are good: the gateway sends XAUTH_STATUS OK (1).
    case accept
    /// They are not: the gateway sends XAUTH_STATUS FAIL (0).
    case reject
}

/// Checks the user name and password a client answers an XAUTH REQUEST with (generic type,
/// draft-beaulieu-ike-xauth-02 §5.1). The library user implements it: a users file
/// (`XAUTHUsersFile` in IKEv1Config), PAM, a directory behind a cache.
///
/// The gateway calls it once per REPLY and drops the password afterwards. An implementation
/// must answer without I/O the engine would wait on, compare in constant time, and neither
/// log nor keep `password`.
public protocol XAUTHAuthenticator: Sendable {
    /// Accepts or rejects `user` with `password`.
    func authenticate(user: String, password: SecretBytes) -> XAUTHDecision
}
