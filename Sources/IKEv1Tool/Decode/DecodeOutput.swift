import ISAKMPWire
import IPsecCrypto

/// The two output formats of `ikev1 decode`.
enum DecodeOutput {
    /// One JSON object per record (DESIGN.md, "ikev1 decode").
    static func json(_ r: DecodeRecord) -> JSON {
        var o: [(String, JSON)] = [
            ("frame", .int(r.frame)), ("src", .string(r.source)), ("dst", .string(r.destination)),
            ("proto", .string(r.proto.rawValue)),
        ]
        if let i = r.isakmp {
            var fields = isakmp(i)
            if let whole = r.reassembled {
                fields.append(("reassembled", .object([("from_frames", .array(whole.frames.map { .int($0) }))] + isakmp(whole.isakmp))))
            }
            o.append(("isakmp", .object(fields)))
        } else {
            o.append(("isakmp", .null))
        }
        if let e = r.esp {
            o.append(("esp", .object([
                ("spi", .string(String(format8: e.spi))), ("seq", .int(Int(e.sequence))),
                ("icv", e.icvValid.map { .string($0 ? "valid" : "invalid") } ?? .null),
                ("next_header", e.nextHeader.map { .int(Int($0)) } ?? .null),
                ("inner", e.inner.map { .object([("src", .string($0.source)), ("dst", .string($0.destination)),
                                                 ("protocol", .int(Int($0.protocolNumber))), ("length", .int($0.length))]) } ?? .null),
            ])))
        } else {
            o.append(("esp", .null))
        }
        if let a = r.ah {
            o.append(("ah", .object([
                ("spi", .string(String(format8: a.spi))), ("seq", .int(Int(a.sequence))),
                ("next_header", .int(Int(a.nextHeader))), ("icv", .hex(a.icv)),
            ])))
        }
        o.append(("error", .optional(r.error)))
        return .object(o)
    }

    /// The fields of an `isakmp` object (and of a `reassembled` one).
    static func isakmp(_ i: DecodeRecord.ISAKMP) -> [(String, JSON)] {
        ISAKMPJSON.header(i.header) + [
            ("payloads", i.payloads.map { ISAKMPJSON.payloads($0, certificates: i.certificates) } ?? .array([])),
            ("encrypted", .bool(i.encrypted)),
            ("decrypted", i.decrypted.map(JSON.bool) ?? .null),
            ("hash", i.hashValid.map { .string($0 ? "valid" : "invalid") } ?? .null),
        ]
    }

    /// `ISAKMP Main Mode CKY-I/CKY-R mid=... [payloads] decrypted hash=valid`.
    static func headline(_ i: DecodeRecord.ISAKMP) -> String {
        let h = i.header
        var line = "ISAKMP \(h.exchangeType.name ?? "exchange \(h.exchangeType.rawValue)")"
        line += " \(h.initiatorCookie)/\(h.responderCookie) mid=\(String(format8: h.messageID))"
        if let p = i.payloads {
            line += " [" + p.map(summary).joined(separator: ", ") + "]"
        } else if i.encrypted {
            line += " [encrypted]"
        }
        if i.decrypted == true { line += " decrypted" }
        if let v = i.hashValid { line += v ? " hash=valid" : " hash=INVALID" }
        return line
    }

    /// One line per record, like tshark's summary line, with the payload list.
    static func text(_ r: DecodeRecord, verbose: Bool) -> String {
        var line = "\(pad(String(r.frame), 5)) \(r.source) → \(r.destination) "
        switch r.proto {
        case .isakmp:
            if let i = r.isakmp {
                line += headline(i)
                if let whole = r.reassembled {
                    line += "\n        reassembled from frames \(whole.frames.map(String.init).joined(separator: ", ")): " + headline(whole.isakmp)
                }
            } else {
                line += "ISAKMP"
            }
        case .esp:
            line += "ESP"
            if let e = r.esp {
                line += " spi=0x\(String(format8: e.spi)) seq=\(e.sequence)"
                if let v = e.icvValid { line += v ? " icv=valid" : " icv=INVALID" }
                if let inner = e.inner { line += " inner \(inner.source) → \(inner.destination) proto \(inner.protocolNumber)" }
            }
        case .ah:
            line += "AH"
            if let a = r.ah { line += " spi=0x\(String(format8: a.spi)) seq=\(a.sequence) next=\(a.nextHeader)" }
        case .natKeepalive:
            line += "NAT-keepalive"
        }
        if let e = r.error { line += "  error: \(e)" }
        guard let isakmp = r.isakmp, let payloads = isakmp.payloads else { return line }
        for (index, p) in payloads.enumerated() {
            if verbose {
                line += "\n        " + describe(ISAKMPJSON.payload(p, certificate: isakmp.certificates[index]))
            } else if let certificate = isakmp.certificates[index] {
                line += "\n        " + certificate.text
            } else if case .certificate(let other) = p {
                line += "\n        CERT \(other.encoding.name ?? "encoding \(other.encoding.rawValue)"): \(other.data.count) bytes, not parsed"
                line += " (only X.509 signature certificates are)"
            } else if case .certificateRequest(let request) = p {
                line += "\n        CR \(request.encoding.name ?? "encoding \(request.encoding.rawValue)")"
                switch CertificateReport.authority(request) {
                case .success(let name): line += " CA \"\(name)\""
                case .failure(let error): line += " CA not a DER name (\(error.reason))"
                case nil: line += " (any CA)"
                }
            }
        }
        return line
    }

    /// A payload in the summary line: its name; a fragment with its number, LAST_FRAGMENT and ID.
    private static func summary(_ p: Payload) -> String {
        let name = p.type.name ?? "\(p.type.rawValue)"
        guard case .fragment(let f) = p else { return name }
        return "\(name) #\(f.number)\(f.isLast ? " last" : "") id=\(f.fragmentID)"
    }

    /// `key=value` pairs of a payload object, nested objects in braces.
    private static func describe(_ j: JSON) -> String {
        switch j {
        case .object(let pairs):
            return pairs.filter { $0.1 != .null }.map { "\($0.0)=\(describe($0.1))" }.joined(separator: " ")
        case .array(let a):
            return "[" + a.map { v in if case .object = v { "{" + describe(v) + "}" } else { describe(v) } }.joined(separator: ", ") + "]"
        case .string(let s): return s
        default: return j.serialized()
        }
    }

    private static func pad(_ s: String, _ n: Int) -> String {
        String(repeating: " ", count: max(0, n - s.count)) + s
    }
}
