// RFC 2408 §3.4 Security Association Payload (situation per RFC 2407 §4.6.1)
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !              Domain of Interpretation  (DOI)                  !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                                                               !
// ~                           Situation                           ~
// !                                                               !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// (followed by Proposal payloads, RFC 2408 §3.5)

/// An SA payload: DOI, situation and its proposals.
///
/// A decoded payload keeps the bytes it was read from: ``body`` returns them, so SAi_b is what
/// the peer sent (RFC 2409 §5), whatever this library would write. Changing a field drops them.
/// Equality compares the fields.
public struct SecurityAssociationPayload: Hashable, Sendable {
    /// The DOI; IPsec (1) for IKEv1.
    public var doi: DomainOfInterpretation { didSet { received.bytes = nil } }
    /// The 32-bit situation bitmap of the IPsec DOI.
    public var situation: Situation { didSet { received.bytes = nil } }
    /// Labeled-domain data (RFC 2407 §4.6.1) present when SIT_SECRECY or SIT_INTEGRITY is set; kept as bytes.
    public var labeledDomain: [UInt8] { didSet { received.bytes = nil } }
    /// The proposals, in the order sent.
    public var proposals: [ProposalPayload] { didSet { received.bytes = nil } }
    private var received = ReceivedBody()

    /// Creates an SA payload of the IPsec DOI with SIT_IDENTITY_ONLY.
    public init(doi: DomainOfInterpretation = .ipsec, situation: Situation = .identityOnly,
                labeledDomain: [UInt8] = [], proposals: [ProposalPayload]) {
        self.doi = doi
        self.situation = situation
        self.labeledDomain = labeledDomain
        self.proposals = proposals
    }

    /// The payload body as it travels: the bytes received for a decoded payload, else this
    /// library's encoding. For the initiator's SA payload this is SAi_b (RFC 2409 §5).
    public var body: [UInt8] {
        received.or(encodeBody)
    }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> SecurityAssociationPayload {
        let received = Array(r.bytes)
        let doi = DomainOfInterpretation(rawValue: try r.u32(field() + ".doi"))
        let situation = Situation(rawValue: try r.u32(field() + ".situation"))
        var labeled: [UInt8] = []
        if !situation.isDisjoint(with: [.secrecy, .integrity]) {
            // RFC 2407 §4.6.1: the labeled-domain fields have no chain of their own;
            // we keep everything up to the first proposal as bytes.
            labeled = try labeledDomainBytes(&r, situation: situation, field: field() + ".situation")
        }
        var proposals: [ProposalPayload] = []
        var next: UInt8 = PayloadType.proposal.rawValue
        while next != 0 {
            let index = proposals.count
            func pfield() -> String { "\(field()).proposal[\(index)]" }
            guard next == PayloadType.proposal.rawValue else {
                throw WireError(.invalidValue, field: pfield() + ".next_payload", offset: r.offset,
                                reason: "a proposal must be followed by a proposal (2) or NONE (0), not \(next)")
            }
            let (proposal, following) = try ProposalPayload.decode(&r, field: pfield())
            proposals.append(proposal)
            next = following
        }
        guard r.isAtEnd else {
            throw WireError(.badLength, field: field() + ".length", offset: r.offset,
                            reason: "\(r.remaining) bytes after the last proposal")
        }
        var sa = SecurityAssociationPayload(doi: doi, situation: situation, labeledDomain: labeled, proposals: proposals)
        sa.received.bytes = received
        return sa
    }

    private static func labeledDomainBytes(_ r: inout ByteReader, situation: Situation,
                                           field: @autoclosure () -> String) throws(WireError) -> [UInt8] {
        var w = ByteWriter()
        w.u32(try r.u32(field() + ".labeled_domain_identifier"))
        for (bit, name) in [(Situation.secrecy, "secrecy"), (.integrity, "integrity")] where situation.contains(bit) {
            let levelLength = try r.u16("\(field()).\(name)_length")
            let reserved1 = try r.u16("\(field()).\(name)_reserved")
            let level = try r.take(Int(levelLength), "\(field()).\(name)_level")
            let bits = try r.u16("\(field()).\(name)_category_length")
            let reserved2 = try r.u16("\(field()).\(name)_category_reserved")
            let bitmap = try r.take((Int(bits) + 7) / 8, "\(field()).\(name)_category_bitmap")
            w.u16(levelLength); w.u16(reserved1); w.append(level)
            w.u16(bits); w.u16(reserved2); w.append(bitmap)
        }
        return w.bytes
    }

    func encodeBody(into w: inout ByteWriter) {
        w.u32(doi.rawValue)
        w.u32(situation.rawValue)
        w.append(labeledDomain)
        for (i, p) in proposals.enumerated() {
            p.encode(into: &w, last: i == proposals.count - 1)
        }
    }
}
