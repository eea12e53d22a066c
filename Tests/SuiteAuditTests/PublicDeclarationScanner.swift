/// A line scanner that finds the public API of a Swift source file and tells which declarations
/// carry a `///` comment (the audit of `DocCommentAuditTests`). Not a parser: it blanks comments
/// and string literals, follows `{ }` to know whether a line is a member of a type, and reads
/// the attributes, modifiers and keyword at the start of each member line.
///
/// A declaration is public when it says `public` or `open`, when it is a `case` of a public
/// enum, a requirement of a public protocol, or a member of a `public extension` that names no
/// access level. Extensions themselves and `public import` are not declarations needing a
/// comment. A declaration is documented when the line right above it (above its attributes,
/// which may span lines) starts with `///`.
struct PublicDeclarationScanner {
    /// One public declaration: its 1-based line (of its first attribute, or of itself), the
    /// source text of its first line after the attributes, and whether `///` stands above it.
    struct Declaration: Equatable {
        var line: Int
        var text: String
        var documented: Bool
    }

    /// What a `{` opened, as far as member declarations are concerned.
    private enum Scope {
        case type(isPublic: Bool, isEnum: Bool)
        case publicProtocol
        case publicExtension
        case otherExtension
        case body   // function, accessor, closure, initializer expression: nothing public inside
    }

    static let keywords: Set<String> = [
        "func", "var", "let", "init", "subscript", "struct", "class", "enum", "protocol", "typealias",
        "case", "actor", "extension", "associatedtype", "macro", "operator", "precedencegroup",
    ]
    static let modifiers: Set<String> = [
        "public", "open", "private", "fileprivate", "internal", "package", "static", "class", "final",
        "override", "mutating", "nonmutating", "convenience", "required", "indirect", "lazy", "weak",
        "unowned", "nonisolated", "dynamic", "prefix", "postfix", "infix", "optional", "distributed",
        "consuming", "borrowing", "__consuming",
    ]
    static let accessLevels: Set<String> = ["public", "open", "private", "fileprivate", "internal", "package"]

    /// The public declarations of `source`, and the lines that begin with `public`/`open` but
    /// name no declaration this scanner knows (reported so that nothing is skipped silently).
    static func scan(_ source: String) -> (declarations: [Declaration], unrecognized: [Int]) {
        let original = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let code = blankCommentsAndStrings(source).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var declarations: [Declaration] = []
        var unrecognized: [Int] = []
        var scopes: [Scope] = []
        var pending: Scope?   // what the next `{` opens, set by a type or extension header
        var i = 0
        /// Leaves line `i` for the next one, following its braces.
        func nextLine() {
            for text in countBraces(code[i], into: &scopes, pending: &pending) {
                declarations.append(Declaration(line: i + 1, text: text, documented: false))
            }
            i += 1
        }
        while i < code.count {
            let head = i
            var rest = Substring(code[i]).drop { $0 == " " || $0 == "\t" }
            let atMemberLevel: Bool
            switch scopes.last {
            case .body?: atMemberLevel = false
            default: atMemberLevel = true
            }
            if atMemberLevel {
                // Attributes, each `@name` with an optional `( ... )` that may run over lines.
                while rest.first == "@" {
                    rest = rest.dropFirst().drop { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
                    rest = rest.drop { $0 == " " }
                    if rest.first == "(" {
                        var depth = 0
                        var text = rest
                        scanning: while true {
                            for index in text.indices {
                                if text[index] == "(" { depth += 1 }
                                if text[index] == ")" {
                                    depth -= 1
                                    if depth == 0 { rest = text[text.index(after: index)...]; break scanning }
                                }
                            }
                            guard i + 1 < code.count else { rest = ""; break }
                            nextLine()
                            text = Substring(code[i])
                        }
                    }
                    rest = rest.drop { $0 == " " || $0 == "\t" }
                    if rest.isEmpty, i + 1 < code.count {   // attributes alone on their line
                        nextLine()
                        rest = Substring(code[i]).drop { $0 == " " || $0 == "\t" }
                    }
                }
                if let found = declaration(rest, in: scopes.last) {
                    if found.opens != nil { pending = found.opens }
                    if found.isPublic {
                        let documented = head > 0 && original[head - 1].drop { $0 == " " || $0 == "\t" }.hasPrefix("///")
                        declarations.append(Declaration(line: head + 1, text: original[i].trimmingSpaces, documented: documented))
                    }
                } else if let first = words(rest).first?.name, first == "public" || first == "open",
                          words(rest).dropFirst().first?.name != "import" {
                    unrecognized.append(i + 1)
                }
            }
            nextLine()
        }
        return (declarations, unrecognized)
    }

    /// The declaration that `text` (a member line after its attributes) begins, if any: whether
    /// it is public where it stands, and what its `{` opens when it is a type or an extension.
    private static func declaration(_ text: Substring, in scope: Scope?) -> (isPublic: Bool, opens: Scope?)? {
        let tokens = words(text)
        var access: String?
        var index = 0
        while index < tokens.count, modifiers.contains(tokens[index].name) {
            let name = tokens[index].name
            // `class` is a modifier only when a declaration keyword follows it.
            if name == "class", index + 1 >= tokens.count || !keywords.contains(tokens[index + 1].name) || tokens[index + 1].name == "class" { break }
            if accessLevels.contains(name), !tokens[index].setterOnly { access = name }
            index += 1
        }
        guard index < tokens.count, keywords.contains(tokens[index].name) else { return nil }
        let keyword = tokens[index].name
        let explicit = access == "public" || access == "open"
        let implicit: Bool
        switch scope {
        case .type(isPublic: true, isEnum: true)?: implicit = keyword == "case"
        case .publicProtocol?: implicit = ["func", "var", "let", "init", "subscript", "associatedtype", "typealias"].contains(keyword)
        case .publicExtension?: implicit = access == nil
        default: implicit = false
        }
        if keyword == "case" {
            switch scope {
            case .type(isPublic: _, isEnum: true)?: break
            default: return nil   // a `case` outside an enum's own body is not a declaration
            }
        }
        let isPublic = explicit || implicit
        switch keyword {
        case "extension":
            return (false, access == "public" ? .publicExtension : .otherExtension)
        case "protocol":
            return (isPublic, isPublic ? .publicProtocol : .type(isPublic: false, isEnum: false))
        case "struct", "class", "enum", "actor":
            return (isPublic, .type(isPublic: isPublic, isEnum: keyword == "enum"))
        default:
            return (isPublic, nil)
        }
    }

    /// The leading words of `text`: identifiers, each with whether a `(set)` follows it.
    private static func words(_ text: Substring) -> [(name: String, setterOnly: Bool)] {
        var out: [(String, Bool)] = []
        var rest = text[...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            guard !name.isEmpty else { break }
            rest = rest.dropFirst(name.count)
            if rest.hasPrefix("(set)") {
                rest = rest.dropFirst(5)
                out.append((String(name), true))
            } else if rest.hasPrefix("(unsafe)") {
                rest = rest.dropFirst(8)
                out.append((String(name), false))
            } else {
                out.append((String(name), false))
                if rest.first != " " && rest.first != "\t" { break }
            }
        }
        return out
    }

    /// Pushes a scope for every `{` of `line` and pops one for every `}`. A public member that
    /// follows a type's `{` on the same line (`enum E { case a, b }`) is returned: no `///` can
    /// stand above it.
    private static func countBraces(_ line: String, into scopes: inout [Scope], pending: inout Scope?) -> [String] {
        var inline: [String] = []
        for index in line.indices {
            if line[index] == "{" {
                let scope = pending ?? .body
                scopes.append(scope)
                pending = nil
                if case .body = scope { continue }
                let rest = line[line.index(after: index)...].drop { $0 == " " || $0 == "\t" }
                if let found = declaration(rest, in: scope), found.isPublic { inline.append(String(rest)) }
            } else if line[index] == "}" {
                _ = scopes.popLast()
            }
        }
        return inline
    }

    /// `source` with every comment and the contents of every string literal replaced by spaces
    /// (line breaks kept), so that braces, `@` and words in them do not count. Handles nested
    /// block comments, `"""` strings, raw strings `#"..."#` and `\( )` interpolation.
    static func blankCommentsAndStrings(_ source: String) -> String {
        enum Mode { case code(parens: Int), string(hashes: Int, multiline: Bool), blockComment(depth: Int), lineComment }
        let s = Array(source.unicodeScalars)
        var out = String.UnicodeScalarView()
        var modes: [Mode] = [.code(parens: 0)]
        var i = 0
        func at(_ k: Int, _ text: String) -> Bool {
            let t = Array(text.unicodeScalars)
            return k + t.count <= s.count && Array(s[k..<(k + t.count)]) == t
        }
        func keep(_ n: Int) { for k in i..<min(i + n, s.count) { out.append(s[k]) }; i += n }
        func blank(_ n: Int) { for k in i..<min(i + n, s.count) { out.append(s[k] == "\n" ? "\n" : " ") }; i += n }
        while i < s.count {
            switch modes[modes.count - 1] {
            case .lineComment:
                if s[i] == "\n" { modes.removeLast(); keep(1) } else { blank(1) }
            case .blockComment(let depth):
                if at(i, "/*") { modes[modes.count - 1] = .blockComment(depth: depth + 1); blank(2) }
                else if at(i, "*/") {
                    if depth == 1 { modes.removeLast() } else { modes[modes.count - 1] = .blockComment(depth: depth - 1) }
                    blank(2)
                } else { blank(1) }
            case .code(let parens):
                if at(i, "//") { modes.append(.lineComment); blank(2); continue }
                if at(i, "/*") { modes.append(.blockComment(depth: 1)); blank(2); continue }
                var hashes = 0
                while i + hashes < s.count, s[i + hashes] == "#" { hashes += 1 }
                if i + hashes < s.count, s[i + hashes] == "\"" {
                    let multiline = at(i + hashes, "\"\"\"")
                    modes.append(.string(hashes: hashes, multiline: multiline))
                    keep(hashes + (multiline ? 3 : 1))
                    continue
                }
                if s[i] == "(" { modes[modes.count - 1] = .code(parens: parens + 1) }
                if s[i] == ")" {
                    if parens == 0, modes.count > 1 { modes.removeLast(); blank(1); continue }   // end of `\( )`
                    modes[modes.count - 1] = .code(parens: parens - 1)
                }
                keep(max(hashes, 1))
            case .string(let hashes, let multiline):
                let pad = String(repeating: "#", count: hashes)
                if at(i, "\\" + pad + "(") { modes.append(.code(parens: 0)); blank(hashes + 2); continue }
                if at(i, "\\" + pad) && hashes == 0 { blank(2); continue }   // an escaped character
                let close = (multiline ? "\"\"\"" : "\"") + pad
                if at(i, close) { modes.removeLast(); keep(close.unicodeScalars.count); continue }
                blank(1)
            }
        }
        return String(out)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
