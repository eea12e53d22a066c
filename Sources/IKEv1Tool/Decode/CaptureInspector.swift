import IKEv1
import ISAKMPWire
import PacketCapture

/// Walks a capture and turns every ISAKMP, ESP, AH and NAT-keepalive packet into a
/// ``DecodeRecord``, in capture order. Packets that do not parse get a record with
/// `error` set and the walk goes on.
struct CaptureInspector {
    /// The IKE ports: ISAKMP on 500, NAT-T (non-ESP marker, ESP-in-UDP, keepalives) on 4500.
    static let ikePort: UInt16 = 500
    static let natTPort: UInt16 = 4500

    /// Decrypts and verifies when the user gave keys; nil otherwise.
    var decryptor: (any MessageDecryptor)?
    /// IKE fragments (payload 132) put back together, as the engine does; keyed by the sender's
    /// "ip:port" text. No timeout applies inside a capture (the time passed is always zero);
    /// the memory limits do.
    var fragments = try! IKEFragmentReassembler()   // the default limits are valid
    /// The frames of the fragments held per sender, initiator cookie and fragment ID.
    var fragmentFrames: [String: [Int]] = [:]

    /// All records of a capture file's bytes; a file that is no capture at all throws.
    ///
    /// IP fragments are reassembled (in order, as tshark does) and the datagram is
    /// reported at its last fragment's frame; a first fragment whose datagram never
    /// completes is decoded as far as it goes and reported with an error.
    mutating func inspect(_ bytes: [UInt8]) throws(CaptureError) -> [DecodeRecord] {
        var reader = try CaptureReader(bytes: bytes)
        var records: [DecodeRecord] = []
        var reassembler = FragmentReassembler()
        var incomplete: [Int: [DecodeRecord]] = [:]
        for result in reader.readAll() {
            switch result {
            case .success(let frame):
                var packet = PacketDecoder.decode(frame)
                guard let ip = packet.ip, let fragment = ip.fragment, fragment.isFragment else {
                    records += inspect(packet)
                    continue
                }
                if let datagram = reassembler.add(packet) {
                    incomplete[datagram.frameIndices[0]] = nil
                    packet.transport = datagram.transport
                    packet.error = datagram.error
                    records += inspect(packet)
                } else if fragment.offset == 0, let payload = packet.ipPayload,
                          let transport = try? PacketDecoder.transport(ip.protocolNumber, payload, at: 0) {
                    packet.transport = transport
                    incomplete[frame.index] = inspect(packet).map { r in
                        var r = r
                        let note = "first IP fragment only: the rest of the datagram is not in the capture"
                        r.error = r.error.map { "\($0) (\(note))" } ?? note
                        return r
                    }
                }
            case .failure(let error):
                records.append(DecodeRecord(frame: error.frame ?? 0, source: "", destination: "", proto: .isakmp,
                                            error: "capture record unreadable: \(error)"))
            }
        }
        records += incomplete.values.joined()
        records = records.enumerated().sorted { ($0.element.frame, $0.offset) < ($1.element.frame, $1.offset) }.map(\.element)
        CertificateReport.annotate(&records)
        return records
    }

    mutating func inspect(_ packet: DecodedPacket) -> [DecodeRecord] {
        guard let ip = packet.ip else { return [] }
        let src = packet.sourceDescription ?? ip.source.description
        let dst = packet.destinationDescription ?? ip.destination.description
        func record(_ proto: DecodeRecord.Proto) -> DecodeRecord {
            DecodeRecord(frame: packet.frameIndex, source: src, destination: dst, proto: proto)
        }
        switch packet.transport {
        case .udp(let sp, let dp, let payload) where sp == Self.natTPort || dp == Self.natTPort:
            switch UDPEncapsulated.classify(payload) {
            case .ike(let ike): return [isakmp(ike, record(.isakmp), source: src, destination: dst)]
            case .esp(let esp): return [self.esp(esp, record(.esp))]
            case .keepalive: return [record(.natKeepalive)]
            case .invalid(let why):
                var r = record(.esp)
                r.error = "UDP \(Self.natTPort) datagram: \(why)"
                return [r]
            }
        case .udp(let sp, let dp, let payload) where sp == Self.ikePort || dp == Self.ikePort:
            return [isakmp(payload, record(.isakmp), source: src, destination: dst)]
        case .esp(let payload):
            return [esp(payload, record(.esp))]
        case .ah(let payload):
            let ah = ah(payload, record(.ah))
            // AH protecting ESP (RFC 4302 §3.1 with next header 50): report both layers.
            if let a = ah.ah, a.nextHeader == PacketDecoder.espProtocol {
                return [ah, esp(payload.dropFirst(a.length), record(.esp))]
            }
            return [ah]
        default:
            if packet.transport == nil, let error = packet.error, [.udp, .ipv4, .ipv6].contains(error.layer),
               ip.protocolNumber == PacketDecoder.udpProtocol || ip.protocolNumber == PacketDecoder.espProtocol {
                var r = record(ip.protocolNumber == PacketDecoder.espProtocol ? .esp : .isakmp)
                r.error = error.description
                return [r]
            }
            return []
        }
    }

    private mutating func isakmp(_ bytes: ArraySlice<UInt8>, _ base: DecodeRecord,
                                 source: String, destination: String) -> DecodeRecord {
        var r = base
        let header: ISAKMPHeader
        do {
            header = try ISAKMPHeader.decode(bytes)
        } catch {
            r.error = "ISAKMP: \(error)"
            return r
        }
        guard header.nextPayload == .fragment else {
            (r.isakmp, r.error) = message(bytes, header: header, source: source, destination: destination)
            return r
        }
        // A fragment: shown as it is; the fragment that completes a message also carries the
        // message, decoded (and decrypted) as if it had come whole.
        (r.isakmp, r.error) = message(bytes, header: header, source: source, destination: destination, decrypting: false)
        let key = "\(source) \(header.initiatorCookie) \((try? FragmentMessage.decode(bytes))?.fragment.fragmentID ?? 0)"
        fragmentFrames[key, default: []].append(r.frame)
        switch fragments.receive(bytes, from: SocketAddress(address: Array(source.utf8), port: 0), now: EngineTime(milliseconds: 0)) {
        case .incomplete:
            break
        case .dropped(let reason):
            fragmentFrames[key] = nil
            r.error = r.error ?? "IKE fragment: \(reason)"
        case .complete(let whole):
            let frames = fragmentFrames.removeValue(forKey: key) ?? [r.frame]
            guard let h = try? ISAKMPHeader.decode(whole[...]), h.nextPayload != .fragment else {
                r.error = "IKE fragments of frames \(frames): the message they make up is itself a fragment"
                return r
            }
            let (message, error) = message(whole[...], header: h, source: source, destination: destination)
            r.reassembled = message.map { DecodeRecord.Reassembled(frames: frames, isakmp: $0) }
            r.error = r.error ?? error
        }
        return r
    }

    /// One ISAKMP message decoded, and (with keys, `decrypting`) decrypted and verified.
    private mutating func message(_ bytes: ArraySlice<UInt8>, header: ISAKMPHeader, source: String, destination: String,
                                  decrypting: Bool = true) -> (DecodeRecord.ISAKMP?, String?) {
        do {
            let message = try ISAKMPMessage.decode(bytes)
            var info = DecodeRecord.ISAKMP(header: header, payloads: message.payloads,
                                           encrypted: header.flags.contains(.encryption))
            var error: String?
            if let decryptor, decrypting {
                let outcome = decryptor.process(message, raw: bytes, source: source, destination: destination)
                if info.encrypted { info.decrypted = outcome.payloads != nil }
                if let p = outcome.payloads { info.payloads = p }
                info.hashValid = outcome.hashValid
                error = outcome.error
            }
            return (info, error)
        } catch {
            return (DecodeRecord.ISAKMP(header: header, payloads: nil, encrypted: header.flags.contains(.encryption)),
                    header.majorVersion == 1 ? "ISAKMP: \(error)" : "IKEv\(header.majorVersion) message: not decoded (\(error.reason))")
        }
    }

    private mutating func esp(_ bytes: ArraySlice<UInt8>, _ base: DecodeRecord) -> DecodeRecord {
        var r = base
        guard bytes.count >= 8 else {
            r.error = "ESP: \(bytes.count) bytes, shorter than the 8-byte SPI and sequence number"
            return r
        }
        let b = Array(bytes.prefix(8))
        let spi = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        let seq = UInt32(b[4]) << 24 | UInt32(b[5]) << 16 | UInt32(b[6]) << 8 | UInt32(b[7])
        r.esp = DecodeRecord.ESP(spi: spi, sequence: seq)
        if let decryptor, let opened = decryptor.openESP(bytes, spi: spi) {
            r.esp?.icvValid = opened.icvValid
            r.esp?.nextHeader = opened.nextHeader
            r.esp?.inner = opened.inner
            r.error = opened.error
        }
        return r
    }

    private func ah(_ bytes: ArraySlice<UInt8>, _ base: DecodeRecord) -> DecodeRecord {
        var r = base
        // RFC 4302 §2: Payload Len is the AH length in 32-bit words minus 2.
        let b = Array(bytes)
        guard b.count >= 12 else {
            r.error = "AH: \(b.count) bytes, shorter than the 12-byte header"
            return r
        }
        let total = (Int(b[1]) + 2) * 4
        guard total >= 12, total <= b.count else {
            r.error = "AH: Payload Len \(b[1]) gives \(total) bytes, the packet has \(b.count)"
            return r
        }
        r.ah = DecodeRecord.AH(nextHeader: b[0], length: total,
                               spi: UInt32(b[4]) << 24 | UInt32(b[5]) << 16 | UInt32(b[6]) << 8 | UInt32(b[7]),
                               sequence: UInt32(b[8]) << 24 | UInt32(b[9]) << 16 | UInt32(b[10]) << 8 | UInt32(b[11]),
                               icv: Array(b[12..<total]))
        return r
    }
}

/// What the key-aware part of `decode` contributes; implemented once keys are loaded.
protocol MessageDecryptor: AnyObject {
    /// Decrypts (when encrypted) and verifies a message; advances IV state.
    func process(_ message: ISAKMPMessage, raw: ArraySlice<UInt8>, source: String,
                          destination: String) -> (payloads: [Payload]?, hashValid: Bool?, error: String?)
    /// Opens an ESP packet when the SPI's keys are known.
    func openESP(_ packet: ArraySlice<UInt8>, spi: UInt32)
        -> (icvValid: Bool, nextHeader: UInt8?, inner: (source: String, destination: String, protocolNumber: UInt8, length: Int)?, error: String?)?
}
