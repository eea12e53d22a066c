import Foundation
import Testing
import TestSupport

/// The DocC documentation of every library module builds with no warning (README "Documentation
/// and examples"): a broken symbol link, a partly documented parameter list or a catalog page
/// that names a symbol that is gone fails the suite. It runs what a user runs,
/// `swift package generate-documentation` (swift-docc-plugin), with the scratch path .build-docs:
/// the `swift test` that runs this test holds the lock on .build. From a clean .build-docs that
/// is a debug build of the seven library modules plus the plugin's tools and `docc`: 39 s and 61 s
/// on the shared 2-core machine; about 11 s once built.
@Suite struct DocumentationBuildTests {
    /// The library products' modules, each with a catalog at Sources/<Module>/<Module>.docc.
    static let modules = ["ISAKMPWire", "IPsecCrypto", "IKEv1", "ESP", "IPsecNode", "IPsecService", "PacketCapture", "IKEv1Config"]
    /// The targets in Sources/ that are no library product: nothing to document.
    static let undocumented: Set<String> = ["COpenSSL", "CHeapStatistics", "CAllocationCount", "CAtomics", "CSocketBatch", "IKEv1Tool", "IPsecTestSupport", "IPsecBenchSupport"]

    @Test(.timeLimit(.minutes(10))) func everyLibraryModuleDocumentsWithoutAWarning() async throws {
        let swift = try #require(ChildProcess.find("swift"), "no swift in PATH")
        let root = Fixtures.repository
        let scratch = root.appendingPathComponent(".build-docs")
        let result = try await ChildProcess.run(swift, ["package", "--package-path", root.path, "--scratch-path", scratch.path,
                                                  "generate-documentation"] + Self.modules.flatMap { ["--target", $0] })
        #expect(result.status == 0, "\(result.text.suffix(4000))")
        // A warning is printed with its source excerpt: show the lines that follow it.
        let lines = result.text.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where line.contains("warning:") || line.contains("error:") {
            Issue.record("\(lines[i..<min(i + 8, lines.count)].joined(separator: "\n"))")
        }
        for module in Self.modules {
            let archive = scratch.appendingPathComponent("plugins/Swift-DocC/outputs/\(module).doccarchive")
            #expect(FileManager.default.fileExists(atPath: archive.appendingPathComponent("data/documentation").path),
                    "no documentation archive for \(module)")
        }
    }

    /// Every module of Sources/ is either documented (a catalog whose landing page is the
    /// module's) or named above as not a library, so a new module cannot go undocumented.
    @Test func everyLibraryModuleHasACatalogWithALandingPage() throws {
        let sources = Fixtures.repository.appendingPathComponent("Sources")
        let targets = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { !$0.hasPrefix(".") }
        #expect(Set(targets) == Set(Self.modules).union(Self.undocumented), "Sources/ has \(targets.sorted())")
        for module in Self.modules {
            let page = sources.appendingPathComponent("\(module)/\(module).docc/\(module).md")
            let text = try String(contentsOf: page, encoding: .utf8)
            #expect(text.hasPrefix("# ``\(module)``\n"), "\(page.path) is not the landing page of \(module)")
            #expect(text.contains("## Topics"), "\(page.path) organizes no symbols")
        }
    }
}
