// DecodeCapture: reads an IKEv1 capture, derives the keys of its ISAKMP SA from the pre-shared key
// and the Diffie-Hellman shared secrets in the keys file beside it, and prints every message
// decrypted, with HASH_I/HASH_R checked and the ESP packets of the Quick Mode opened.
//
//     swift run DecodeCapture [CAPTURE [KEYS]]
//
// CAPTURE defaults to Fixtures/captures/strongswan/main-mode-psk/capture.pcap (charon to charon,
// Main Mode with a PSK, Quick Mode with PFS, ESP in UDP, Deletes) and KEYS to keys.json beside it.
// The capture is assumed to hold one ISAKMP SA; `ikev1 decode --keys` handles any number.

import ESP            // ESPInboundSA: opens ESP packets in place
import Foundation     // file and JSON reading only
import IKEv1          // the readers of the algorithm codes in a negotiated transform
import IPsecCrypto    // the IKEv1 key schedule, CBC, IV chains, KEYMAT
import ISAKMPWire     // ISAKMP messages and payloads
import PacketCapture  // pcap/pcapng frames down to UDP and ESP

let arguments = CommandLine.arguments.dropFirst()
let capturePath = arguments.first ?? "Fixtures/captures/strongswan/main-mode-psk/capture.pcap"
let keysPath = arguments.dropFirst().first
    ?? URL(fileURLWithPath: capturePath).deletingLastPathComponent().appendingPathComponent("keys.json").path

func fail(_ reason: String) -> Never {
    print("DecodeCapture: \(reason)")
    exit(1)
}
func hex(_ value: Any?) -> [UInt8]? { (value as? String).flatMap { [UInt8](hexString: $0) } }
func hex32(_ value: UInt32) -> String { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }.hexString }

// The secrets: the PSK, Phase 1's g^xy and, per Quick Mode with PFS, its g^xy by message ID.
guard let captureBytes = FileManager.default.contents(atPath: capturePath),
      let keysData = FileManager.default.contents(atPath: keysPath),
      let keys = try? JSONSerialization.jsonObject(with: keysData) as? [String: Any],
      let psk = hex(keys["psk_hex"]) ?? (keys["psk_ascii"] as? String).map({ Array($0.utf8) }),
      let phase1GXY = hex((keys["phase1"] as? [String: Any])?["g_xy"]) else {
    fail("cannot read \(capturePath) and a keys file with psk_hex or psk_ascii and phase1.g_xy at \(keysPath)")
}
var pfsSecrets: [UInt32: [UInt8]] = [:]
for q in keys["quick_modes"] as? [[String: Any]] ?? [] {
    if let mid = (q["message_id"] as? String).flatMap({ UInt32($0, radix: 16) }), let gxy = hex(q["g_xy"]) { pfsSecrets[mid] = gxy }
}

/// One Quick Mode (RFC 2409 §5.5): the nonces and SPIs of both sides and the chosen ESP transform.
struct QuickMode { var ni, nr, spiI, spiR: [UInt8]?, transform: TransformPayload? }

/// What a passive observer learns of the ISAKMP SA as its messages go by (RFC 2409 §5), and
/// the keys it derives from that and the secrets.
struct Observer {
    let psk: [UInt8], phase1GXY: [UInt8], pfsSecrets: [UInt32: [UInt8]]
    var saiB: [UInt8]?, chosen: TransformPayload?
    var gxi: [UInt8]?, gxr: [UInt8]?, nonceI: [UInt8]?, nonceR: [UInt8]?
    var phase1Keys: IKEv1Phase1Keys?, cipher: CBCCipher?, ivChain: IKEv1IVChain?
    var initiator: IPAddress?   // whoever sent the first message (its port may change to 4500)
    var quickModes: [UInt32: QuickMode] = [:]
    var espSAs: [UInt32: ESPInboundSA] = [:]

    /// Once both nonces and KE values are known: SKEYID and its descendants, Ka and the IV chain.
    mutating func derivePhase1Keys(cookieI: Cookie, cookieR: Cookie) {
        guard phase1Keys == nil, let chosen, let gxi, let gxr, let nonceI, let nonceR else { return }
        func attribute(_ type: UInt16) -> UInt16? { chosen.attribute(type)?.integerValue.map { UInt16(truncatingIfNeeded: $0) } }
        guard let hash = attribute(IKEAttribute.hashAlgorithm).flatMap(HashAlgorithm.init(ikeAttributeValue:)),
              let algorithm = attribute(IKEAttribute.encryptionAlgorithm).flatMap({
                  CBCAlgorithm(ikeAttributeValue: $0, keyBits: attribute(IKEAttribute.keyLength)) }) else {
            fail("the chosen Phase 1 transform names an algorithm this example does not know")
        }
        let keys = IKEv1Phase1Keys(prf: IKEv1PRF(hash: hash), input: .preSharedKey(SecretBytes(psk)), nonceI: nonceI, nonceR: nonceR,
                                   sharedSecret: SecretBytes(phase1GXY), cookieI: cookieI.bytes, cookieR: cookieR.bytes,
                                   encryptionKeyLength: algorithm.keyLength)
        phase1Keys = keys
        cipher = try? CBCCipher(algorithm: algorithm, key: keys.encryptionKey)
        ivChain = IKEv1IVChain(hash: hash, blockSize: algorithm.blockSize, gxi: gxi, gxr: gxr)
    }

    /// After Quick Mode message 2: KEYMAT for both SPIs (RFC 2409 §5.5), one inbound ESP SA each.
    mutating func deriveESPKeys(messageID: UInt32) {
        guard let keys = phase1Keys, let qm = quickModes[messageID], let ni = qm.ni, let nr = qm.nr, let t = qm.transform,
              let encryption = EncryptionAlgorithm(espTransformID: t.transformID.rawValue,
                                                   keyBits: t.attribute(IPsecAttribute.keyLength)?.integerValue.map { UInt16($0) })
        else { return }
        let integrity = t.attribute(IPsecAttribute.authenticationAlgorithm)?.integerValue
            .flatMap { IntegrityAlgorithm(espAuthAlgorithm: UInt16($0)) }
        for spi in [qm.spiI, qm.spiR].compactMap({ $0 }) where spi.count == 4 {
            let keymat = keys.keymat(protocolID: ProtocolID.esp.rawValue, spi: spi, nonceI: ni, nonceR: nr,
                                     pfsSharedSecret: pfsSecrets[messageID].map { SecretBytes($0) },
                                     length: encryption.keyingMaterialLength + (integrity?.keyLength ?? 0))
            let material = ESPKeyMaterial(keymat: keymat, encryptionKeyLength: encryption.keyingMaterialLength,
                                          integrityKeyLength: integrity?.keyLength ?? 0)
            let value = spi.reduce(0) { $0 << 8 | UInt32($1) }
            // Replay window 0: a capture may hold retransmissions, and we only look.
            espSAs[value] = try? ESPInboundSA(SecurityAssociation(
                spi: value, direction: .inbound, encryption: encryption, integrity: integrity,
                encryptionKey: material.encryptionKey, integrityKey: material.integrityKey, replayWindow: 0))
        }
    }

    /// One ISAKMP message: decrypted if need be, learnt from, printed with its payloads.
    mutating func show(isakmp bytes: ArraySlice<UInt8>, frame: Int, packet: DecodedPacket) {
        guard let message = try? ISAKMPMessage.decode(bytes) else { return print("\(frame): not an IKEv1 message") }
        let h = message.header
        if initiator == nil { initiator = packet.ip?.source }
        let fromInitiator = packet.ip?.source == initiator
        var payloads = message.payloads ?? []
        var note = ""
        if case .encrypted(let ciphertext) = message.body {
            guard let cipher, var chain = ivChain,
                  let plain = try? cipher.decrypt(ciphertext, iv: chain.iv(messageID: h.messageID)),
                  let decrypted = try? message.decodeDecrypted(plain) else {
                return print("\(frame): \(h.exchangeType.name ?? "?") encrypted, no key")
            }
            chain.advance(messageID: h.messageID, ciphertext: ciphertext)
            ivChain = chain
            payloads = decrypted.payloads
            note = " (decrypted)"
        }
        for p in payloads {   // what each payload teaches
            switch (p, h.messageID) {
            case (.securityAssociation(let sa), 0): if fromInitiator { saiB = p.body } else { chosen = sa.proposals.first?.transforms.first }
            case (.keyExchange(let ke), 0): if fromInitiator { gxi = ke.data } else { gxr = ke.data }
            case (.nonce(let n), 0): if fromInitiator { nonceI = n.data } else { nonceR = n.data }
            case (.securityAssociation(let sa), let mid) where fromInitiator: quickModes[mid, default: QuickMode()].spiI = sa.proposals.first?.spi
            case (.securityAssociation(let sa), let mid):
                quickModes[mid, default: QuickMode()].spiR = sa.proposals.first?.spi
                quickModes[mid, default: QuickMode()].transform = sa.proposals.first?.transforms.first
            case (.nonce(let n), let mid) where fromInitiator: quickModes[mid, default: QuickMode()].ni = n.data
            case (.nonce(let n), let mid): quickModes[mid, default: QuickMode()].nr = n.data
            default: break
            }
        }
        derivePhase1Keys(cookieI: h.initiatorCookie, cookieR: h.responderCookie)
        // HASH_I and HASH_R (RFC 2409 §5) are computed over the SA and ID bodies as they travelled.
        if h.messageID == 0, let keys = phase1Keys, let gxi, let gxr, let saiB,
           case .identification(let id)? = payloads.first(where: { $0.type == .identification }),
           case .hash(let received)? = payloads.first(where: { $0.type == .hash }) {
            let (i, r) = (h.initiatorCookie.bytes, h.responderCookie.bytes)
            let expected = fromInitiator
                ? keys.hashI(gxi: gxi, gxr: gxr, cookieI: i, cookieR: r, saiB: saiB, idiiB: id.body)
                : keys.hashR(gxi: gxi, gxr: gxr, cookieI: i, cookieR: r, saiB: saiB, idirB: id.body)
            note += constantTimeEqual(expected, received.data) ? ", HASH_\(fromInitiator ? "I" : "R") valid" : ", HASH INVALID"
        }
        if h.exchangeType == .quickMode && !fromInitiator { deriveESPKeys(messageID: h.messageID) }
        let names = payloads.map { $0.type.name ?? "\($0.type.rawValue)" }.joined(separator: " ")
        let route = "\(packet.sourceDescription ?? "?") -> \(packet.destinationDescription ?? "?")"
        print("\(frame): \(route) \(h.exchangeType.name ?? "?") \(hex32(h.messageID))\(note): \(names)")
    }

    /// One ESP packet (from its SPI on): opened in place when its SA's keys are known.
    func show(esp bytes: ArraySlice<UInt8>, frame: Int) {
        var packet = Array(bytes)
        guard let spi = packet.withUnsafeBytes({ ESPInboundSA.spi(of: $0) }) else { return }
        guard let sa = espSAs[spi] else { return print("\(frame): ESP SPI \(hex32(spi)), no key") }
        let opened = packet.withUnsafeMutableBytes { buffer in try? sa.open(buffer, packet: 0..<buffer.count) }
        guard let opened else { return print("\(frame): ESP SPI \(hex32(spi)) does not open (ICV or padding)") }
        let inner = packet[opened.payload]   // tunnel mode: the inner IPv4 packet
        guard inner.count >= 20, let source = IPAddress(bytes: inner.dropFirst(12).prefix(4)),
              let destination = IPAddress(bytes: inner.dropFirst(16).prefix(4)) else { return }
        let protocolNumber = inner[inner.startIndex + 9]
        print("\(frame): ESP SPI \(hex32(spi)) seq \(opened.sequenceNumber): ICV valid, inner \(source) -> \(destination) protocol \(protocolNumber)")
    }
}

// Walk the capture: ISAKMP on UDP 500, and on 4500 whatever the non-ESP marker says; raw ESP.
var observer = Observer(psk: psk, phase1GXY: phase1GXY, pfsSecrets: pfsSecrets)
do {
    var reader = try CaptureReader(bytes: [UInt8](captureBytes))
    while let frame = try reader.next() {
        let packet = PacketDecoder.decode(frame)
        switch packet.transport {
        case .udp(let sourcePort, let destinationPort, let payload) where sourcePort == 4500 || destinationPort == 4500:
            switch UDPEncapsulated.classify(payload) {
            case .ike(let ike): observer.show(isakmp: ike, frame: frame.index, packet: packet)
            case .esp(let esp): observer.show(esp: esp, frame: frame.index)
            case .keepalive: print("\(frame.index): NAT keepalive")
            case .invalid(let why): print("\(frame.index): \(why)")
            }
        case .udp(let sourcePort, let destinationPort, let payload) where sourcePort == 500 || destinationPort == 500:
            observer.show(isakmp: payload, frame: frame.index, packet: packet)
        case .esp(let payload):
            observer.show(esp: payload, frame: frame.index)
        default:
            break
        }
    }
} catch {
    fail("\(capturePath): \(error)")
}
