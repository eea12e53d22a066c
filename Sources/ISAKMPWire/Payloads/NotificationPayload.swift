// RFC 2408 §3.14 Notification Payload
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !              Domain of Interpretation  (DOI)                  !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                Security Parameter Index (SPI)                 ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       Notification Data                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A Notification payload: an error, a status (RESPONDER-LIFETIME, INITIAL-CONTACT) or DPD.
public struct NotificationPayload: Hashable, Sendable {
    /// The DOI; IPsec (1) for IKEv1.
    public var doi: DomainOfInterpretation
    /// The protocol of the SA the notify concerns (ISAKMP for Phase 1 and DPD).
    public var protocolID: ProtocolID
    /// What is notified: an error (1-8191) or a status.
    public var notifyType: NotifyMessageType
    /// For ISAKMP notifies the 16-byte CKY-I|CKY-R, for AH/ESP the 4-byte SPI, or empty.
    public var spi: [UInt8]
    /// The Notification Data, its meaning set by `notifyType` (e.g. the DPD sequence number).
    public var data: [UInt8]

    /// A notification; `spi` and `data` default to empty.
    public init(doi: DomainOfInterpretation = .ipsec, protocolID: ProtocolID, notifyType: NotifyMessageType,
                spi: [UInt8] = [], data: [UInt8] = []) {
        self.doi = doi
        self.protocolID = protocolID
        self.notifyType = notifyType
        self.spi = spi
        self.data = data
    }

    /// The DPD sequence number of R-U-THERE / R-U-THERE-ACK (RFC 3706 §5), when the data is 4 bytes.
    public var dpdSequence: UInt32? {
        guard notifyType == .rUThere || notifyType == .rUThereAck, data.count == 4 else { return nil }
        return data.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> NotificationPayload {
        let doi = DomainOfInterpretation(rawValue: try r.u32(field() + ".doi"))
        let proto = ProtocolID(rawValue: try r.u8(field() + ".protocol_id"))
        let spiSize = Int(try r.u8(field() + ".spi_size"))
        let type = NotifyMessageType(rawValue: try r.u16(field() + ".notify_type"))
        let spi = try r.bytes(spiSize, field() + ".spi")
        return NotificationPayload(doi: doi, protocolID: proto, notifyType: type, spi: spi, data: r.rest())
    }

    func encodeBody(into w: inout ByteWriter) {
        w.u32(doi.rawValue)
        w.u8(protocolID.rawValue)
        w.u8(UInt8(clamping: spi.count))
        w.u16(notifyType.rawValue)
        w.append(spi)
        w.append(data)
    }
}
