import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// Replays every encrypted IKEv1 message charon logged in
/// Fixtures/captures/strongswan/<folder>/dumps-{initiator,responder}.tsv (copied from
/// shared/fixtures/strongswan; labelled hex dumps of charon's own log): the
/// CBC IV chain per message ID (Phase 1 IV, last-block chaining, Phase 2 IV
/// from the last Phase 1 block), encryption of what charon sent, decryption of
/// what it received, and HASH(1), HASH(2), HASH(3) and Informational HASH(1)
/// recomputed over the decrypted payloads.
@Suite struct StrongSwanEncryptionTests {
    struct Row {
        var ikeSA: Int
        var subsystem: String
        var label: String
        var value: [UInt8]
    }

    static func rows(_ path: String) throws -> [Row] {
        let text = try Fixtures.text(path)
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 5 else { return nil }
            let sa = Int(f[1].split(separator: "|").last ?? "") ?? 1
            return Row(ikeSA: sa, subsystem: String(f[2]), label: String(f[3]), value: hex(String(f[4])))
        }
    }

    /// The payloads after the leading HASH payload, walking the generic
    /// payload headers (next payload, reserved, length) so padding is excluded;
    /// returns (hash value, rest).
    static func splitHashPayload(_ plain: [UInt8]) -> (hash: [UInt8], rest: [UInt8]) {
        let hashLength = Int(plain[2]) << 8 | Int(plain[3])
        var next = plain[0]
        var offset = hashLength
        while next != 0, offset + 4 <= plain.count {
            let length = Int(plain[offset + 2]) << 8 | Int(plain[offset + 3])
            next = plain[offset]
            offset += length
        }
        return (Array(plain[4..<hashLength]), Array(plain[hashLength..<offset]))
    }

    @Test(arguments: try nonEmpty(Fixtures.strongSwanScenarios()), ["initiator", "responder"])
    func ivChainEncryptionAndExchangeHashes(folder: String, side: String) throws {
        let keys = try StrongSwanKeyScheduleTests.load(folder)
        let phase1s = StrongSwanKeyScheduleTests.phase1s(keys)
        let quickModes = keys.objects("quick_modes")
        let rows = try Self.rows("captures/strongswan/\(folder)/dumps-\(side).tsv")
        var chains: [Int: IKEv1IVChain] = [:]
        var lastMID: [Int: UInt32] = [:]
        var messagesPerMID: [Int: [UInt32: Int]] = [:]
        var loggedIV: [UInt8]? = nil, sentPlain: [UInt8] = [], receivedCipher: [UInt8]? = nil
        var checkedMessages = 0, checkedHashes = 0

        for (index, row) in rows.enumerated() where row.subsystem == "ENC" || row.label.hasPrefix("next IV for MID ") {
            let saIndex = row.ikeSA - 1
            guard saIndex < phase1s.count else { continue }
            let p1 = phase1s[saIndex]
            let (k, hash, blockSize) = StrongSwanKeyScheduleTests.derive(keys, p1)
            let cipher = try CBCCipher(algorithm: blockSize == 8 ? .tripleDES : .aes(keyBits: k.encryptionKey.count * 8),
                                       key: k.encryptionKey)
            if chains[row.ikeSA] == nil {
                chains[row.ikeSA] = IKEv1IVChain(hash: hash, blockSize: blockSize, gxi: p1.bytes("g_xi"), gxr: p1.bytes("g_xr"))
            }
            let label = "\(folder) \(side) row \(index + 1)"
            let chain = chains[row.ikeSA]!
            var completed: (mid: UInt32, ciphertext: [UInt8], plaintext: [UInt8])? = nil
            switch row.label {
            case "IV":
                loggedIV = row.value
                sentPlain = []
            case "plain" where loggedIV != nil:
                sentPlain = row.value
            case "padding":
                sentPlain += row.value
            case "encrypted" where loggedIV != nil:  // charon sent this message
                // The dump does not name the message ID: it is the exchange charon
                // last logged an IV for, or Phase 1 (0).
                let mid = [lastMID[row.ikeSA, default: 0], 0].first { chain.iv(messageID: $0) == loggedIV }
                    ?? lastMID[row.ikeSA, default: 0]
                #expect(chain.iv(messageID: mid) == loggedIV, "\(label): IV used")
                #expect(try cipher.encrypt(sentPlain, iv: chain.iv(messageID: mid)) == row.value, "\(label): CBC encryption")
                completed = (mid, row.value, sentPlain)
                loggedIV = nil
            case "encrypted":
                receivedCipher = row.value
            case "plain":  // charon received and decrypted this message
                guard let ciphertext = receivedCipher else { continue }
                let mid = lastMID[row.ikeSA, default: 0]
                #expect(try cipher.decrypt(ciphertext, iv: chain.iv(messageID: mid)) == row.value, "\(label): CBC decryption")
                completed = (mid, ciphertext, row.value)
                receivedCipher = nil
            default:  // next IV for MID n: first IV of a new exchange, or the chained IV
                let mid = UInt32(row.label.dropFirst("next IV for MID ".count))!
                #expect(chain.iv(messageID: mid) == row.value, "\(label): IV state of MID \(mid)")
                lastMID[row.ikeSA] = mid
            }
            guard let (mid, ciphertext, plaintext) = completed else { continue }
            chains[row.ikeSA]!.advance(messageID: mid, ciphertext: ciphertext)
            checkedMessages += 1
            guard mid != 0 else { continue }

            // Exchange hashes over the decrypted payloads (RFC 2409 §5.5, §5.7).
            let number = messagesPerMID[row.ikeSA, default: [:]][mid, default: 0]
            messagesPerMID[row.ikeSA, default: [:]][mid] = number + 1
            let (carried, rest) = Self.splitHashPayload(plaintext)
            checkedHashes += 1
            if let qm = quickModes.first(where: { UInt32($0.string("message_id"), radix: 16) == mid }) {
                let nonceI = qm.bytes("nonce_i"), nonceR = qm.bytes("nonce_r")
                let computed = switch number {
                case 0: k.quickModeHash1(messageID: mid, afterHash: rest)
                case 1: k.quickModeHash2(messageID: mid, nonceI: nonceI, afterHash: rest)
                default: k.quickModeHash3(messageID: mid, nonceI: nonceI, nonceR: nonceR)
                }
                #expect(constantTimeEqual(computed, carried), "\(label): Quick Mode MID \(mid) HASH(\(number + 1))")
            } else {
                #expect(constantTimeEqual(k.informationalHash(messageID: mid, payloads: rest), carried),
                        "\(label): Informational MID \(mid) HASH(1)")
            }
        }
        #expect(checkedMessages >= 3, "\(folder) \(side): encrypted messages replayed")
        #expect(checkedHashes >= 2, "\(folder) \(side): Quick Mode / Informational hashes checked")
    }
}
