/// What to do when a peer authenticates a second time with the same identities (charon's
/// `unique`, Libreswan's `uniqueids`).
public enum UniquenessPolicy: String, Hashable, Sendable, CaseIterable {
    /// The newest ISAKMP SA replaces the older ones of the peer; their IPsec SAs move to it (charon's default).
    case replace
    /// The older ISAKMP SA stays; a newer one the peer starts from another address is deleted as
    /// soon as it is established (one from the same address is a re-authentication, as for charon).
    case keep
    /// Several ISAKMP SAs with the same peer may coexist (only our own replacements retire the SA they replace).
    case never
}

/// Renewal of an ISAKMP SA before it expires, make-before-break: a new Phase 1 runs while the
/// old SA still works, and the old one is deleted only when the new one is established
/// (Libreswan's `rekeymargin` and `rekeyfuzz`; charon's `rekey_time`/`over_time`/`rand_time`).
/// The side that initiated the SA renews it; the responder renews only if the initiator has not
/// by half the margin before the end (a peer that never renews, such as charon without
/// `reauth_time`), so the two never race.
public struct RenewalPolicy: Hashable, Sendable {
    /// Renew this many seconds before the lifetime ends (0: never renew; the SA expires).
    public var margin: Double
    /// Up to this fraction of `margin` more, at random (1 = 100 %, Libreswan's default).
    public var fuzz: Double
    /// Renew as responder when the initiator has not, half the margin before the end.
    public var asResponder: Bool

    /// Libreswan's defaults: 9 minutes, fuzz 100 %; the responder as a fallback.
    public init(margin: Double = 540, fuzz: Double = 1, asResponder: Bool = true) {
        self.margin = margin
        self.fuzz = fuzz
        self.asResponder = asResponder
    }

    /// Seconds after the start of a lifetime of `lifetime` seconds at which to renew: as
    /// initiator `margin` before its end, plus up to `fuzz` × `margin` at `random` (0..<1); as
    /// responder half the margin before the end, after the initiator's window. A margin that
    /// would renew in the first half of the lifetime is shortened so renewal falls in the second
    /// half. nil: never (no margin, no lifetime in seconds, or a responder that does not renew).
    public func renewalDelay(lifetime: Double, random: Double, asInitiator: Bool = true) -> Double? {
        guard margin > 0, lifetime > 0, asInitiator || asResponder else { return nil }
        let m = Swift.min(margin, lifetime / (2 * (1 + fuzz)))
        return asInitiator ? lifetime - m * (1 + fuzz * random) : lifetime - m / 2
    }
}

/// A number in 0..<1 from 32 bits that are already random (cookies, SPIs): jitter that draws
/// nothing more from the entropy source, so seeded runs keep every other byte.
func unitFraction(_ v: UInt32) -> Double {
    Double(v) / (Double(UInt32.max) + 1)
}

/// What to do when the peer is found dead (charon's `dpd_action`) or closes the connection with
/// a Delete (`close_action`), in strongSwan's words.
public enum PeerGoneAction: String, Hashable, Sendable, CaseIterable {
    /// Nothing more than what happened: the SAs are gone.
    case none
    /// Remove the SAs (for `dpd_action`, what `none` means too).
    case clear
    /// Remove the SAs and keep the policy: traffic for the peer brings the connection up again
    /// (as `start_action = trap`; without it, as `clear`).
    case hold
    /// Remove the SAs and initiate the connection again at once (retrying as ``RetryPolicy`` says).
    case restart
}

/// How an initiator tries again when Phase 1 fails (the peer unreachable, or refusing): charon's
/// `keyingtries` with an exponential backoff between attempts.
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts in all before giving up; 0: forever (charon's `%forever`).
    public var keyingTries: Int
    /// Seconds before the first retry; each further one waits twice as long...
    public var initialDelay: Double
    /// ...up to this many seconds.
    public var maximumDelay: Double

    /// One attempt, no retry (charon's default `keyingtries = 1`); delays 2 s to 60 s when retrying.
    public init(keyingTries: Int = 1, initialDelay: Double = 2, maximumDelay: Double = 60) {
        self.keyingTries = keyingTries
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay before retry `n` (1-based), or nil when the attempts are used up.
    public func delay(beforeRetry n: Int) -> Double? {
        guard keyingTries == 0 || n < keyingTries else { return nil }
        var d = initialDelay
        for _ in 1..<max(n, 1) where d < maximumDelay { d *= 2 }
        return Swift.min(d, maximumDelay)
    }
}
