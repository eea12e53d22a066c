import IPsecCrypto
import ISAKMPWire

// draft-beaulieu-ike-xauth-02 §4.1, gateway side (Phase 1 responder that chose an XAUTH method):
//
//      gateway                                 client
//      REQUEST(USER_NAME, USER_PASSWORD)  -->
//                                   <--   REPLY(USER_NAME, USER_PASSWORD)
//      (authenticator: accept or reject; a rejected user with attempts left gets a new
//       REQUEST with XAUTH_MESSAGE)
//      SET(STATUS=OK|FAIL)                -->
//                                   <--   ACK
//      FAIL: Delete of the ISAKMP SA (charon only forgets it; the client learns nothing)
//
// The password reaches the injected XAUTHAuthenticator as SecretBytes and is dropped with the
// decrypted message.
extension ISAKMPSession {
    /// Our REQUEST: the generic type's two attributes, empty (as charon sends it).
    static let xauthRequest: [ModeConfigAttribute] = [.empty(.xauthUserName), .empty(.xauthUserPassword)]

    /// The client's credentials: accept, ask again, or send STATUS=FAIL.
    mutating func xauthReplyReceived(_ t: ReceivedTransaction, attempt: Int, _ g: RemoteAccessGateway, _ e: EstablishedState,
                                     env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard let authenticator = g.authenticator else { throw IKEv1Error(.unexpectedMessage, "XAUTH REPLY without XAUTH configured") }
        var user: String?, decision = XAUTHDecision.reject
        for a in t.attributes { if case .xauthUserName(let u) = a { user = u } }
        for a in t.attributes {
            if case .xauthUserPassword(let p) = a, let user { decision = authenticator.authenticate(user: user, password: SecretBytes(p)) }
        }
        let name = user ?? "(none)"
        if decision == .accept {
            let sent = try startTransaction(.set, [.xauthStatus(.ok)], e, env: &env, into: &actions)
            updateEstablished { $0.remoteAccess = .xauthStatusSent(XAUTHVerdictSent(transaction: sent, user: name, accepted: true)) }
            return
        }
        let why = "XAUTH: user \(name) from \(remote) not authenticated (attempt \(attempt) of \(g.xauthAttempts))"
        if attempt < g.xauthAttempts {
            actions.append(.failed(Failure(sa: id, error: IKEv1Error(.authenticationFailed, why + ": asking again"))))
            let sent = try startTransaction(.request, Self.xauthRequest + [.xauthMessage("Authentication failed, try again")], e,
                                            env: &env, into: &actions)
            updateEstablished { $0.remoteAccess = .xauthRequested(sent, attempt: attempt + 1) }
        } else {
            actions.append(.failed(Failure(sa: id, error: IKEv1Error(.authenticationFailed, why + ": STATUS=FAIL, deleting the ISAKMP SA"))))
            let sent = try startTransaction(.set, [.xauthStatus(.fail)], e, env: &env, into: &actions)
            updateEstablished { $0.remoteAccess = .xauthStatusSent(XAUTHVerdictSent(transaction: sent, user: name, accepted: false)) }
        }
    }

    /// The client acknowledged our verdict: Mode Config, or (FAIL) the Delete.
    mutating func xauthAcknowledged(_ verdict: XAUTHVerdictSent, _ g: RemoteAccessGateway, _ e: EstablishedState,
                                    env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        guard verdict.accepted else {
            sendInformational([.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [isakmpSPI]))],
                              into: &actions, env: &env)
            close(reason: "XAUTH of user \(verdict.user) failed", into: &actions, notifyDeleted: true)
            return
        }
        try beginGatewayModeConfig(user: verdict.user, g, e, env: &env, into: &actions)
    }
}
