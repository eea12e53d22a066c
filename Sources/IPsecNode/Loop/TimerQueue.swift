/// Deadlines by identifier: the node's half of the engine's schedule/cancel actions.
///
/// A binary min-heap ordered by deadline (ties: the order of scheduling), beside the deadline each
/// armed identifier has now. Rescheduling or cancelling leaves the old heap entry in place, stale,
/// and the heap is rebuilt from the live deadlines once the stale entries outnumber the live ones;
/// the entry at the top is never stale. So the control loop's two questions each turn — when is
/// the next deadline, which timers are due — cost O(1) and O(k log n) for k due timers, where a
/// scan of every armed timer (several per SA on a gateway holding thousands) cost O(n).
public struct TimerQueue<ID: Hashable> {
    /// A deadline as scheduled; `order` tells it from an earlier scheduling of the same identifier.
    private struct Entry {
        let deadline: Int64
        let order: UInt64
        let id: ID
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : order < other.order
        }
    }

    /// The live scheduling of each armed identifier.
    private var armed: [ID: (deadline: Int64, order: UInt64)] = [:]
    private var heap: [Entry] = []
    private var scheduled: UInt64 = 0

    /// An empty queue.
    public init() {}

    /// Arms `id` to fire at `deadline` (milliseconds of ``monotonicMilliseconds()``), replacing the
    /// deadline it had.
    public mutating func schedule(_ id: ID, at deadline: Int64) {
        scheduled += 1
        armed[id] = (deadline, scheduled)
        push(Entry(deadline: deadline, order: scheduled, id: id))
        settle()
    }

    /// Disarms `id`; nothing happens when it is not armed.
    public mutating func cancel(_ id: ID) {
        guard armed.removeValue(forKey: id) != nil else { return }
        settle()
    }

    /// The earliest deadline, if any.
    public var next: Int64? { heap.first?.deadline }

    /// Removes and returns every timer due at `now`, earliest first.
    public mutating func due(at now: Int64) -> [ID] {
        var fired: [ID] = []
        while let top = heap.first, top.deadline <= now {
            popTop()
            armed[top.id] = nil
            fired.append(top.id)
            settle()
        }
        return fired
    }

    /// The number of armed timers.
    public var count: Int { armed.count }

    /// Heap entries held, stale ones included: at most twice the armed timers plus a few.
    var storedEntries: Int { heap.count }

    private func isLive(_ e: Entry) -> Bool { armed[e.id]?.order == e.order }

    /// Drops stale entries from the top, and rebuilds the heap when most of it is stale.
    private mutating func settle() {
        if heap.count > 2 * armed.count + 16 {
            heap = armed.map { Entry(deadline: $0.value.deadline, order: $0.value.order, id: $0.key) }
            for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
        while let top = heap.first, !isLive(top) { popTop() }
    }

    private mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let left = 2 * i + 1, right = left + 1
            var first = i
            if left < heap.count, heap[left].precedes(heap[first]) { first = left }
            if right < heap.count, heap[right].precedes(heap[first]) { first = right }
            guard first != i else { return }
            heap.swapAt(i, first)
            i = first
        }
    }
}
