import Foundation
import Testing
import IPsecCrypto
@testable import ESP

/// Hex decoding for fixtures (no separators).
func hex(_ string: String) -> [UInt8] {
    var out: [UInt8] = []
    var high: UInt8? = nil
    for c in string.utf8 {
        let v: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
        default: continue
        }
        if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
    }
    return out
}

func hexString(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// A child SA with test defaults.
func childSA(spi: UInt32 = 0x1000, direction: SecurityAssociation.Direction, encryption: EncryptionAlgorithm,
             integrity: IntegrityAlgorithm? = nil, key: [UInt8], integrityKey: [UInt8] = [],
             mode: SecurityAssociation.Mode = .tunnel, encapsulation: SecurityAssociation.Encapsulation = .none,
             esn: Bool = false, window: Int = 64, lifetime: LifetimeLimits = LifetimeLimits(),
             truncbug: Bool = false, tfc: Int? = nil) -> SecurityAssociation {
    SecurityAssociation(spi: spi, direction: direction, encryption: encryption, integrity: integrity,
            encryptionKey: SecretBytes(key), integrityKey: SecretBytes(integrityKey), mode: mode,
            encapsulation: encapsulation, lifetime: lifetime, extendedSequenceNumbers: esn,
            replayWindow: window, sha256TruncationBug: truncbug, tfcPadTo: tfc)
}

/// The result of opening a packet held in an array.
struct Opened: Equatable {
    var payload: [UInt8]
    var nextHeader: UInt8
    var sequence: UInt64
}

extension ESPInboundSA {
    /// Opens a copy of `packet` (from the SPI).
    func open(_ packet: [UInt8]) throws(ESPError) -> Opened {
        var copy = packet
        return try mutating(&copy) { buffer throws(ESPError) in
            let r = try open(buffer, packet: 0..<packet.count)
            return Opened(payload: Array(buffer[r.payload]), nextHeader: r.nextHeader, sequence: r.sequenceNumber)
        }
    }
}

extension ESPOutboundSA {
    /// Seals a copy of `payload`; returns the packet bytes.
    func seal(_ payload: [UInt8], nextHeader: UInt8? = nil, iv: [UInt8]? = nil, extraPadding: Int = 0) throws(ESPError) -> [UInt8] {
        let head = headroom
        var buffer = [UInt8](repeating: 0xEE, count: head + payload.count + maximumTailroom + extraPadding)
        buffer.replaceSubrange(head..<(head + payload.count), with: payload)
        let ivCopy = iv ?? []
        return try mutating(&buffer) { b throws(ESPError) in
            let r: SealResult
            if iv != nil {
                r = try ivCopy.withUnsafeBytes { ivp in
                    Result { () throws(ESPError) in
                        try seal(b, payload: head..<(head + payload.count), nextHeader: nextHeader, explicitIV: ivp, extraPadding: extraPadding)
                    }
                }.get()
            } else {
                r = try seal(b, payload: head..<(head + payload.count), nextHeader: nextHeader)
            }
            return Array(b[r.packet])
        }
    }
}

/// The `ESPError` that `body` throws, or nil when it succeeds (another error type fails the test).
func espError<R>(_ body: () throws -> R) -> ESPError? {
    do {
        _ = try body()
        return nil
    } catch let error as ESPError {
        return error
    } catch {
        Issue.record("not an ESPError: \(error)")
        return nil
    }
}

/// `withUnsafeMutableBytes` with a typed throw.
func mutating<R>(_ array: inout [UInt8], _ body: (UnsafeMutableRawBufferPointer) throws(ESPError) -> R) throws(ESPError) -> R {
    try array.withUnsafeMutableBytes { b in Result { () throws(ESPError) in try body(b) } }.get()
}
