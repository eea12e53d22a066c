/// Fields of a fixture's JSON object (``Fixtures/json(_:)``) for the test targets; a missing or
/// mistyped field reads as empty, and the test's own expectations then fail on it.
extension Dictionary where Key == String, Value == Any {
    /// A string field.
    public func string(_ key: String) -> String { self[key] as? String ?? "" }
    /// An object field.
    public func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    /// An array-of-objects field.
    public func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    /// An array-of-integers field.
    public func ints(_ key: String) -> [Int] { self[key] as? [Int] ?? [] }
}
