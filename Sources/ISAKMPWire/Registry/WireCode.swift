/// A registry code on the wire: an open set of values, some of which have RFC names.
///
/// Every value decodes, named or not; unknown and private-use values keep their number.
public protocol WireCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible
where RawValue: FixedWidthInteger & Sendable {
    /// The RFC names of the values this library knows.
    static var names: [RawValue: String] { get }
    /// The value `rawValue`, named or not; every value of the field is one.
    init(rawValue: RawValue)
}

extension WireCode {
    /// The RFC name of this value, or nil for an unassigned or private value.
    public var name: String? { Self.names[rawValue] }

    /// `NAME (n)`, or the bare number when the value has no name.
    public var description: String { name.map { "\($0) (\(rawValue))" } ?? "\(rawValue)" }
}
