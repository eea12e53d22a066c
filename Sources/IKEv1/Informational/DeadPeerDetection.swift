import IPsecCrypto
import ISAKMPWire

// RFC 3706 Dead Peer Detection: R-U-THERE / R-U-THERE-ACK notifies (36136/36137) in
// protected Informationals, SPI = CKY-I | CKY-R, data = a 32-bit sequence number.
// A probe goes out when nothing was received for `dpdDelay`; after `dpdMaxMisses`
// unanswered probes the peer is dead and the ISAKMP SA and its children are removed.
extension ISAKMPSession {
    /// Sends R-U-THERE with the next sequence number.
    mutating func sendDPDProbe(env: inout Environment, into actions: inout [Action]) {
        guard let sequence = updateEstablished({ $0.dpd.nextProbe(env: &env) }) else { return }
        sendNotify(.rUThere, protocolID: .isakmp, spi: isakmpSPI, data: sequence.beBytes,
                   into: &actions, env: &env)
    }

    /// The DPD timer: count a miss for an unanswered probe, probe when idle, re-arm.
    mutating func dpdTimer(env: inout Environment, into actions: inout [Action]) {
        guard let e = established, let delay = config.dpdDelay else { return }
        var next = env.now.adding(seconds: delay)
        if e.dpd.awaitingAck {
            var misses = 0
            updateEstablished { misses = $0.dpd.countMiss() }
            if misses >= config.dpdMaxMisses {
                let error = IKEv1Error(.deadPeer, "no R-U-THERE-ACK to \(misses) probes")
                actions.append(.failed(Failure(sa: id, error: error)))
                ending = .deadPeer
                close(reason: error.description, into: &actions, notifyDeleted: true)
                return
            }
            sendDPDProbe(env: &env, into: &actions)
        } else if env.now.seconds(since: lastReceived) >= delay {
            sendDPDProbe(env: &env, into: &actions)
        } else {
            next = lastReceived.adding(seconds: delay)   // not idle yet: look again when it would be
        }
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .dpd), at: next))
    }
}
