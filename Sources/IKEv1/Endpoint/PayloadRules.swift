import ISAKMPWire

/// Which payloads each message must and may carry (as strongSwan's `sa/ikev1` payload-rule tables).
struct PayloadRule {
    let message: String
    let required: [PayloadType]
    /// A handful of types: a linear scan costs less than hashing each payload's type.
    let allowed: [PayloadType]

    init(_ message: String, required: [PayloadType], optional: [PayloadType] = []) {
        self.message = message
        self.required = required
        self.allowed = required + optional + [.vendorID]
    }

    /// Checks presence and types; the error names the message.
    func check(_ payloads: [Payload]) throws(IKEv1Error) {
        for case .raw(let raw) in payloads {
            if let name = raw.type.name { throw IKEv1Error(.payloadMalformed, "\(message): \(name) payload with RESERVED \(raw.reserved)") }
        }
        for t in required where !payloads.contains(where: { $0.type == t }) {
            throw IKEv1Error(.payloadMalformed, "\(message) lacks a \(t.name ?? "\(t.rawValue)") payload (has: \(payloads.typeNames))")
        }
        if let bad = payloads.first(where: { !allowed.contains($0.type) }) {
            throw IKEv1Error(.invalidPayloadType, "\(message) may not carry a \(bad.type.name ?? "\(bad.type.rawValue)") payload")
        }
    }

    static let natD: [PayloadType] = [.natDiscovery, .natDiscoveryDraft]
    static let mm1 = PayloadRule("Main Mode message 1", required: [.securityAssociation])
    static let mm2 = PayloadRule("Main Mode message 2", required: [.securityAssociation])
    static let mm3 = PayloadRule("Main Mode message 3", required: [.keyExchange, .nonce], optional: natD + [.certificateRequest])
    static let mm4 = PayloadRule("Main Mode message 4", required: [.keyExchange, .nonce], optional: natD + [.certificateRequest])
    static let am1 = PayloadRule("Aggressive Mode message 1", required: [.securityAssociation, .keyExchange, .nonce, .identification],
                                 optional: [.certificateRequest])

    /// Main Mode message 5 or 6: ID and HASH (PSK) or ID, [CERT,] SIG (signatures, RFC 2409 §5.1).
    static func mmAuth(_ n: Int, signatures: Bool) -> PayloadRule {
        switch (n, signatures) {
        case (5, false): mm5PSK
        case (5, true): mm5Signatures
        case (6, false): mm6PSK
        case (6, true): mm6Signatures
        default: makeMMAuth(n, signatures: signatures)
        }
    }

    // Built once: a rule holds a set, which each handshake would otherwise build twice per side.
    private static let mm5PSK = makeMMAuth(5, signatures: false), mm5Signatures = makeMMAuth(5, signatures: true)
    private static let mm6PSK = makeMMAuth(6, signatures: false), mm6Signatures = makeMMAuth(6, signatures: true)

    private static func makeMMAuth(_ n: Int, signatures: Bool) -> PayloadRule {
        PayloadRule("Main Mode message \(n)", required: [.identification, signatures ? .signature : .hash],
                    optional: [.notification] + (signatures ? [.certificate, .certificateRequest] : []))
    }

    /// Aggressive Mode message 2: SA, KE, Nr, IDir and HASH_R or [CERT,] [CR,] SIG_R.
    static func am2(signatures: Bool) -> PayloadRule {
        PayloadRule("Aggressive Mode message 2",
                    required: [.securityAssociation, .keyExchange, .nonce, .identification, signatures ? .signature : .hash],
                    optional: natD + (signatures ? [.certificate, .certificateRequest] : []))
    }

    /// Aggressive Mode message 3: HASH_I or [CERT,] SIG_I.
    static func am3(signatures: Bool) -> PayloadRule {
        PayloadRule("Aggressive Mode message 3", required: [signatures ? .signature : .hash],
                    optional: natD + [.notification] + (signatures ? [.certificate] : []))
    }

    static let qm1 = PayloadRule("Quick Mode message 1", required: [.hash, .securityAssociation, .nonce],
                                 optional: [.keyExchange, .identification, .natOriginalAddress, .natOriginalAddressDraft, .notification])
    static let qm2 = qm1.renamed("Quick Mode message 2")
    static let qm3 = PayloadRule("Quick Mode message 3", required: [.hash])

    func renamed(_ m: String) -> PayloadRule {
        PayloadRule(m, required: required, optional: allowed.filter { !required.contains($0) && $0 != .vendorID })
    }
}

extension Array where Element == Payload {
    /// The first payload of a kind, or PAYLOAD-MALFORMED naming it.
    func required<T>(_ type: T.Type) throws(IKEv1Error) -> T {
        guard let p = first(ofType: type) else {
            throw IKEv1Error(.payloadMalformed, "missing \(T.self)")
        }
        return p
    }
}
