import Foundation

/// The repository's `Fixtures/` folder, which every test target reads by path (DESIGN.md
/// "Tests"; provenance in Fixtures/README.md), and loaders for what it holds.
public enum Fixtures {
    /// `Fixtures/` at the repository root: this file is Tests/Support/Fixtures.swift.
    public static let root = repository.appendingPathComponent("Fixtures")

    /// The repository root (Scripts/, Fuzz/, Sources/ are read by tests too).
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A path below `Fixtures/`.
    /// The built executable `name` (ikev1, an example): beside the test binary (the build's
    /// products directory), else in .build/debug as `swift build` leaves it.
    public static func product(_ name: String) throws -> String {
        let candidates = [Bundle.main.executableURL?.deletingLastPathComponent(), repository.appendingPathComponent(".build/debug")]
        guard let path = candidates.compactMap({ $0?.appendingPathComponent(name).path })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw FixtureError(description: "no \(name) binary in the build products: run `swift build --build-tests`") }
        return path
    }

    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// The bytes of a fixture file.
    public static func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(relative))) }

    /// A fixture file as UTF-8 text.
    public static func text(_ relative: String) throws -> String { try String(contentsOf: url(relative), encoding: .utf8) }

    /// A fixture file holding one JSON object.
    public static func json(_ relative: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url(relative))) as? [String: Any] else {
            throw FixtureError(description: "\(relative) is not a JSON object")
        }
        return object
    }

    /// The entries of the folder `relative` that `keep` accepts, sorted; throws when the folder
    /// cannot be read. (An argument list built from it still goes through `nonEmpty`.)
    public static func names(in relative: String, where keep: (String) -> Bool = { _ in true }) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url(relative).path).filter(keep).sorted()
    }

    /// The files below the folder `relative`, at any depth, whose names end in `suffix`, as paths
    /// relative to that folder, sorted.
    public static func files(under relative: String, endingIn suffix: String) throws -> [String] {
        let base = url(relative)
        guard let walk = FileManager.default.enumerator(atPath: base.path) else {
            throw FixtureError(description: "cannot read \(base.path)")
        }
        var out: [String] = []
        while let path = walk.nextObject() as? String {
            if path.hasSuffix(suffix) { out.append(path) }
        }
        return out.sorted()
    }

    /// The strongSwan scenarios of Fixtures/captures/strongswan (the folders with a keys.json).
    public static func strongSwanScenarios() throws -> [String] {
        try names(in: "captures/strongswan") {
            FileManager.default.fileExists(atPath: url("captures/strongswan/\($0)/keys.json").path)
        }
    }
}

/// A fixture that is not what the test expects.
public struct FixtureError: Error, CustomStringConvertible {
    /// What is wrong, naming the file.
    public var description: String

    /// An error saying `description`.
    public init(description: String) { self.description = description }
}
