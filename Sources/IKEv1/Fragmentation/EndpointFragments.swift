import ISAKMPWire

/// Received fragments (payload 132): the endpoint's single ``IKEFragmentReassembler``, keyed by
/// peer address, cookie and fragment ID, bounded per peer and in all, and timed out by the
/// ``TimerID/Kind/fragmentReassembly`` timer. A reassembled message is handled exactly as if
/// it had come in one datagram (duplicate detection, decryption, HASH checks).
extension IKEv1Endpoint {
    /// What the reassembler did so far: messages completed, duplicates, partial messages dropped by reason.
    public var fragmentCounters: FragmentCounters { reassembler.counters }

    /// Bytes held for partial fragmented messages now (see ``FragmentReassemblyLimits``).
    public var fragmentBytesHeld: Int { reassembler.storedBytes }

    /// A datagram whose first payload is FRAG. Only fragments of an ISAKMP SA we hold are
    /// taken (its responder cookie, once known, must match): a first message is never fragmented
    /// (charon's are far below any fragment size), so a flood of fragments under fresh cookies
    /// costs nothing.
    mutating func receiveFragment(_ bytes: [UInt8], header: ISAKMPHeader, from: SocketAddress, to: SocketAddress,
                                  env: inout Environment) -> [Action] {
        let ic = header.initiatorCookie
        guard let session = sessions[ic],
              session.cookieR == .zero || header.responderCookie == session.cookieR else {
            return drop(.unknownSA, sa: ic, "fragment for unknown ISAKMP SA \(ic)/\(header.responderCookie) from \(from)", env: env)
        }
        let outcome = reassembler.receive(bytes, from: from, now: env.now)
        var actions = armFragmentTimer()
        switch outcome {
        case .incomplete:
            break
        case .dropped(let reason):
            actions += drop(.fragment, sa: session.id, "fragment from \(from) dropped: \(reason)", env: env)
        case .complete(let message):
            actions += receive(message: message, from: from, to: to, fragment: false, env: &env)
        }
        return actions
    }

    /// The reassembly timer fired: partial messages past their timeout go.
    mutating func expireFragments(env: Environment) -> [Action] {
        fragmentTimer = nil
        reassembler.expire(now: env.now)
        return armFragmentTimer()
    }

    /// Arms (or disarms) the reassembly timer for the oldest partial message, when that changed.
    private mutating func armFragmentTimer() -> [Action] {
        let due = reassembler.nextExpiry
        guard due != fragmentTimer else { return [] }
        let timer = TimerID(sa: .zero, kind: .fragmentReassembly)
        fragmentTimer = due
        return [due.map { .scheduleTimer(timer, at: $0) } ?? .cancelTimer(timer)]
    }
}
