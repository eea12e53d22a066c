@testable import IPsecNode
import Testing
import TestSupport

/// The control loop's timers: deadline order, rescheduling and cancelling, against a plain table
/// of deadlines; and the heap's stale entries stay bounded however often timers move.
struct TimerQueueTests {
    @Test func timersFireInDeadlineOrder() {
        var q = TimerQueue<String>()
        q.schedule("b", at: 200)
        q.schedule("a", at: 100)
        q.schedule("c", at: 300)
        q.cancel("c")
        #expect(q.next == 100)
        #expect(q.due(at: 250) == ["a", "b"])
        #expect(q.count == 0)
        #expect(q.next == nil)
    }

    @Test func reschedulingReplacesTheDeadline() {
        var q = TimerQueue<String>()
        q.schedule("dpd", at: 100)
        q.schedule("renew", at: 500)
        q.schedule("dpd", at: 900)        // later: the entry at 100 must not fire
        #expect(q.next == 500)
        #expect(q.due(at: 600) == ["renew"])
        q.schedule("dpd", at: 50)         // earlier again
        #expect(q.next == 50)
        #expect(q.due(at: 899) == ["dpd"])
        #expect(q.due(at: 10_000) == [])
        #expect(q.count == 0)
    }

    @Test func equalDeadlinesFireInSchedulingOrder() {
        var q = TimerQueue<Int>()
        for id in [3, 1, 2] { q.schedule(id, at: 70) }
        q.schedule(1, at: 70)             // rescheduled: now the last of the three
        #expect(q.due(at: 70) == [3, 2, 1])
    }

    @Test func agreesWithATableOfDeadlines() {
        var q = TimerQueue<Int>()
        var table: [Int: Int64] = [:]
        var rng = SeededGenerator(seed: 17)
        var now: Int64 = 0
        var fired = 0
        for step in 0..<20_000 {
            let id = Int(rng.next() % 300)
            switch rng.next() % 10 {
            case 0...5:
                let at = now + Int64(rng.next() % 1_000)
                q.schedule(id, at: at)
                table[id] = at
            case 6, 7:
                q.cancel(id)
                table[id] = nil
            default:
                now += Int64(rng.next() % 50)
                let due = table.filter { $0.value <= now }
                let got = q.due(at: now)
                #expect(Set(got) == Set(due.keys), "step \(step)")
                #expect(got.map { due[$0] ?? -1 } == got.map { due[$0] ?? -1 }.sorted(), "step \(step): not earliest first")
                for id in got { table[id] = nil }
                fired += got.count
            }
            #expect(q.next == table.values.min(), "step \(step)")
            #expect(q.count == table.count)
            #expect(q.storedEntries <= 2 * q.count + 17)
        }
        #expect(fired > 1_000)
    }

    @Test func movingOneTimerOftenKeepsTheHeapSmall() {
        var q = TimerQueue<String>()
        q.schedule("lifetime", at: 1_000_000)
        for i in 0..<100_000 { q.schedule("dpd", at: 2_000_000 + Int64(i)) }
        #expect(q.count == 2)
        #expect(q.storedEntries <= 2 * 2 + 17)
        #expect(q.due(at: 1_000_000) == ["lifetime"])
        #expect(q.next == 2_099_999)
    }
}
