import Testing

/// The argument list of a parameterized test, which must not be empty: swift-testing passes a
/// test with no cases ("No test cases found"), so a list read from a folder that moved would
/// silently test nothing. Throwing here fails the test instead. Every `@Test(arguments:)`
/// in Tests/ is a literal list or goes through this (`ArgumentListAuditTests` checks).
public func nonEmpty<C: Collection>(_ arguments: C, sourceLocation: SourceLocation = #_sourceLocation) throws -> C {
    guard !arguments.isEmpty else { throw NoTestCases(sourceLocation: sourceLocation) }
    return arguments
}

/// The error of an empty argument list.
public struct NoTestCases: Error, CustomStringConvertible {
    /// Where the list was given.
    public var sourceLocation: SourceLocation

    /// Says which list is empty.
    public var description: String {
        "no test cases: the argument list at \(sourceLocation.fileName):\(sourceLocation.line) is empty"
    }
}
