import Foundation
import Testing
import TestSupport

/// The source audit behind "a parameterized test cannot run nothing": swift-testing passes a
/// test whose argument list is empty ("No test cases found"), so every `@Test(arguments:)` in
/// Tests/ must give a literal, non-empty list (in the attribute, or a `let` of the same file),
/// a literal integer range, or `nonEmpty(...)`, which fails the test when the list is empty.
/// (A pattern check over the source text; `nonEmpty` does the checking at run time.)
@Suite struct ArgumentListAuditTests {
    @Test func everyArgumentListIsLiteralOrGoesThroughNonEmpty() throws {
        let tests = Fixtures.repository.appendingPathComponent("Tests")
        let files = try FileManager.default.subpathsOfDirectory(atPath: tests.path).filter { $0.hasSuffix(".swift") }.sorted()
        var checked = 0
        for file in files {
            let source = Array(try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8).utf8)
            for list in Self.argumentLists(source) {
                checked += 1
                if !Self.isNonEmptyByConstruction(list.expression, in: source) {
                    Issue.record("Tests/\(file):\(list.line): @Test arguments '\(list.expression)' are neither a literal list nor nonEmpty(...)")
                }
            }
        }
        #expect(checked > 80, "the audit found only \(checked) argument lists")
    }

    /// Planted lists, each as the audit must judge it.
    @Test func theAuditTellsLiteralFromComputedLists() {
        let source = Array("""
            static let names = ["a", "b"]
            static let empty: [String] = []
            static let computed = names.filter { $0 == "c" }
            """.utf8)
        for good in ["[1, 2]", "[(1, \"a\")] as [(Int, String)]", "1...30", "try nonEmpty(Fixtures.strongSwanScenarios())", "names", "Self.names"] {
            #expect(Self.isNonEmptyByConstruction(good, in: source), "\(good)")
        }
        for bad in ["[]", "[ ]", "[] as [Int]", "[1].filter { $0 > 1 }", "empty", "computed", "Fixtures.names(in: \"x\")", "names.filter { $0 != \"a\" }", "5..<5", "unknown"] {
            #expect(!Self.isNonEmptyByConstruction(bad, in: source), "\(bad)")
        }
        let lists = Self.argumentLists(Array("""
            @Test(.enabled(if: x, "a, b"), arguments: [1, 2], try nonEmpty(f(a, b)))
            func f(a: Int, b: Int) {}
            @Test("no arguments") func g() {}
            /// Not `@Test(arguments:)` in a comment.
            """.utf8))
        #expect(lists.map(\.expression) == ["[1, 2]", "try nonEmpty(f(a, b))"])
    }

    /// Every collection given to `arguments:` in a `@Test(...)` attribute, with its line.
    static func argumentLists(_ source: [UInt8]) -> [(expression: String, line: Int)] {
        var lists: [(String, Int)] = []
        let marker = Array("@Test(".utf8)
        var i = 0
        while i + marker.count <= source.count {
            guard source[i..<(i + marker.count)].elementsEqual(marker) else { i += 1; continue }
            let lineStart = source[..<i].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            if String(decoding: source[lineStart..<i], as: UTF8.self).contains("//") { i += 1; continue }   // in a comment
            let open = i + marker.count - 1
            let close = matchingEnd(source, open)
            let parts = topLevelParts(source, open + 1, close)
            if let first = parts.firstIndex(where: { $0.hasPrefix("arguments:") }) {
                let line = source[..<i].count(where: { $0 == UInt8(ascii: "\n") }) + 1
                lists.append((String(parts[first].dropFirst("arguments:".count)).trimmed, line))
                lists += parts[(first + 1)...].map { ($0, line) }
            }
            i = close
        }
        return lists
    }

    /// True for a non-empty array literal, a non-empty integer range literal, `nonEmpty(...)`, or
    /// the name of a `let` in `source` whose whole initializer is a non-empty array literal.
    static func isNonEmptyByConstruction(_ expression: String, in source: [UInt8]) -> Bool {
        let e = Array(expression.utf8)
        if e.first == UInt8(ascii: "[") {   // `[a, b]` or `[a, b] as [T]`
            let end = matchingEnd(e, 0)
            let rest = String(decoding: e[(end + 1)...], as: UTF8.self).trimmed
            return (rest.isEmpty || rest.hasPrefix("as ")) && !String(decoding: e[1..<end], as: UTF8.self).trimmed.isEmpty
        }
        for call in ["try nonEmpty(", "nonEmpty("] where expression.hasPrefix(call) {
            return matchingEnd(e, call.utf8.count - 1) == e.count - 1
        }
        for op in ["...", "..<"] {
            let bounds = expression.components(separatedBy: op).map { Int($0.trimmed) }
            if bounds.count == 2, let low = bounds[0], let high = bounds[1] { return op == "..." ? low <= high : low < high }
        }
        guard let name = expression.split(separator: ".").last, expression.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" })
        else { return false }
        let text = String(decoding: source, as: UTF8.self)
        for match in text.matches(of: try! Regex(#"\blet\s+"# + name + #"\s*(:[^=\n]+)?=\s*\["#)) {
            let start = text.utf8.distance(from: text.startIndex, to: match.range.upperBound) - 1
            let end = matchingEnd(source, start)
            let rest = String(decoding: source[(end + 1)...].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self).trimmed
            let body = String(decoding: source[(start + 1)..<end], as: UTF8.self).trimmed
            if (rest.isEmpty || rest.hasPrefix("//")) && !body.isEmpty { return true }
        }
        return false
    }

    /// The index of the bracket that closes the one at `open` (or the end), skipping string literals.
    static func matchingEnd(_ s: [UInt8], _ open: Int) -> Int {
        var depth = 0
        var i = open
        var inString = false
        while i < s.count {
            let c = s[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if "([{".utf8.contains(c) {
                depth += 1
            } else if ")]}".utf8.contains(c) {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return s.count - 1
    }

    /// The comma-separated parts of `s[start..<end]` at bracket depth 0, trimmed.
    static func topLevelParts(_ s: [UInt8], _ start: Int, _ end: Int) -> [String] {
        var parts: [String] = []
        var partStart = start
        var i = start
        while i < end {
            let c = s[i]
            if "([{\"".utf8.contains(c) {
                i = c == UInt8(ascii: "\"") ? stringEnd(s, i) : matchingEnd(s, i)
            } else if c == UInt8(ascii: ",") {
                parts.append(String(decoding: s[partStart..<i], as: UTF8.self).trimmed)
                partStart = i + 1
            }
            i += 1
        }
        parts.append(String(decoding: s[partStart..<min(end, s.count)], as: UTF8.self).trimmed)
        return parts
    }

    /// The index of the quote that ends the string literal opened at `open`.
    static func stringEnd(_ s: [UInt8], _ open: Int) -> Int {
        var i = open + 1
        while i < s.count, s[i] != UInt8(ascii: "\"") { i += s[i] == UInt8(ascii: "\\") ? 2 : 1 }
        return i
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
