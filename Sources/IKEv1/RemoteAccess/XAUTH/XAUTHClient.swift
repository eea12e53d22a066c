import IPsecCrypto
import ISAKMPWire

// draft-beaulieu-ike-xauth-02 §4.1, client side (Phase 1 initiator with XAUTHInitPreShared or
// XAUTHInitRSA):
//
//      client                                  gateway
//                           <--   REQUEST(USER_NAME, USER_PASSWORD [, TYPE, MESSAGE])
//      REPLY(USER_NAME, USER_PASSWORD)   -->
//                           <--   [another REQUEST ...] SET(STATUS)
//      ACK(STATUS)                       -->
//
// The password goes from the credential source into the REPLY and nowhere else: no state,
// log or failure holds it.
extension ISAKMPSession {
    /// The gateway asks for credentials: answer from the configuration or callback.
    mutating func xauthRequestReceived(_ t: ReceivedTransaction, answered n: Int, _ c: RemoteAccessClient, _ e: EstablishedState,
                                       env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard let source = c.xauth, t.attributes.contains(where: \.isXAUTH) else {
            throw IKEv1Error(.unexpectedMessage, "a REQUEST(\(t.describedTypes)) where an XAUTH REQUEST is expected")
        }
        if case .xauthType(let type)? = t.first(.xauthType), type != .generic {
            endRemoteAccess(IKEv1Error(.authenticationFailed, "XAUTH type \(type) is not supported (only Generic: user name and password)"),
                            env: &env, into: &actions)
            return
        }
        let message: String? = if case .xauthMessage(let m)? = t.first(.xauthMessage) { m } else { nil }
        guard let credentials = source.credentials(attempt: n + 1, message: message) else {
            endRemoteAccess(IKEv1Error(.authenticationFailed, "XAUTH: no credentials to answer the gateway's request \(n + 1)"
                                       + (message.map { " (\"\($0)\")" } ?? "")), env: &env, into: &actions)
            return
        }
        var reply: [ModeConfigAttribute] = []
        for a in t.attributes {
            switch a.type {
            case .xauthType: reply.append(.xauthType(.generic))
            case .xauthUserName: reply.append(.xauthUserName(credentials.user))
            case .xauthUserPassword: reply.append(credentials.password.withUnsafeBytes { .xauthUserPassword(Array($0)) })
            default: continue   // MESSAGE, DOMAIN: nothing to answer
            }
        }
        guard reply.contains(where: { $0.type == .xauthUserPassword }) else {
            endRemoteAccess(IKEv1Error(.authenticationFailed, "XAUTH REQUEST asks for \(t.describedTypes): only a user name "
                                       + "and password can be answered"), env: &env, into: &actions)
            return
        }
        try answerTransaction(t, .reply, reply, e.protection, into: &actions)
        updateEstablished { $0.remoteAccess = .awaitingXAUTHStatus(answered: n + 1, user: credentials.user) }
    }

    /// The gateway's verdict: acknowledge it, then Mode Config, or end the SA on FAIL.
    mutating func xauthStatusReceived(_ t: ReceivedTransaction, user: String, _ c: RemoteAccessClient, _ e: EstablishedState,
                                      env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard case .xauthStatus(let status)? = t.first(.xauthStatus) else {
            throw IKEv1Error(.payloadMalformed, "XAUTH SET without a basic XAUTH_STATUS")
        }
        try answerTransaction(t, .acknowledge, [.empty(.xauthStatus)], e.protection, into: &actions)
        guard status == .ok else {
            let message: String? = if case .xauthMessage(let m)? = t.first(.xauthMessage) { m } else { nil }
            endRemoteAccess(IKEv1Error(.authenticationFailed, "XAUTH: the gateway rejected user \(user) (STATUS=\(status))"
                                       + (message.map { ": \($0)" } ?? "")), env: &env, into: &actions)
            return
        }
        try beginClientModeConfig(user: user, c, e, env: &env, into: &actions)
    }
}
