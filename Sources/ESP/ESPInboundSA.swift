import IPsecCrypto

/// An inbound ESP SA: verifies and decrypts packets in place in the caller's
/// buffer, with anti-replay (RFC 4303 §3.4.3) and lifetime accounting.
/// Keyed once; no heap allocation per packet. Not for concurrent use.
///
///     let sa = try ESPInboundSA(childSA)
///     let opened = try sa.open(buffer, packet: espStart..<espEnd)   // from the SPI
///     // inner packet at buffer[opened.payload]
public final class ESPInboundSA {
    /// The SA as negotiated.
    public let configuration: SecurityAssociation
    let geometry: Geometry
    private let cipher: Cipher
    private let integrity: Integrity
    let window: ReplayWindow?
    private var lifetime: LifetimeCounter
    // Per-SA constants read on every packet, kept out of `configuration`.
    private let spi: UInt32
    private let esn: Bool
    private let antiReplay: Bool
    private let tunnel: Bool
    private let hasIntegrity: Bool

    /// Keys the SA.
    public init(_ sa: SecurityAssociation) throws(ESPError) {
        precondition(sa.securityProtocol == .esp && sa.direction == .inbound, "ESPInboundSA needs an inbound ESP child SA")
        configuration = sa
        geometry = Geometry(sa)
        cipher = try Cipher(sa.encryption, key: sa.encryptionKey)
        integrity = try Integrity(sa.encryption.isAEAD ? nil : sa.integrity, key: sa.integrityKey)
        // ESN inference needs a window even when anti-replay is off (RFC 4304 §2).
        window = sa.replayWindow > 0 || sa.extendedSequenceNumbers ? ReplayWindow(size: Swift.max(sa.replayWindow, 64)) : nil
        lifetime = LifetimeCounter(sa.lifetime)
        spi = sa.spi
        esn = sa.extendedSequenceNumbers
        antiReplay = sa.replayWindow > 0
        tunnel = sa.mode == .tunnel
        if case .none = integrity { hasIntegrity = false } else { hasIntegrity = true }
    }

    /// The SPI of an ESP packet (from its first four bytes), for finding its
    /// SA; nil when shorter than an ESP header.
    public static func spi(of packet: UnsafeRawBufferPointer) -> UInt32? {
        packet.count >= 8 ? packet.baseAddress!.loadBE32(at: 0) : nil
    }

    /// The highest sequence number accepted so far.
    public var highestSequenceNumber: UInt64 { window?.top ?? 0 }
    /// Payload bytes opened so far.
    public var bytesProcessed: UInt64 { lifetime.bytes }
    /// Packets opened so far.
    public var packetsProcessed: UInt64 { lifetime.packets }

    /// Opens the ESP packet at `packet` (starting at the SPI; strip the UDP
    /// header first with `UDPEncapsulation`) in place. On success the window
    /// and lifetime counters advance; on any error the SA is unchanged.
    public func open(_ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>) throws(ESPError) -> OpenResult {
        let g = geometry
        let encryptedLength = packet.count - g.headerLength - g.icvLength
        guard packet.lowerBound >= 0, packet.upperBound <= buffer.count, encryptedLength >= 2,
              !g.wholeBlocks || encryptedLength & (g.alignment &- 1) == 0 else { throw .truncated }
        let base = buffer.baseAddress!
        let esp = base + packet.lowerBound
        let spi = UnsafeRawPointer(esp).loadBE32(at: 0)
        guard spi == self.spi else { throw .unknownSPI(spi) }
        let low = UnsafeRawPointer(esp).loadBE32(at: 4)
        let sequence: UInt64 = esn ? window!.inferESN(low: low) : UInt64(low)
        if antiReplay { try window!.check(sequence) }
        try lifetime.check(length: encryptedLength)
        let high: UInt32? = esn ? UInt32(truncatingIfNeeded: sequence >> 32) : nil

        let ivStart = packet.lowerBound + 8
        let iv = buffer.constSlice(ivStart, g.ivLength)
        let encryptedStart = ivStart + g.ivLength
        let encrypted = buffer.slice(encryptedStart, encryptedLength)
        let icv = buffer.constSlice(encryptedStart + encryptedLength, g.icvLength)

        if hasIntegrity {
            guard integrity.verify(buffer.constSlice(packet.lowerBound, packet.count - g.icvLength),
                                   esnHigh: high, received: icv) else { throw .authenticationFailed }
        }
        var authentic = true
        do throws(CryptoError) {
            switch cipher {
            case .null: break
            case .cbc(let c): try c.decrypt(iv: iv, inPlace: encrypted)
            case .ctr(let c): try c.crypt(iv: iv, inPlace: encrypted)
            case .aead(let c):
                try withAAD(esp, high: high) { aad throws(CryptoError) in
                    try c.open(iv: esp + 8, aad: aad.baseAddress!, aadLength: aad.count,
                               payload: encrypted.baseAddress!, count: encrypted.count, icv: icv.baseAddress!)
                }
            case .gmac(let c):
                authentic = try withAAD(esp, high: high) { aad throws(CryptoError) in
                    try c.verify(iv: iv, header: aad, body: buffer.constSlice(ivStart, g.ivLength + encryptedLength), tag: icv)
                }
            }
        } catch {
            throw error.code == .authenticationFailed ? .authenticationFailed : .configuration(error)
        }
        guard authentic else { throw .authenticationFailed }

        // Trailer: padding 1, 2, 3…, pad length, next header (RFC 4303 §2.4).
        let trailer = encryptedStart + encryptedLength
        let padLength = Int(buffer[trailer - 2])
        let nextHeader = buffer[trailer - 1]
        guard padLength + 2 <= encryptedLength else { throw .invalidPadding }
        let payloadEnd = trailer - 2 - padLength
        var i = 0
        while i < padLength {
            guard buffer[payloadEnd + i] == UInt8(truncatingIfNeeded: i + 1) else { throw .invalidPadding }
            i += 1
        }
        var payload = encryptedStart..<payloadEnd
        if tunnel, let inner = innerPacketLength(buffer, payload), inner <= payload.count {
            payload = encryptedStart..<(encryptedStart + inner)  // drop TFC padding (RFC 4303 §2.7)
        }

        if let window { window.accept(sequence) }
        let crossed = lifetime.count(length: payload.count)
        return OpenResult(payload: payload, nextHeader: nextHeader, sequenceNumber: sequence, softLifetimeReached: crossed)
    }
}

/// The length an inner IPv4/IPv6 header declares, if the bytes start with one.
@inline(__always)
func innerPacketLength(_ buffer: UnsafeMutableRawBufferPointer, _ range: Range<Int>) -> Int? {
    guard range.count >= 20 else { return nil }
    let p = UnsafeRawPointer(buffer.baseAddress! + range.lowerBound)
    switch p.load(as: UInt8.self) >> 4 {
    case 4: return Int(p.loadBE16(at: 2))
    case 6: return range.count >= 40 ? Int(p.loadBE16(at: 4)) + 40 : nil
    default: return nil
    }
}
