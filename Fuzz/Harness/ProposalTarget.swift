import IPsecCrypto

/// The strongSwan proposal-notation parser on arbitrary text.
/// Invariant: a parsed list prints to text that parses back to the same list.
enum ProposalTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        let list: ProposalList
        do { list = try ProposalList(parsing: text) } catch { return .rejected(error) }
        try FuzzViolation.check((try? ProposalList(parsing: list.description)) == list,
                                "proposal notation does not round-trip: \(text) -> \(list)")
        return .accepted
    }
}
