import IPsecCrypto
import ISAKMPWire

// RFC 2409 §5.1 Phase 1 authenticated with signatures:
//
//   Main Mode                                     Aggressive Mode
//    HDR, SA                     -->               HDR, SA, KE, Ni, IDii [, CR]  -->
//                                <-- HDR, SA                     <-- HDR, SA, KE, Nr, IDir,
//    HDR, KE, Ni [, CR]          -->                                 [CERT,] [CR,] SIG_R
//                                <-- HDR, KE, Nr [, CR]          HDR*, [CERT,] SIG_I  -->
//    HDR*, IDii, [CERT,] SIG_I   -->
//                                <-- HDR*, IDir, [CERT,] SIG_R
//
// SIG_I and SIG_R sign HASH_I and HASH_R: RSA as PKCS#1 v1.5 type 1 over the raw hash
// (no DigestInfo, strongSwan's SIGN_RSA_EMSA_PKCS1_NULL); ECDSA as r | s of the order's
// length, with HASH_I/HASH_R computed by HMAC over the method's hash (RFC 4754 §3, §7;
// strongSwan's keymat_v1 `prf_auth` does the same, whatever hash was negotiated).
extension ISAKMPSession {
    /// True when any proposal we offer authenticates with signatures.
    var offersSignatures: Bool { config.ikeProposals.contains { $0.authMethod.isSignature } }

    /// Our Certificate Requests, when we authenticate with signatures.
    var certificateRequests: [Payload] { config.authentication.signatureCredentials?.certificateRequestPayloads ?? [] }

    /// Our authentication payloads for HASH_I (initiator) or HASH_R: HASH with a PSK;
    /// [CERT...,] SIG with signatures, the CERTs as the peer's requests in `keyed` ask.
    func authenticationPayloads(_ keyed: KeyedState, byInitiator: Bool, idBody: [UInt8]) throws(IKEv1Error) -> [Payload] {
        let hash = authHash(keyed, byInitiator: byInitiator, idBody: idBody)
        guard keyed.usesSignatures else { return [.hash(HashPayload(data: hash))] }
        guard case .signatures(let credentials) = config.authentication else {
            throw IKEv1Error(.configuration, "\(config.name): no signing key")
        }
        let signature: [UInt8]
        do { signature = try credentials.signingKey.sign(hash: hash) } catch {
            throw IKEv1Error(.crypto, "signing HASH_\(byInitiator ? "I" : "R"): \(error.reason)")
        }
        let requests = keyed.peerCertificateRequests
        var out: [Payload] = []
        switch credentials.sendCertificates {
        case .always: out = credentials.certificatePayloads(requested: requests.authorities)
        case .ifAsked: if requests.asked { out = credentials.certificatePayloads(requested: requests.authorities) }
        case .never: break
        }
        return out + [.signature(SignaturePayload(data: signature))]
    }

    /// Verifies the peer's HASH (PSK) or certificate, identity and SIG (signatures) over its ID
    /// payload as received; returns the certificate it authenticated with (nil with a PSK).
    func verifyPeerAuthentication(_ payloads: [Payload], id: IdentificationPayload, _ keyed: KeyedState,
                                  env: Environment) throws(IKEv1Error) -> Certificate? {
        guard keyed.usesSignatures else {
            try verifyPeerHash(payloads, id: id, keyed)
            return nil
        }
        guard let sig = payloads.first(ofType: SignaturePayload.self) else {
            throw IKEv1Error(.payloadMalformed, "no SIG payload")
        }
        let (certificate, key) = try validatePeerCertificate(payloads, method: keyed.chosen.authMethod.base, env: env)
        try checkIdentity(id, against: certificate)
        let by = isInitiator ? "R" : "I"
        let hash = authHash(keyed, byInitiator: !isInitiator, idBody: id.body)
        guard key.verify(signature: sig.data, hash: hash) else {
            throw IKEv1Error(.invalidSignature, "SIG_\(by) of \"\(certificate.subject)\" does not verify over HASH_\(by)")
        }
        return certificate
    }

    /// The peer's certificate and its key, from its CERT payloads, chained to our trust anchors
    /// at the environment's wall-clock time and fit for the negotiated `method`.
    func validatePeerCertificate(_ payloads: [Payload], method: AuthMethod, env: Environment) throws(IKEv1Error) -> (Certificate, VerifyingKey) {
        guard case .signatures(let credentials) = config.authentication else {
            throw IKEv1Error(.configuration, "\(config.name): no trust anchors")
        }
        let encoded = payloads.all(ofType: CertificatePayload.self).filter { $0.encoding == .x509Signature }
        guard !encoded.isEmpty else {
            throw IKEv1Error(.certificateUnavailable, "the peer sent no X.509 certificate"
                             + (credentials.sendCertificateRequests ? "" : " (we sent no Certificate Request)"))
        }
        var certificates: [Certificate] = []
        for (i, c) in encoded.enumerated() {
            do { certificates.append(try credentials.trustStore.certificate(der: c.data)) } catch {
                throw IKEv1Error(.invalidCertEncoding, "CERT payload \(i + 1) is not a DER X.509 certificate: \(error.reason)")
            }
        }
        guard let now = env.unixTime else {
            throw IKEv1Error(.configuration, "no wall-clock time to check the peer's certificate against (Environment.unixTime)")
        }
        let leaf = certificates[0]
        do { _ = try credentials.trustStore.verify(leaf, intermediates: Array(certificates.dropFirst()), at: now) } catch {
            throw Self.ikeError(error)
        }
        guard let key = try? leaf.publicKey, AuthMethod(key: key.algorithm) == method else {
            throw IKEv1Error(.invalidCertificate, "peer certificate \"\(leaf.subject)\" holds a \(leaf.keyDescription) key, "
                             + "which cannot sign for the negotiated method \(method)")
        }
        return (leaf, key)
    }

    /// The peer's ID must be in its certificate: a DN is the subject, a name or address a
    /// subjectAltName (RFC 4945 §3.1).
    func checkIdentity(_ id: IdentificationPayload, against certificate: Certificate) throws(IKEv1Error) {
        guard let identity = id.identity else { throw IKEv1Error(.invalidID, "malformed \(id.idType) identity") }
        guard let matches = certificate.holds(identity) else {
            throw IKEv1Error(.invalidID, "an \(id.idType) identity cannot be bound to a certificate")
        }
        guard matches else {
            throw IKEv1Error(.invalidID, "ID \(Self.text(identity)) does not match certificate subject \"\(certificate.subject)\" "
                             + "or its subjectAltNames")
        }
    }

    /// An identity for messages: `"C=CH, O=strongSwan, CN=moon"`, `@moon.example.org`, `192.0.2.1`.
    static func text(_ identity: Identity) -> String {
        switch identity {
        case .derASN1DN: "\"\(identity.readableDescription)\""
        case .fqdn(let name): "@\(name)"
        default: identity.readableDescription
        }
    }

    /// The error, and so the notify (RFC 2408 §3.14.1), a chain failure warrants.
    static func ikeError(_ error: CertificateError) -> IKEv1Error {
        let kind: IKEv1Error.Kind = switch error {
        case .untrusted: .invalidCertAuthority
        case .malformed: .invalidCertEncoding
        case .identityMismatch: .invalidID
        default: .invalidCertificate
        }
        return IKEv1Error(kind, "peer \(error)")
    }
}

extension Certificate {
    /// Whether the certificate names `identity` (RFC 4945 §3.1): a DN as its subject, an FQDN,
    /// email address or IP address as a subjectAltName. nil for identities a certificate cannot hold.
    func holds(_ identity: Identity) -> Bool? {
        switch identity {
        case .derASN1DN(let der): der == subject.der || (try? DistinguishedName(der: der)) == subject
        case .fqdn(let name): matches(dns: name)
        case .userFQDN(let email): matches(email: email)
        case .ipv4(let a), .ipv6(let a): matches(ip: a)
        default: nil
        }
    }
}

extension Identity {
    /// An ID_DER_ASN1_DN identity from text as swanctl writes it (`C=CH, O=strongSwan, CN=moon`).
    public static func distinguishedName(_ text: String) throws(IKEv1Error) -> Identity {
        do { return .derASN1DN(try DistinguishedName(parsing: text).der) } catch {
            throw IKEv1Error(.configuration, "not a distinguished name: \(text) (\(error.reason))")
        }
    }

    /// As `description`, but a DN as its text (`C=CH, O=strongSwan, CN=moon`) instead of hex,
    /// and a printable key ID as `keyid:NAME` (a remote-access group).
    public var readableDescription: String {
        if case .derASN1DN(let der) = self, let dn = try? DistinguishedName(der: der) { return dn.description }
        // A remote-access group name, as swanctl writes it (`keyid:ragroup`), when it is printable text.
        if case .keyID(let bytes) = self, !bytes.isEmpty, bytes.allSatisfy({ (0x21...0x7e).contains($0) }) {
            return "keyid:" + String(decoding: bytes, as: UTF8.self)
        }
        return description
    }
}
