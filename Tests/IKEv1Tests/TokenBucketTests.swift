import IKEv1
import Testing

/// The token bucket behind the Aggressive Mode limit and the data plane's ICMP answers.
struct TokenBucketTests {
    /// A full bucket gives `rate` tokens at once, then refills at `rate` a second, never past full.
    @Test func aFullBucketGivesItsRateAtOnceThenRefillsOverTime() {
        var bucket = TokenBucket.full
        let start = EngineTime(milliseconds: 10_000)
        let granted = (0..<150).filter { _ in bucket.take(now: start, rate: 100) }.count
        #expect(granted == 100)
        let afterHalf = bucket.take(now: start.adding(seconds: 0.005), rate: 100)
        #expect(!afterHalf, "half a token after 5 ms")
        let afterOne = bucket.take(now: start.adding(seconds: 0.010), rate: 100)
        #expect(afterOne, "one token after 10 ms")
        let again = bucket.take(now: start.adding(seconds: 0.010), rate: 100)
        #expect(!again)
        // An hour idle refills to full, not to 360,000 tokens.
        let later = start.adding(seconds: 3600)
        let refilled = (0..<150).filter { _ in bucket.take(now: later, rate: 100) }.count
        #expect(refilled == 100)
    }

    /// A clock that steps back refills nothing and takes nothing extra.
    @Test func aClockSteppingBackRefillsNothing() {
        var bucket = TokenBucket.full
        let start = EngineTime(milliseconds: 50_000)
        for _ in 0..<10 { _ = bucket.take(now: start, rate: 10) }
        let earlier = bucket.take(now: EngineTime(milliseconds: 40_000), rate: 10)
        #expect(!earlier)
    }
}
