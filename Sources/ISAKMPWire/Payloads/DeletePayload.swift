// RFC 2408 §3.15 Delete Payload
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !              Domain of Interpretation  (DOI)                  !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !  Protocol-Id  !   SPI Size    !           # of SPIs           !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~               Security Parameter Index(es) (SPI)              ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A Delete payload: SPIs of one protocol whose SAs the sender has deleted.
public struct DeletePayload: Hashable, Sendable {
    /// The DOI; IPsec (1) for IKEv1.
    public var doi: DomainOfInterpretation
    /// The protocol of the SAs deleted: ISAKMP, AH or ESP.
    public var protocolID: ProtocolID
    /// Each SPI's size: 16 (CKY-I|CKY-R) for ISAKMP, 4 for AH/ESP.
    public var spiSize: UInt8
    /// The SPIs of the deleted SAs, `spiSize` bytes each (for ISAKMP, the cookie pair).
    public var spis: [[UInt8]]

    /// A Delete payload; every SPI must have `spiSize` bytes (a precondition).
    public init(doi: DomainOfInterpretation = .ipsec, protocolID: ProtocolID, spiSize: UInt8, spis: [[UInt8]]) {
        precondition(spis.allSatisfy { $0.count == Int(spiSize) }, "every SPI has the declared size")
        self.doi = doi
        self.protocolID = protocolID
        self.spiSize = spiSize
        self.spis = spis
    }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> DeletePayload {
        let doi = DomainOfInterpretation(rawValue: try r.u32(field() + ".doi"))
        let proto = ProtocolID(rawValue: try r.u8(field() + ".protocol_id"))
        let size = try r.u8(field() + ".spi_size")
        let count = Int(try r.u16(field() + ".spi_count"))
        guard count * Int(size) == r.remaining else {
            throw WireError(.badLength, field: field() + ".spi_count", offset: r.offset - 2,
                            reason: "\(count) SPIs of \(size) bytes need \(count * Int(size)) bytes, the payload has \(r.remaining)")
        }
        var spis: [[UInt8]] = []
        for i in 0..<count where size > 0 {
            spis.append(try r.bytes(Int(size), "\(field()).spi[\(i)]"))
        }
        guard size > 0 || count == 0 else {
            throw WireError(.invalidValue, field: field() + ".spi_size", offset: r.offset - 3,
                            reason: "\(count) SPIs of size 0")
        }
        return DeletePayload(doi: doi, protocolID: proto, spiSize: size, spis: spis)
    }

    func encodeBody(into w: inout ByteWriter) {
        w.u32(doi.rawValue)
        w.u8(protocolID.rawValue)
        w.u8(spiSize)
        w.u16(UInt16(clamping: spis.count))
        for s in spis { w.append(s) }
    }
}
