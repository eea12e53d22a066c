internal import COpenSSL

/// An X.501 distinguished name (RFC 5280 §4.1.2.4): a certificate's subject or
/// issuer, the data of an ID_DER_ASN1_DN identification (RFC 2407 §4.6.2.1) and
/// of a CR payload's Certificate Authority field (RFC 2408 §3.10).
///
/// Two names are equal when their canonical forms are: attribute types and
/// order must match, string values compare after trimming, collapsing inner
/// whitespace and ASCII case folding, whatever their ASN.1 string type (the
/// rule of OpenSSL's `X509_NAME_cmp` and RFC 5280 §7.1). `der` keeps the bytes
/// as parsed or built.
public struct DistinguishedName: Hashable, Sendable, CustomStringConvertible {
    /// The DER `Name` (a SEQUENCE of RDNs).
    public let der: [UInt8]
    /// The attributes in order, one per AttributeTypeAndValue.
    public let attributes: [Attribute]
    let canonical: [UInt8]

    /// One AttributeTypeAndValue of a name.
    public struct Attribute: Hashable, Sendable {
        /// The strongSwan label ("CN", "O", "E") or the dotted OID when there is none.
        public let type: String
        /// The value as UTF-8 text; "#" and hex of the DER value when it is not a string type.
        public let value: String
        /// Index of the RDN this attribute belongs to (several attributes share one in a multi-valued RDN).
        public let rdn: Int
    }

    /// Parses a DER `Name`, e.g. the data of an ID_DER_ASN1_DN payload.
    public init(der: [UInt8]) throws(CryptoError) {
        let name: OpaquePointer? = der.withUnsafeBytes { b in
            var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let name = d2i_X509_NAME(nil, &p, b.count) else { return nil }
            guard p == b.baseAddress?.assumingMemoryBound(to: UInt8.self).advanced(by: b.count) else {
                X509_NAME_free(name)
                return nil
            }
            return name
        }
        guard let name else {
            ERR_clear_error()
            throw CryptoError(.invalidCertificate, "not a DER distinguished name (\(der.count) bytes)")
        }
        defer { X509_NAME_free(name) }
        self.init(der: der, name: name)
    }

    /// Parses a textual name: strongSwan's "C=CH, O=strongSwan, CN=moon" or
    /// OpenSSL's "/C=CH/O=strongSwan/CN=moon". Types are strongSwan's labels
    /// (C, ST, L, O, OU, CN, E, DC, UID, SN = serialNumber, S = surname, G, ...),
    /// OpenSSL's names, or dotted OIDs. A backslash escapes the next character
    /// (or gives a byte as two hex digits, RFC 4514); a value may be "quoted".
    public init(parsing text: String) throws(CryptoError) {
        let pairs = try Self.split(text)
        guard let name = X509_NAME_new() else { throw .internalFailure("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        for (type, value) in pairs {
            guard let object = Self.object(for: type) else {
                throw CryptoError(.invalidCertificate, "unknown attribute type \"\(type)\" in \"\(text)\"")
            }
            defer { ASN1_OBJECT_free(object) }
            let bytes = Array(value.utf8)
            guard X509_NAME_add_entry_by_OBJ(name, object, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1 else {
                ERR_clear_error()
                throw CryptoError(.invalidCertificate, "\(type)=\(value) is not a valid attribute value")
            }
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_NAME(name, &out)
        guard length > 0, let out else { throw .internalFailure("i2d_X509_NAME") }
        defer { swift_ikev1_openssl_free(out) }
        self.init(der: Array(UnsafeBufferPointer(start: out, count: Int(length))), name: name)
    }

    /// Reads a name owned by libcrypto (a certificate's subject or issuer).
    init(borrowing name: OpaquePointer) {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_NAME(name, &out)
        let der = length > 0 && out != nil ? Array(UnsafeBufferPointer(start: out, count: Int(length))) : []
        swift_ikev1_openssl_free(out)
        self.init(der: der, name: name)
    }

    private init(der: [UInt8], name: OpaquePointer) {
        self.der = der
        var attributes: [Attribute] = []
        var canonical: [UInt8] = []
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index),
                  let object = X509_NAME_ENTRY_get_object(entry),
                  let data = X509_NAME_ENTRY_get_data(entry) else { continue }
            let rdn = Int(X509_NAME_ENTRY_set(entry))
            let value = Self.text(of: data)
            attributes.append(Attribute(type: Self.label(for: object), value: value ?? "#" + Self.hex(of: data), rdn: rdn))
            // Canonical entry: RDN index, OID, then the folded text or the raw typed value.
            let oid = Array(UnsafeBufferPointer(start: OBJ_get0_data(object), count: Int(OBJ_length(object))))
            let folded = value.map { Self.fold($0) } ?? [UInt8(truncatingIfNeeded: ASN1_STRING_type(data))] + Self.bytes(of: data)
            for part in [[UInt8(truncatingIfNeeded: rdn)], oid, folded] {
                canonical += [UInt8(truncatingIfNeeded: part.count >> 8), UInt8(truncatingIfNeeded: part.count)] + part
            }
        }
        self.attributes = attributes
        self.canonical = canonical
    }

    /// strongSwan's form: "C=CH, O=strongSwan, CN=moon" (commas and backslashes in values escaped).
    public var description: String {
        attributes.map { attribute in
            var value = ""
            for character in attribute.value {
                if character == "," || character == "\\" { value.append("\\") }
                value.append(character)
            }
            return "\(attribute.type)=\(value)"
        }.joined(separator: ", ")
    }

    /// The value of the first attribute of `type` (a strongSwan label such as "CN").
    public func first(_ type: String) -> String? { attributes.first { $0.type == type }?.value }

    /// True when this name matches `pattern`, a configured peer ID in which an
    /// attribute value of exactly "*" stands for any value ("C=CH, O=strongSwan, CN=*",
    /// as strongSwan allows): same attribute types in the same order, other values
    /// equal after canonical folding.
    public func matches(pattern: DistinguishedName) -> Bool {
        guard attributes.count == pattern.attributes.count else { return false }
        return zip(attributes, pattern.attributes).allSatisfy { value, wanted in
            value.type == wanted.type && (wanted.value == "*" || Self.fold(value.value) == Self.fold(wanted.value))
        }
    }

    /// Equal when the canonical forms are equal (see the type's comment), whatever the ASN.1
    /// string types and the case and spacing of the values.
    public static func == (lhs: DistinguishedName, rhs: DistinguishedName) -> Bool { lhs.canonical == rhs.canonical }
    /// Hashes the canonical form, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }
}

extension DistinguishedName {
    /// strongSwan's attribute labels (its x501rdns table), first label per NID
    /// is the one printed; the others are accepted when parsing.
    static let labels: [(String, Int32)] = [
        ("C", NID_countryName), ("ST", NID_stateOrProvinceName), ("L", NID_localityName),
        ("O", NID_organizationName), ("OU", NID_organizationalUnitName), ("CN", NID_commonName),
        ("E", NID_pkcs9_emailAddress), ("Email", NID_pkcs9_emailAddress), ("emailAddress", NID_pkcs9_emailAddress),
        ("DC", NID_domainComponent), ("UID", NID_userId), ("SN", NID_serialNumber), ("serialNumber", NID_serialNumber),
        ("S", NID_surname), ("G", NID_givenName), ("GN", NID_givenName), ("I", NID_initials), ("T", NID_title),
        ("D", NID_description), ("N", NID_name), ("STREET", NID_streetAddress), ("postalCode", NID_postalCode),
        ("dnQualifier", NID_dnQualifier), ("pseudonym", NID_pseudonym), ("UN", NID_pkcs9_unstructuredName),
    ]

    static func label(for object: OpaquePointer) -> String {
        let nid = OBJ_obj2nid(object)
        if nid != NID_undef, let label = labels.first(where: { $0.1 == nid }) { return label.0 }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = Int(OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1))
        return String(decoding: buffer[..<max(0, min(length, buffer.count - 1))].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func object(for type: String) -> OpaquePointer? {
        if let label = labels.first(where: { $0.0.lowercased() == type.lowercased() }) { return OBJ_nid2obj(label.1).flatMap { OBJ_dup($0) } }
        let object = OBJ_txt2obj(type, 0)
        if object == nil { ERR_clear_error() }
        return object
    }

    /// UTF-8 text of a string-typed value, nil for other ASN.1 types.
    static func text(of data: UnsafeMutablePointer<ASN1_STRING>) -> String? {
        let stringTypes: Set<Int32> = [V_ASN1_PRINTABLESTRING, V_ASN1_T61STRING, V_ASN1_IA5STRING, V_ASN1_UTF8STRING,
                                       V_ASN1_BMPSTRING, V_ASN1_UNIVERSALSTRING, V_ASN1_VISIBLESTRING, V_ASN1_NUMERICSTRING]
        guard stringTypes.contains(ASN1_STRING_type(data)) else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&out, data)
        guard length >= 0, let out else { ERR_clear_error(); return nil }
        defer { swift_ikev1_openssl_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }

    static func bytes(of data: UnsafeMutablePointer<ASN1_STRING>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(data), count: Int(ASN1_STRING_length(data))))
    }

    static func hex(of data: UnsafeMutablePointer<ASN1_STRING>) -> String {
        bytes(of: data).map { String($0, radix: 16).leftPadded(2) }.joined()
    }

    /// Trim, collapse whitespace runs to one space, fold ASCII case (RFC 5280 §7.1, as OpenSSL does).
    static func fold(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in text.utf8 {
            if byte == 0x20 || (0x09...0x0D).contains(byte) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(0x20); pendingSpace = false }
            out.append((0x41...0x5A).contains(byte) ? byte + 0x20 : byte)
        }
        return out
    }

    /// Splits textual DN into (type, value) pairs; see `init(parsing:)`.
    static func split(_ text: String) throws(CryptoError) -> [(String, String)] {
        var chars = Array(text.trimmed)
        guard !chars.isEmpty else { throw CryptoError(.invalidCertificate, "empty distinguished name") }
        let separator: Character = chars.first == "/" ? "/" : ","
        if separator == "/" { chars.removeFirst() }
        var pairs: [(String, String)] = []
        var index = 0
        while index < chars.count {
            guard let equals = chars[index...].firstIndex(of: "=") else {
                throw CryptoError(.invalidCertificate, "expected TYPE=value in \"\(text)\"")
            }
            let type = String(chars[index..<equals]).trimmed
            guard !type.isEmpty, !type.contains(separator) else {
                throw CryptoError(.invalidCertificate, "expected TYPE=value in \"\(text)\"")
            }
            index = equals + 1
            var value: [UInt8] = []
            var quoted = false
            var trailingSpaces = 0
            while index < chars.count {
                let c = chars[index]
                if c == "\"" {
                    quoted.toggle(); trailingSpaces = 0; index += 1; continue
                }
                if c == "\\" {
                    guard index + 1 < chars.count else { throw CryptoError(.invalidCertificate, "trailing backslash in \"\(text)\"") }
                    if index + 2 < chars.count, let byte = UInt8(String(chars[index + 1...index + 2]), radix: 16) {
                        value.append(byte); index += 3
                    } else {
                        value += Array(String(chars[index + 1]).utf8); index += 2
                    }
                    trailingSpaces = 0
                    continue
                }
                if c == separator && !quoted { break }
                if c == " " && value.isEmpty && !quoted { index += 1; continue }
                value += Array(String(c).utf8)
                trailingSpaces = c == " " && !quoted ? trailingSpaces + 1 : 0
                index += 1
            }
            guard !quoted else { throw CryptoError(.invalidCertificate, "unterminated quote in \"\(text)\"") }
            value.removeLast(trailingSpaces)
            pairs.append((type, String(decoding: value, as: UTF8.self)))
            index += 1
        }
        return pairs
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }

    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
