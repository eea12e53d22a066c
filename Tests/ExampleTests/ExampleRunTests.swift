import Foundation
import Testing
import TestSupport

/// The programs of Examples/ run as a user runs them, and say what they should: DecodeCapture
/// decrypts a strongSwan capture with the keys beside it, EngineOverUDP brings two engines up
/// over loopback UDP. `swift build` (and `swift test`, through this target's dependencies)
/// builds them.
@Suite struct ExampleRunTests {
    /// Main Mode with a PSK, Quick Mode with PFS, ESP in UDP and two Deletes between two charons
    /// (Fixtures/captures/strongswan/main-mode-psk, whose README lists the 17 frames): every
    /// encrypted message decrypts, both Phase 1 hashes verify, the six ESP packets open.
    @Test func decodeCaptureDecryptsTheStrongSwanCapture() async throws {
        let capture = Fixtures.url("captures/strongswan/main-mode-psk/capture.pcap").path
        let result = try await ChildProcess.run(try Fixtures.product("DecodeCapture"), [capture])
        #expect(result.status == 0, "\(result.text)")
        let lines = result.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 17, "\(result.text)")
        #expect(lines.contains { $0.hasPrefix("5: ") && $0.contains("Main Mode") && $0.contains("(decrypted), HASH_I valid: ID HASH N") })
        #expect(lines.contains { $0.hasPrefix("6: ") && $0.contains("(decrypted), HASH_R valid: ID HASH") })
        #expect(lines.filter { $0.contains("Quick Mode a301eecc (decrypted)") }.count == 3, "\(result.text)")
        #expect(lines.filter { $0.contains("ICV valid, inner 198.51.100.1 -> 203.0.113.1 protocol 1") }.count == 3, "\(result.text)")
        #expect(lines.filter { $0.contains("ICV valid, inner 203.0.113.1 -> 198.51.100.1 protocol 1") }.count == 3, "\(result.text)")
        #expect(lines.filter { $0.contains("Informational") && $0.hasSuffix("(decrypted): HASH D") }.count == 2, "\(result.text)")
        #expect(!result.text.contains("no key") && !result.text.contains("INVALID"), "\(result.text)")
    }

    /// Two engines over loopback UDP with a real clock: Main Mode and Quick Mode complete, and
    /// each side's inbound SPI is the other's outbound one.
    @Test func engineOverUDPInstallsTheSamePairOnBothSides() async throws {
        let result = try await ChildProcess.run(try Fixtures.product("EngineOverUDP"), [])
        #expect(result.status == 0, "\(result.text)")
        func spis(_ side: String) -> (inbound: String, outbound: String)? {
            guard let line = result.text.split(separator: "\n").first(where: { $0.hasPrefix("\(side): installed esp SA in ") }) else { return nil }
            let words = line.split(separator: " ")
            guard let i = words.firstIndex(of: "in"), words.count > i + 3, words[i + 2] == "out" else { return nil }
            return (String(words[i + 1]), String(words[i + 3]))
        }
        let initiator = try #require(spis("initiator"), "\(result.text)")
        let responder = try #require(spis("responder"), "\(result.text)")
        #expect(initiator.inbound == responder.outbound && initiator.outbound == responder.inbound)
        #expect(result.text.contains("initiator: ISAKMP SA established") && result.text.contains("responder: ISAKMP SA established"))
        #expect(result.text.contains("both sides installed the SA pair \(initiator.outbound)/\(initiator.inbound) with the same keys"))
    }
}
