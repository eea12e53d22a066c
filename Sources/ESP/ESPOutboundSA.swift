public import IPsecCrypto

//  RFC 4303 §2: ESP packet format
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |               Security Parameters Index (SPI)                 |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      Sequence Number                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    IV (per algorithm)                         |
//  |                    Payload Data (variable)                    |
//  +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |               |     Padding (0-255 bytes)                     |
//  +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                               |  Pad Length   | Next Header   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Integrity Check Value-ICV   (variable)                |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// An outbound ESP SA: seals payloads in place in the caller's buffer.
/// Keyed once; no heap allocation per packet. One instance is not for concurrent use; for several
/// threads sealing into one SA, give each its own ``sibling()``: siblings have their own cipher
/// contexts and share the sequence number and lifetime counts, without a lock.
///
///     let sa = try ESPOutboundSA(childSA, entropy: &entropy)
///     // payload at buffer[h..<h+n], h >= sa.headroom, tailroom >= sa.tailroom(payloadLength: n)
///     let sealed = try sa.seal(buffer, payload: h..<h+n)
public final class ESPOutboundSA {
    /// The SA as negotiated.
    public let configuration: SecurityAssociation
    let geometry: Geometry
    private let cipher: Cipher
    private let integrity: Integrity
    private let ivGenerator: IVGenerator?
    /// Shared with the siblings.
    private let counters: OutboundCounters
    private let limits: LifetimeLimits
    private let limited: Bool
    // Per-SA constants read on every packet, kept out of `configuration`.
    private let spi: UInt32
    private let esn: Bool
    private let tfcPadTo: Int
    private let udpPorts: (source: UInt16, destination: UInt16)?
    private let hasIntegrity: Bool

    /// Keys the SA. `entropy` seeds the per-SA CBC IV generator (unused by
    /// counter-IV transforms).
    public convenience init(_ sa: SecurityAssociation, entropy: inout some EntropySource) throws(ESPError) {
        try self.init(sa, counters: OutboundCounters(), entropy: &entropy)
    }

    private init(_ sa: SecurityAssociation, counters: OutboundCounters, entropy: inout some EntropySource) throws(ESPError) {
        precondition(sa.securityProtocol == .esp && sa.direction == .outbound, "ESPOutboundSA needs an outbound ESP child SA")
        configuration = sa
        self.counters = counters
        geometry = Geometry(sa)
        cipher = try Cipher(sa.encryption, key: sa.encryptionKey)
        integrity = try Integrity(sa.encryption.isAEAD ? nil : sa.integrity, key: sa.integrityKey)
        if case .cbc = cipher { ivGenerator = try IVGenerator(entropy: &entropy) } else { ivGenerator = nil }
        limits = sa.lifetime
        limited = sa.lifetime != LifetimeLimits()
        spi = sa.spi
        esn = sa.extendedSequenceNumbers
        tfcPadTo = sa.mode == .tunnel ? sa.tfcPadTo ?? 0 : 0
        if case .udp(let s, let d) = sa.encapsulation { udpPorts = (s, d) } else { udpPorts = nil }
        if case .none = integrity { hasIntegrity = false } else { hasIntegrity = true }
    }

    /// Keys the SA with system entropy for CBC IVs.
    public convenience init(_ sa: SecurityAssociation) throws(ESPError) {
        var entropy = SystemEntropy()
        try self.init(sa, entropy: &entropy)
    }

    /// Bytes needed before the payload: UDP header (if encapsulated), SPI, sequence number, IV.
    public var headroom: Int { geometry.udpLength + geometry.headerLength }

    /// Bytes needed after a payload of `payloadLength`: TFC padding, padding,
    /// pad length, next header and ICV.
    public func tailroom(payloadLength: Int) -> Int {
        let padded = Swift.max(payloadLength, tfcPadTo)
        return padded - payloadLength + geometry.padLength(for: padded) + 2 + geometry.icvLength
    }

    /// Tailroom enough for any payload.
    public var maximumTailroom: Int {
        tfcPadTo + geometry.alignment - 1 + 2 + geometry.icvLength
    }

    /// Another instance of this SA for another thread: the same keys in cipher contexts of its
    /// own (and, for CBC, its own IV generator seeded from system entropy), the same sequence
    /// counter and lifetime counts. Each packet any sibling seals takes a sequence number none
    /// has used. A hard lifetime limit is checked before each packet, so with several threads
    /// sealing at once it may be passed by a packet per other thread.
    public func sibling() throws(ESPError) -> ESPOutboundSA {
        var entropy = SystemEntropy()
        return try ESPOutboundSA(configuration, counters: counters, entropy: &entropy)
    }

    /// The next sequence number to be sent (shared with the siblings).
    public var sequenceNumber: UInt64 { counters.nextSequence }
    /// Payload bytes sealed so far, by this SA and its siblings.
    public var bytesProcessed: UInt64 { counters.bytes }
    /// Packets sealed so far, by this SA and its siblings.
    public var packetsProcessed: UInt64 { counters.packets }

    /// The next sequence number; tests set it to reproduce published packets.
    var nextSequence: UInt64 {
        get { counters.nextSequence }
        set { counters.nextSequence = newValue }
    }

    /// Seals the payload at `payload` in `buffer` in place: writes the ESP
    /// header (and UDP header) in the headroom, padding and ICV in the tailroom.
    /// - Parameters:
    ///   - buffer: the caller's memory, with the payload inside and room before and after it.
    ///   - payload: where the packet to protect lies in `buffer`.
    ///   - nextHeader: the upper-layer protocol in transport mode; in tunnel
    ///     mode nil, taken from the inner IP version (4 → 4, 6 → 41).
    public func seal(_ buffer: UnsafeMutableRawBufferPointer, payload: Range<Int>,
                     nextHeader: UInt8? = nil) throws(ESPError) -> SealResult {
        try seal(buffer, payload: payload, nextHeader: nextHeader, explicitIV: nil, extraPadding: 0)
    }

    /// The sealing path; tests pass `explicitIV`/`extraPadding` to reproduce published vectors.
    func seal(_ buffer: UnsafeMutableRawBufferPointer, payload: Range<Int>, nextHeader: UInt8?,
              explicitIV: UnsafeRawBufferPointer?, extraPadding: Int) throws(ESPError) -> SealResult {
        let g = geometry
        let header: UInt8
        if let nextHeader {
            header = nextHeader
        } else {
            guard payload.count > 0 else { throw .notAnIPPacket }
            switch buffer[payload.lowerBound] >> 4 {
            case 4: header = 4
            case 6: header = 41
            default: throw .notAnIPPacket
            }
        }
        if esn ? counters.nextSequence == 0 : counters.nextSequence > UInt64(UInt32.max) { throw .sequenceNumberExhausted }
        if limited, limits.hardReached(packets: counters.packets, bytes: counters.bytes, length: payload.count) {
            throw .lifetimeExpired
        }

        let tfcEnd = Swift.max(payload.upperBound, payload.lowerBound &+ tfcPadTo)
        let plainLength = tfcEnd - payload.lowerBound
        let pad = g.padLength(for: plainLength) &+ extraPadding
        let trailerEnd = tfcEnd + pad + 2
        let espStart = payload.lowerBound - g.headerLength
        guard espStart - g.udpLength >= 0, trailerEnd + g.icvLength <= buffer.count else { throw .insufficientRoom }
        // Taken once checks are done; a sibling may have taken the last one since the check above.
        let sequence = counters.takeSequence()
        if esn ? sequence == 0 : sequence > UInt64(UInt32.max) { throw .sequenceNumberExhausted }
        let base = buffer.baseAddress!

        // TFC padding, padding 1, 2, 3…, pad length, next header (RFC 4303 §2.4-2.7)
        if tfcEnd > payload.upperBound {
            (base + payload.upperBound).initializeMemory(as: UInt8.self, repeating: 0, count: tfcEnd - payload.upperBound)
        }
        var i = 0
        while i < pad { base.storeBytes(of: UInt8(truncatingIfNeeded: i + 1), toByteOffset: tfcEnd + i, as: UInt8.self); i += 1 }
        base.storeBytes(of: UInt8(pad), toByteOffset: tfcEnd + pad, as: UInt8.self)
        base.storeBytes(of: header, toByteOffset: tfcEnd + pad + 1, as: UInt8.self)

        // Header: SPI, low 32 bits of the sequence number, IV.
        let esp = base + espStart
        esp.storeBE32(spi, at: 0)
        esp.storeBE32(UInt32(truncatingIfNeeded: sequence), at: 4)
        if let explicitIV {
            if g.ivLength > 0 { (esp + 8).copyMemory(from: explicitIV.baseAddress!, byteCount: g.ivLength) }
        } else if let ivGenerator {
            ivGenerator.next(into: esp + 8, count: g.ivLength)
        } else if g.ivLength == 8 {
            // Counter IV for GCM, GMAC, CTR (RFC 4106 §3.1, RFC 3686 §3.1): unique per key.
            esp.storeBE64(sequence, at: 8)
        }
        let iv = UnsafeRawBufferPointer(start: esp + 8, count: g.ivLength)
        let encrypted = buffer.slice(payload.lowerBound, trailerEnd - payload.lowerBound)
        let icv = buffer.slice(trailerEnd, g.icvLength)
        let high: UInt32? = esn ? UInt32(truncatingIfNeeded: sequence >> 32) : nil

        do throws(CryptoError) {
            switch cipher {
            case .null: break
            case .cbc(let c): try c.encrypt(iv: iv, inPlace: encrypted)
            case .ctr(let c): try c.crypt(iv: iv, inPlace: encrypted)
            case .aead(let c):
                try withAAD(esp, high: high) { aad throws(CryptoError) in
                    try c.seal(iv: esp + 8, aad: aad.baseAddress!, aadLength: aad.count,
                               payload: encrypted.baseAddress!, count: encrypted.count, icv: icv.baseAddress!)
                }
            case .gmac(let c):
                try withAAD(esp, high: high) { aad throws(CryptoError) in
                    try c.authenticate(iv: iv, header: aad,
                                       body: buffer.constSlice(espStart + 8, trailerEnd - espStart - 8), tagOut: icv)
                }
            }
        } catch {
            throw .configuration(error)
        }
        if hasIntegrity {
            integrity.compute(buffer.constSlice(espStart, trailerEnd - espStart), esnHigh: high, into: icv)
        }

        var start = espStart
        if let udpPorts {
            start -= 8
            UDPEncapsulation.writeHeader(base + start, sourcePort: udpPorts.source, destinationPort: udpPorts.destination,
                                         length: trailerEnd + g.icvLength - start)
        }
        let before = counters.count(length: payload.count)
        let crossed = limited && limits.softCrossed(packets: before.packets, bytes: before.bytes, length: payload.count)
        return SealResult(packet: start..<(trailerEnd + g.icvLength), sequenceNumber: sequence,
                          softLifetimeReached: crossed)
    }
}

/// Calls `body` with the AEAD AAD: `SPI | seq` as on the wire, or with ESN
/// `SPI | seq high | seq low` in a stack buffer (RFC 4106 §5, RFC 4543 §3.2).
@inline(__always)
func withAAD<R>(_ esp: UnsafeMutableRawPointer, high: UInt32?,
                _ body: (UnsafeRawBufferPointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
    guard let high else { return try body(UnsafeRawBufferPointer(start: esp, count: 8)) }
    var aad: (UInt32, UInt32, UInt32) = (0, 0, 0)
    return try withUnsafeMutableBytes(of: &aad) { a throws(CryptoError) in
        a.baseAddress!.copyMemory(from: esp, byteCount: 4)
        a.baseAddress!.storeBE32(high, at: 4)
        (a.baseAddress! + 8).copyMemory(from: esp + 4, byteCount: 4)
        return try body(UnsafeRawBufferPointer(a))
    }
}
