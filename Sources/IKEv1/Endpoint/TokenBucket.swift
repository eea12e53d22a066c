/// A token bucket refilled at a rate per second and holding as many tokens: the engine's limit on
/// Aggressive Mode first messages, and the node's on the ICMP answers its data plane writes.
///
///     var bucket = TokenBucket.full
///     if bucket.take(now: now, rate: 100) { answer() }   // at most 100 a second, 100 at once
public enum TokenBucket: Sendable, Equatable {
    /// Never drawn from.
    case full
    /// `tokens` left at `at`.
    case drawn(tokens: Double, at: EngineTime)

    /// Refills for the time since the last draw and takes one token; false when none is left.
    public mutating func take(now: EngineTime, rate: Double) -> Bool {
        var tokens = rate
        if case .drawn(let left, let at) = self { tokens = Swift.min(rate, left + Swift.max(0, now.seconds(since: at)) * rate) }
        guard tokens >= 1 else {
            self = .drawn(tokens: tokens, at: now)
            return false
        }
        self = .drawn(tokens: tokens - 1, at: now)
        return true
    }
}
