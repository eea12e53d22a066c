import IPsecCrypto
import Testing

/// Distinguished names in strongSwan's and OpenSSL's text forms, and
/// canonical equality (RFC 5280 §7.1, OpenSSL's X509_NAME_cmp rule).
@Suite struct DistinguishedNameTests {
    @Test(arguments: [
        "C=CH, O=strongSwan, CN=moon.strongswan.org",
        "C=CH, O=Linux strongSwan, OU=Research, CN=carol@strongswan.org, E=carol@strongswan.org",
        "DC=org, DC=example, UID=jdoe, CN=John Doe",
        "C=CH, O=a\\, b, CN=x\\\\y",
        "CN=Zürich Gateway",
        "1.3.6.1.4.1.99999.1=unlisted, CN=x",
    ])
    func printsWhatItParsed(text: String) throws {
        let name = try DistinguishedName(parsing: text)
        #expect(name.description == text)
        #expect(try DistinguishedName(der: name.der) == name)
        #expect(try DistinguishedName(der: name.der).description == text)
    }

    @Test func openSSLSlashFormIsTheSameName() throws {
        let slash = try DistinguishedName(parsing: "/C=CH/O=strongSwan/CN=moon")
        let comma = try DistinguishedName(parsing: "C=CH, O=strongSwan, CN=moon")
        #expect(slash == comma)
        #expect(slash.der == comma.der)
        #expect(slash.description == "C=CH, O=strongSwan, CN=moon")
        #expect(try DistinguishedName(parsing: "/CN=a, b/O=x").first("CN") == "a, b")
    }

    @Test func equalityIsCanonical() throws {
        let name = try DistinguishedName(parsing: "C=CH, O=strongSwan, CN=moon")
        #expect(try DistinguishedName(parsing: "c=ch,o=STRONGSWAN,  cn =  moon ") == name)
        #expect(try DistinguishedName(parsing: "C=CH, O=strong  Swan, CN=moon") == DistinguishedName(parsing: "C=CH, O=strong Swan, CN=moon"))
        #expect(try DistinguishedName(parsing: "C=CH, O=strongSwan, CN=sun") != name)
        #expect(try DistinguishedName(parsing: "O=strongSwan, C=CH, CN=moon") != name)   // order matters
        #expect(try DistinguishedName(parsing: "C=CH, O=strongSwan") != name)
        #expect(Set([name, try DistinguishedName(parsing: "C=ch, O=strongswan, CN=MOON")]).count == 1)
        // The same name with CN as UTF8String and as PrintableString (hand-built DER) is equal, DER differs.
        let printable: [UInt8] = [0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x04] + Array("moon".utf8)
        let utf8: [UInt8] = [0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x04] + Array("Moon".utf8)
        #expect(try DistinguishedName(der: printable) == DistinguishedName(der: utf8))
        #expect(try DistinguishedName(der: printable).description == "CN=moon")
    }

    @Test func wildcardPatterns() throws {
        let moon = try DistinguishedName(parsing: "C=CH, O=strongSwan, CN=moon")
        #expect(moon.matches(pattern: try DistinguishedName(parsing: "C=CH, O=strongSwan, CN=*")))
        #expect(moon.matches(pattern: try DistinguishedName(parsing: "C=ch, O=*, CN=MOON")))
        #expect(moon.matches(pattern: moon))
        #expect(!moon.matches(pattern: try DistinguishedName(parsing: "C=CH, O=other, CN=*")))
        #expect(!moon.matches(pattern: try DistinguishedName(parsing: "C=CH, CN=*")))
        #expect(!moon.matches(pattern: try DistinguishedName(parsing: "C=CH, OU=*, CN=moon")))
        #expect(!moon.matches(pattern: try DistinguishedName(parsing: "C=CH, O=strongSwan, CN=moo*")))
    }

    @Test func labelsFollowStrongSwan() throws {
        let name = try DistinguishedName(parsing: "emailAddress=a@b.c, serialNumber=42, S=Doe, GN=Jane")
        #expect(name.description == "E=a@b.c, SN=42, S=Doe, G=Jane")
        #expect(name.attributes.map(\.type) == ["E", "SN", "S", "G"])
    }

    @Test(arguments: ["", "   ", "CN", "=x", "C=CH, , CN=x", "XYZ=1", "CN=\"open", "CN=a\\", "C=Switzerland"])
    func badTextIsATypedError(text: String) {
        #expect(throws: CryptoError(.invalidCertificate, "")) { try DistinguishedName(parsing: text) }
    }

    @Test func badDERIsATypedError() throws {
        let der = try DistinguishedName(parsing: "C=CH, CN=moon").der
        #expect(throws: CryptoError(.invalidCertificate, "")) { try DistinguishedName(der: Array(der.dropLast())) }
        #expect(throws: CryptoError(.invalidCertificate, "")) { try DistinguishedName(der: der + [0]) }
        #expect(throws: CryptoError(.invalidCertificate, "")) { try DistinguishedName(der: [0x04, 0x00]) }
    }
}
