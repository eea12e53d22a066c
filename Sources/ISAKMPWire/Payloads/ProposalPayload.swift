// RFC 2408 §3.5 Proposal Payload
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                        SPI (variable)                         !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A proposal inside an SA payload. Proposals sharing a number are ANDed (e.g. AH and ESP),
/// different numbers are alternatives (RFC 2408 §4.2).
public struct ProposalPayload: Hashable, Sendable {
    /// The Proposal #: equal numbers are combined, different numbers are alternatives.
    public var number: UInt8
    /// The protocol negotiated: ISAKMP in Phase 1, AH or ESP in Quick Mode.
    public var protocolID: ProtocolID
    /// The SPI: empty or 8-16 bytes for ISAKMP, 4 bytes for AH and ESP, 2 for IPCOMP.
    public var spi: [UInt8]
    /// The transforms, alternatives of which the responder chooses one.
    public var transforms: [TransformPayload]
    /// The "# of Transforms" field when it disagrees with the transforms present
    /// (some encoders send 0); nil means the count of ``transforms``.
    public var declaredTransformCount: UInt8?

    /// A proposal; leave `declaredTransformCount` nil unless re-encoding a count received.
    public init(number: UInt8, protocolID: ProtocolID, spi: [UInt8] = [], transforms: [TransformPayload],
                declaredTransformCount: UInt8? = nil) {
        self.number = number
        self.protocolID = protocolID
        self.spi = spi
        self.transforms = transforms
        self.declaredTransformCount = declaredTransformCount
    }

    /// The SPI as a 32-bit integer when it is 4 bytes long (AH, ESP).
    public var spi32: UInt32? {
        spi.count == 4 ? spi.reduce(0) { $0 << 8 | UInt32($1) } : nil
    }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> (ProposalPayload, UInt8) {
        var (next, body) = try r.subPayload(field())
        let number = try body.u8(field() + ".number")
        let proto = ProtocolID(rawValue: try body.u8(field() + ".protocol_id"))
        let spiSize = Int(try body.u8(field() + ".spi_size"))
        let count = Int(try body.u8(field() + ".transform_count"))
        let spi = try body.bytes(spiSize, field() + ".spi")
        var transforms: [TransformPayload] = []
        var nextTransform = PayloadType.transform.rawValue
        while nextTransform != 0 {
            let index = transforms.count
            func tfield() -> String { "\(field()).transform[\(index)]" }
            guard nextTransform == PayloadType.transform.rawValue else {
                throw WireError(.invalidValue, field: tfield() + ".next_payload", offset: body.offset,
                                reason: "a transform must be followed by a transform (3) or NONE (0), not \(nextTransform)")
            }
            let (t, following) = try TransformPayload.decode(&body, protocolID: proto, field: tfield())
            transforms.append(t)
            nextTransform = following
        }
        guard body.isAtEnd else {
            throw WireError(.badLength, field: field() + ".length", offset: body.offset,
                            reason: "\(body.remaining) bytes after the last transform")
        }
        return (ProposalPayload(number: number, protocolID: proto, spi: spi, transforms: transforms,
                                declaredTransformCount: transforms.count == count ? nil : UInt8(count)), next)
    }

    func encode(into w: inout ByteWriter, last: Bool) {
        let start = w.bytes.count
        w.u8(last ? 0 : PayloadType.proposal.rawValue)
        w.u8(0)
        let lengthAt = w.lengthPlaceholder()
        w.u8(number)
        w.u8(protocolID.rawValue)
        w.u8(UInt8(clamping: spi.count))
        w.u8(declaredTransformCount ?? UInt8(clamping: transforms.count))
        w.append(spi)
        for (i, t) in transforms.enumerated() {
            t.encode(into: &w, last: i == transforms.count - 1)
        }
        w.patchLength(at: lengthAt, from: start)
    }
}
