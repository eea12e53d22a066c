/// Deadlines by identifier: the node's half of the engine's schedule/cancel actions.
public struct TimerQueue<ID: Hashable> {
    private var deadlines: [ID: Int64] = [:]

    /// An empty queue.
    public init() {}

    /// Arms `id` to fire at `deadline` (milliseconds of ``monotonicMilliseconds()``), replacing the
    /// deadline it had.
    public mutating func schedule(_ id: ID, at deadline: Int64) { deadlines[id] = deadline }
    /// Disarms `id`; nothing happens when it is not armed.
    public mutating func cancel(_ id: ID) { deadlines[id] = nil }

    /// The earliest deadline, if any.
    public var next: Int64? { deadlines.values.min() }

    /// Removes and returns every timer due at `now`, earliest first.
    public mutating func due(at now: Int64) -> [ID] {
        let fired = deadlines.filter { $0.value <= now }.sorted { $0.value < $1.value }.map(\.key)
        for id in fired { deadlines[id] = nil }
        return fired
    }

    /// The number of armed timers.
    public var count: Int { deadlines.count }
}
