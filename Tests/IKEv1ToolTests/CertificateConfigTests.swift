import ArgumentParser
import Foundation
import IKEv1
import IPsecNode
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing
import IKEv1Config
@testable import IKEv1Tool

/// Certificate authentication from the config file (`cert`, `key`, `ca`) and the flags
/// (`--cert`, `--key`, `--ca`): what is accepted, what the engine gets, and that every bad file
/// is named with what is wrong with it (at its line, in a config file).
@Suite(.serialized)
struct CertificateConfigTests {
    /// A PKI made in memory (DemoPKI), written to a fresh directory as PEM files:
    /// root.pem, initiator.pem (leaf and intermediate)/.key, responder.key, plus broken files.
    final class Files {
        let directory: URL
        let pki: DemoPKI

        init(_ algorithm: KeyAlgorithm = .ecdsaP256) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ikev1-certconfig-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            pki = try DemoPKI(algorithm, now: Int64(Date().timeIntervalSince1970),
                              initiatorAddress: [192, 0, 2, 1], responderAddress: [192, 0, 2, 2])
            try write("root.pem", pki.authority.root.pem)
            try write("initiator.pem", pki.initiator.chain.map(\.pem).joined())   // leaf, then the intermediate
            try write("initiator.key", pki.initiator.signingKey.pem)
            try write("responder.key", pki.responder.signingKey.pem)
            try write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
            try write("empty.pem", "")
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
    }

    static let local = SocketAddress(address: [192, 0, 2, 1], port: 500)

    @Test func configFileCertificateAuthentication() throws {
        let f = try Files()
        let text = """
        [conn office]
        remote = 192.0.2.2
        cert = \(f.path("initiator.pem"))
        key = \(f.path("initiator.key"))
        ca = \(f.path("root.pem"))
        ca = \(f.path("root.pem"))   # repeatable
        remote_id = C=CH, O=swift-ikev1 demo, CN=responder.example
        """
        let conns = try ConfigFile.parse(text)
        #expect(conns[0].certificateFile == f.path("initiator.pem") && conns[0].keyFile == f.path("initiator.key"))
        #expect(conns[0].caFiles.count == 2 && conns[0].psk == nil)
        let config = try PeerConfigBuilder.build(conns[0], local: Self.local, responder: false)
        // Our identity defaults to the certificate's subject, as charon's does.
        #expect(config.localIdentity == .derASN1DN(f.pki.initiator.chain[0].subject.der))
        #expect(config.remoteIdentity == .derASN1DN(f.pki.responder.chain[0].subject.der))
        #expect(config.ikeProposals.allSatisfy { $0.authMethod == .ecdsaP256 })
        #expect(config.authentication.signatureCredentials?.chain == f.pki.initiator.chain && f.pki.initiator.chain.count == 2)
        #expect(config.authentication.signatureCredentials?.trustStore.anchors == [f.pki.authority.root, f.pki.authority.root])   // one per ca line
    }

    @Test func explicitLocalIdentityMustBeInTheCertificate() throws {
        let f = try Files(.rsa(bits: 2048))
        var s = ConnectionSettings(name: "x")
        s.remote = "192.0.2.2"
        (s.certificateFile, s.keyFile, s.caFiles) = (f.path("initiator.pem"), f.path("initiator.key"), [f.path("root.pem")])
        s.localID = "@initiator.example"
        let config = try PeerConfigBuilder.build(s, local: Self.local, responder: false)
        #expect(config.localIdentity == .fqdn("initiator.example"))
        #expect(config.ikeProposals.allSatisfy { $0.authMethod == .rsaSignature })
        s.localID = "@someone-else.example"
        #expect { try PeerConfigBuilder.build(s, local: Self.local, responder: false) } throws: { error in
            "\(error)".contains("someone-else.example")
        }
    }

    /// Every mistake names its line and the file.
    @Test func badFilesNameTheirLineAndFile() throws {
        let f = try Files()
        let cases: [(String, Int, [String])] = [
            ("cert = /nonexistent/cert.pem", 2, ["certificate", "/nonexistent/cert.pem"]),
            ("cert = \(f.path("garbage.pem"))", 2, ["certificate", f.path("garbage.pem"), "does not decode"]),
            ("ca = \(f.path("empty.pem"))", 2, ["CA certificate", f.path("empty.pem")]),
            ("key = \(f.path("root.pem"))", 2, ["private key", f.path("root.pem")]),
            ("key = /nonexistent/key.pem", 2, ["private key", "/nonexistent/key.pem"]),
            ("cert = \(f.path("initiator.pem"))\ncert = \(f.path("initiator.pem"))", 3, ["cert given twice"]),
            // A connection's missing pieces are reported at its end (the line after the last).
            ("cert = \(f.path("initiator.pem"))\nkey = \(f.path("initiator.key"))", 4, ["has no CA certificate"]),
            ("cert = \(f.path("initiator.pem"))\nca = \(f.path("root.pem"))", 4, ["has no private key"]),
            ("key = \(f.path("initiator.key"))\nca = \(f.path("root.pem"))", 4, ["has no certificate"]),
            ("psk = x\ncert = \(f.path("initiator.pem"))\nkey = \(f.path("initiator.key"))\nca = \(f.path("root.pem"))", 6,
             ["both a pre-shared key and a certificate"]),
        ]
        for (body, line, words) in cases {
            do {
                _ = try ConfigFile.parse("[conn a]\n" + body + "\n")
                Issue.record("accepted: \(body)")
            } catch {
                #expect(error.line == line, "\(error)")
                for word in words { #expect(error.message.contains(word), "\(error) lacks \(word)") }
            }
        }
    }

    @Test func keyOfAnotherCertificateIsRefusedNamingBothFiles() throws {
        let f = try Files()
        var s = ConnectionSettings(name: "x")
        s.remote = "192.0.2.2"
        (s.certificateFile, s.keyFile, s.caFiles) = (f.path("initiator.pem"), f.path("responder.key"), [f.path("root.pem")])
        #expect { try PeerConfigBuilder.build(s, local: Self.local, responder: false) } throws: { error in
            "\(error)".contains(f.path("responder.key")) && "\(error)".contains(f.path("initiator.pem"))
        }
    }

    @Test func flagsSelectCertificateAuthentication() throws {
        let f = try Files()
        let options = try ConnectionOptions.parse(["--peer", "192.0.2.2", "--cert", f.path("initiator.pem"), "--key", f.path("initiator.key"),
                                                   "--ca", f.path("root.pem"), "--ca", f.path("root.pem"),
                                                   "--remote-id", "C=CH, O=swift-ikev1 demo, CN=responder.example"])
        let s = try options.settings()
        #expect(s.certificateFile == f.path("initiator.pem") && s.caFiles.count == 2 && s.psk == nil)
        let config = try PeerConfigBuilder.build(s, local: Self.local, responder: false)
        #expect(config.remoteIdentity == .derASN1DN(f.pki.responder.chain[0].subject.der))

        let incomplete = try ConnectionOptions.parse(["--peer", "192.0.2.2", "--cert", f.path("initiator.pem"), "--ca", f.path("root.pem")])
        #expect { try incomplete.settings() } throws: { "\($0)".contains("--key") }
        let none = try ConnectionOptions.parse(["--peer", "192.0.2.2"])
        #expect { try none.settings() } throws: { "\($0)".contains("--cert") && "\($0)".contains("--psk-file") }
    }

    @Test(arguments: [
        ("C=CH, O=swift-ikev1 interop, CN=peer.example", true),
        ("CN=peer.example", true),
        ("C=CH, XYZZY=1", false),
        ("C=CH, O", false),
    ])
    func distinguishedNameIdentities(text: String, valid: Bool) throws {
        if valid {
            #expect(try PeerConfigBuilder.identity(text) == .derASN1DN(DistinguishedName(parsing: text).der))
        } else {
            #expect { try PeerConfigBuilder.identity(text) } throws: { "\($0)".contains("not a distinguished name") }
        }
    }
}
