import ISAKMPWire
import IPsecCrypto

/// The `isakmp` object of `ikev1 decode --format jsonl` (DESIGN.md), field names as the RFCs name them.
enum ISAKMPJSON {
    static func header(_ h: ISAKMPHeader) -> [(String, JSON)] {
        [
            ("icookie", .string(h.initiatorCookie.description)),
            ("rcookie", .string(h.responderCookie.description)),
            ("version", .string("\(h.majorVersion).\(h.minorVersion)")),
            ("exchange", .int(Int(h.exchangeType.rawValue))),
            ("exchange_name", .optional(h.exchangeType.name)),
            ("flags", .object([
                ("encryption", .bool(h.flags.contains(.encryption))),
                ("commit", .bool(h.flags.contains(.commit))),
                ("authentication_only", .bool(h.flags.contains(.authenticationOnly))),
            ])),
            ("message_id", .string(String(format8: h.messageID))),
            ("length", .int(Int(h.length))),
        ]
    }

    static func payloads(_ payloads: [Payload], certificates: [Int: CertificateReport] = [:]) -> JSON {
        .array(payloads.enumerated().map { payload($0.element, certificate: certificates[$0.offset]) })
    }

    /// A payload's object; `certificate` adds what the parsed X.509 certificate of a CERT payload says.
    static func payload(_ p: Payload, certificate: CertificateReport? = nil) -> JSON {
        var o: [(String, JSON)] = [
            ("type", .int(Int(p.type.rawValue))),
            ("name", .optional(p.type.name)),
            ("length", .int(4 + p.body.count)),
        ]
        switch p {
        case .securityAssociation(let sa):
            o += [("doi", .int(Int(sa.doi.rawValue))), ("situation", .int(Int(sa.situation.rawValue))),
                  ("proposals", .array(sa.proposals.map(proposal)))]
        case .keyExchange(let ke):
            o += [("data_length", .int(ke.data.count)), ("data", .hex(ke.data))]
        case .identification(let id):
            o += [("id_type", .int(Int(id.idType.rawValue))), ("id_type_name", .optional(id.idType.name)),
                  ("protocol", .int(Int(id.protocolID))), ("port", .int(Int(id.port))),
                  ("data", .hex(id.data)), ("value", .optional(id.identity?.description))]
        case .certificate(let c):
            o += [("encoding", .int(Int(c.encoding.rawValue))), ("encoding_name", .optional(c.encoding.name)),
                  ("data_length", .int(c.data.count)), ("data", .hex(c.data))]
            if let certificate {
                o.append(("certificate", certificate.json))
                if let error = certificate.error { o.append(("certificate_error", .string(error))) }
            }
        case .certificateRequest(let c):
            o += [("encoding", .int(Int(c.encoding.rawValue))), ("encoding_name", .optional(c.encoding.name)),
                  ("authority", .hex(c.authority))]
            switch CertificateReport.authority(c) {
            case .success(let name): o.append(("authority_dn", .string(name.description)))
            case .failure(let error): o.append(("authority_error", .string(error.reason)))
            case nil: break
            }
        case .hash(let h): o += [("data", .hex(h.data))]
        case .signature(let s): o += [("data_length", .int(s.data.count)), ("data", .hex(s.data))]
        case .nonce(let n): o += [("data_length", .int(n.data.count)), ("data", .hex(n.data))]
        case .notification(let n):
            o += [("doi", .int(Int(n.doi.rawValue))), ("protocol", .int(Int(n.protocolID.rawValue))),
                  ("notify_type", .int(Int(n.notifyType.rawValue))), ("notify_name", .optional(n.notifyType.name)),
                  ("spi", .hex(n.spi)), ("data", .hex(n.data))]
            if let seq = n.dpdSequence { o.append(("dpd_sequence", .int(Int(seq)))) }
        case .delete(let d):
            o += [("doi", .int(Int(d.doi.rawValue))), ("protocol", .int(Int(d.protocolID.rawValue))),
                  ("spi_size", .int(Int(d.spiSize))), ("spis", .array(d.spis.map { .hex($0) }))]
        case .vendorID(let v): o += [("data", .hex(v.data)), ("vendor", .optional(v.known?.name))]
        case .attribute(let a):
            o += [("config_type", .int(Int(a.configType))), ("config_type_name", .optional(a.configTypeName)),
                  ("identifier", .int(Int(a.identifier))),
                  ("attributes", .array(a.attributes.map { attribute($0, context: nil) }))]
        case .natDiscovery(let n): o += [("hash", .hex(n.hash))]
        case .natOriginalAddress(let n):
            o += [("id_type", .int(Int(n.idType.rawValue))), ("address", .string(IPAddressText.format(n.address)))]
        case .fragment(let f):
            o += [("fragment_id", .int(Int(f.fragmentID))), ("number", .int(Int(f.number))),
                  ("last", .bool(f.isLast)), ("data_length", .int(f.data.count))]
        case .raw(let r):
            o += [("reserved", .int(Int(r.reserved))), ("data", .hex(r.body))]
        }
        return .object(o)
    }

    static func proposal(_ p: ProposalPayload) -> JSON {
        .object([
            ("number", .int(Int(p.number))),
            ("protocol", .int(Int(p.protocolID.rawValue))),
            ("protocol_name", .optional(p.protocolID.name)),
            ("spi", .hex(p.spi)),
            ("transforms", .array(p.transforms.map(transform))),
        ])
    }

    static func transform(_ t: TransformPayload) -> JSON {
        .object([
            ("number", .int(Int(t.number))),
            ("id", .int(Int(t.transformID.rawValue))),
            ("id_name", .optional(t.transformID.name)),
            ("attributes", .array(t.attributes.map { attribute($0, context: t.attributeContext) })),
        ])
    }

    static func attribute(_ a: DataAttribute, context: AttributeContext?) -> JSON {
        var o: [(String, JSON)] = [("class", .int(Int(a.type)))]
        if let context { o.append(("class_name", .optional(context.typeName(a.type)))) }
        switch a.value {
        case .basic(let v):
            o.append(("value", .int(Int(v))))
            if let context { o.append(("name", .optional(context.valueName(type: a.type, value: v)))) }
        case .variable(let bytes):
            o.append(("value", a.integerValue.map { .int(Int(clamping: $0)) } ?? .hex(bytes)))
            o.append(("tlv", .bool(true)))
        }
        return .object(o)
    }
}

extension String {
    /// Eight lowercase hex digits.
    init(format8 v: UInt32) {
        let s = String(v, radix: 16)
        self = String(repeating: "0", count: 8 - s.count) + s
    }
}
