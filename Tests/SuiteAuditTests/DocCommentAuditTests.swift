import Foundation
import Testing
import TestSupport

/// The source audit behind "`///` on every public declaration" (STYLE.md, issue 18): every
/// public or open declaration in Sources/ (including enum cases of public enums and requirements
/// of public protocols) has a `///` comment right above it or above its attributes.
/// (`PublicDeclarationScanner` reads the source text; it does not compile it.)
@Suite struct DocCommentAuditTests {
    @Test func everyPublicDeclarationInSourcesHasADocComment() throws {
        let sources = Fixtures.repository.appendingPathComponent("Sources")
        let files = try FileManager.default.subpathsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }.sorted()
        var found = 0
        for file in files {
            let scan = PublicDeclarationScanner.scan(try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8))
            found += scan.declarations.count
            for declaration in scan.declarations where !declaration.documented {
                Issue.record("Sources/\(file):\(declaration.line): no /// comment above '\(declaration.text)'")
            }
            for line in scan.unrecognized {
                Issue.record("Sources/\(file):\(line): a public line the audit cannot read as a declaration")
            }
        }
        // An audit that finds nothing passes for nothing (a moved folder, a broken scanner).
        #expect(found > 1000, "the audit found only \(found) public declarations in \(files.count) files")
    }

    /// Planted declarations, each as the audit must judge it.
    @Test func theScannerFindsPublicDeclarationsAndTheirComments() {
        let scan = PublicDeclarationScanner.scan("""
            public import Foundation

            /// Documented.
            public struct A: Sendable {
                public var undocumentedVar: Int
                /// Documented, across a multi-line attribute.
                @available(*, deprecated,
                           message: "x")
                @inlinable
                public func f() -> String { "public func notADeclaration() {" }
                var internalVar = 0
                private(set) public var setterRestricted = 1
                /* public func inABlockComment() */
                public init() { undocumentedVar = 0 }
            }

            /// Documented.
            public enum E {
                /// Documented.
                case one
                case two, three
                public func g() {
                    switch self {
                    case .one: break
                    default: break
                    }
                }
            }

            enum Internal { case hidden }

            /// Documented.
            public protocol P {
                func requirement()
            }

            /// Documented, but not its cases.
            public enum OneLine { case x, y }

            extension A: Equatable {}
            extension Internal {
                public static func == (a: Self, b: Self) -> Bool { true }
            }
            let text = \"""
                public func inAString()
                \"""
            """)
        #expect(scan.declarations.map(\.text) == [
            "public struct A: Sendable {",
            "public var undocumentedVar: Int",
            "public func f() -> String { \"public func notADeclaration() {\" }",
            "private(set) public var setterRestricted = 1",
            "public init() { undocumentedVar = 0 }",
            "public enum E {",
            "case one",
            "case two, three",
            "public func g() {",
            "public protocol P {",
            "func requirement()",
            "public enum OneLine { case x, y }",
            "case x, y }",
            "public static func == (a: Self, b: Self) -> Bool { true }",
        ])
        #expect(scan.declarations.filter(\.documented).map(\.line) == [4, 7, 18, 20, 33, 38])
        #expect(scan.unrecognized.isEmpty)
    }
}
