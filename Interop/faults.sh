#!/usr/bin/env bash
# Fault injection between our ikev1 node and strongSwan's charon (issues 6 and 8).
#
# usage: Interop/faults.sh SCENARIO initiator|responder [IKEV1_BINARY]
#   loss30       30 % of the UDP packets dropped each way, from the first IKE message on
#   dup          30 % duplicated each way (iptables TEE)
#   reorder      half of the packets overtaken by the next one (netem.py)
#   delay        every packet 200 ms +- 50 ms late each way (netem.py; the jitter reorders too)
#   restart-mid  charon killed and restarted mid-exchange, after Main Mode message 5, whose
#                answer never arrived
#   kill-node    our node SIGKILLed while iperf3 runs, then started again
#   qm3-lost     every Quick Mode HASH(3) lost until the responder gives up retransmitting QM2
# Afterwards, with the faults removed, both sides must hold the same SAs (same cookies and
# SPIs in `swanctl --list-sas` and in our node's output) or none, traffic must pass, and
# SIGTERM to our node must leave charon with no SA. Prints "PASS ..." or "FAIL ..." and exits 0/1.
# Needs what run.sh needs, plus iptables (statistic, TEE, NFQUEUE) and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
scenario_args "$@"
command -v iptables >/dev/null || die "iptables is not installed"

# Under loss both sides retransmit sooner and longer than by default: ten sends over ~25 s
# (charon: 0.5 s x 1.4^n, 9 retransmits; ours the same), so a 30 % loss each way (51 % of
# the round trips lost) fails an exchange with a probability of 0.51^10 = 0.1 %.
ours=(); theirs=()
case "$scenario" in
    loss30)      export CHARON_RETRANSMIT_TRIES=9 CHARON_RETRANSMIT_TIMEOUT=0.5 CHARON_RETRANSMIT_BASE=1.4
                 ours=(--retransmit-tries 10 --retransmit-timeout 0.5 --retransmit-base 1.4) ;;
    dup|reorder|delay) ;;
    restart-mid) ours=(--retransmit-tries 5 --retransmit-timeout 1 --retransmit-base 1.4) ;;
    kill-node)   theirs=(dpd=2s dpd_timeout=6s) ;;
    qm3-lost)    ours=(--retransmit-tries 5 --retransmit-timeout 1 --retransmit-base 1.4 --dpd 2) ;;
    *) die "unknown scenario $scenario" ;;
esac

cleanup() {
    faults_clear
    [ -n "${node_pid:-}" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
    [ -n "${iperf_pid:-}" ] && kill "$iperf_pid" 2>/dev/null || true
    [ -n "${iperf_client_pid:-}" ] && kill "$iperf_client_pid" 2>/dev/null || true
    charon_down
    net_down
}
trap cleanup EXIT

mkdir -p "$STATE"
rm -f "$STATE"/node*.log "$STATE"/netem-*.out
net_up
conf="$STATE/swanctl.conf"
swanctl_conf "$conf" "${theirs[@]}"
charon_up "$conf"
printf '%s' "$PSK" > "$STATE/psk"

# start_node LOG: our node in its role (connect, or respond --tun), in the background.
start_node() {
    local args=(--psk-file "$STATE/psk" --local-ts "$NET_US" --remote-ts "$NET_PEER" "${tun_args[@]}" "${ours[@]}")
    if [ "$role" = initiator ]; then
        ip netns exec "$NS_US" "$bin" connect --peer "$ADDR_PEER" --bind "$ADDR_US" "${args[@]}" > "$1" 2>&1 &
    else
        ip netns exec "$NS_US" "$bin" respond --listen "$ADDR_US" --peer "$ADDR_PEER" "${args[@]}" > "$1" 2>&1 &
    fi
    node_pid=$!
    nodelog="$1"
    wait_for 10 grep -q "listening on\|initiating" "$1" || { cat "$1" >&2; die "$scenario $role: our node did not start"; }
}

charon_initiate() { swanctl_peer --initiate --child net --timeout 60 > "$STATE/initiate.out" 2>&1 || true; }
charon_empty() { [ -z "$(charon_sas)" ]; }
charon_forgot() { ! grep -q "$1" <<< "$(charon_sas)"; }
pings() { ip netns exec "$NS_US" ping -n -c "$1" -i 0.2 -W 2 -I "$HOST_US" "$HOST_PEER" | grep -o '[0-9]* received' | grep -o '[0-9]*' || echo 0; }
iperf() {  # kbit/s of a TCP transfer through the tunnel for $1 seconds
    ip netns exec "$NS_PEER" iperf3 -s -1 -B "$HOST_PEER" > /dev/null 2>&1 &
    sleep 0.3
    ip netns exec "$NS_US" iperf3 -c "$HOST_PEER" -B "$HOST_US" -t "$1" -J 2>/dev/null \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e3))' 2>/dev/null || echo 0
}
come_up() {  # an IPsec SA on both sides (the Quick Mode initiator installs first)
    wait_for "$1" established || { cat "$nodelog" >&2; swanctl_peer --list-sas >&2 || true; die "$scenario $role: no SA installed on charon's side ($2)"; }
    wait_for "$1" grep -q "^IPsec SA installed" "$nodelog" || { cat "$nodelog" >&2; die "$scenario $role: no SA installed on our side ($2)"; }
}

# One ISAKMP SA and one IPsec SA on each side, the same ones, and traffic through them.
one_pair() {
    local state
    state="$(check_invariant "$nodelog" "$scenario $role ($1)")"
    [ "$state" = "1 ike, 1 esp" ] || { charon_sas >&2; die "$scenario $role ($1): expected one ISAKMP and one IPsec SA, both sides hold $state"; }
    wait_for 10 ping_ok || { cat "$nodelog" >&2; die "$scenario $role ($1): the SAs carry no traffic"; }
    echo "$state"
}

# SIGTERM: our node sends Deletes and exits 0 (1 when it ends with nothing up: then with a reason);
# charon is left with no SA.
stop_node() {
    local status=0 expected="${1:-0}"
    kill -TERM "$node_pid"; wait "$node_pid" || status=$?
    node_pid=""
    [ "$status" -eq "$expected" ] || { cat "$nodelog" >&2; die "$scenario $role: our node exited with $status after SIGTERM, not $expected"; }
    [ "$status" -eq 0 ] || grep -q "^ikev1: " "$nodelog" || die "$scenario $role: our node exited with $status and no reason"
    wait_for 10 charon_empty \
        || { swanctl_peer --list-sas >&2; die "$scenario $role: charon still has SAs after our Delete"; }
}

case "$scenario" in
    loss30|dup|reorder|delay)
        case "$scenario" in
            loss30)  fault_loss 0.3 ;;
            dup)     fault_dup 0.3 ;;
            reorder) fault_netem --reorder 0.5 --hold 100 ;;
            delay)   fault_netem --delay 200 --jitter 50 ;;
        esac
        start_node "$STATE/node.log"
        [ "$role" = responder ] && charon_initiate
        come_up 90 "under $scenario"
        # Traffic while the fault lasts: with 30 % loss each way about half the pings come back.
        got="$(pings 20)"
        [ "$got" -gt 0 ] || die "$scenario $role: no ping got through under $scenario"
        traffic="$got/20 pings"
        if [ "$scenario" != loss30 ]; then
            kbits="$(iperf 3)"
            [ "${kbits:-0}" -gt 0 ] || die "$scenario $role: no TCP transfer through the tunnel under $scenario"
            traffic="$traffic, iperf3 $((kbits / 1000)).$((kbits % 1000 / 100)) Mbit/s"
        fi
        hits="$(fault_count)"
        [ "$hits" -gt 0 ] || die "$scenario $role: the fault rules matched no packet"
        faults_clear
        # IKE retransmissions the fault caused, as charon logs them (its own, and its answers to ours).
        resent="$(grep -c 'sending retransmit\|received retransmit' "$STATE/charon/charon.log" || true)"
        netem="$(cat "$STATE"/netem-*.out 2>/dev/null | tr '\n' ' ' || true)"
        if [ "$scenario" = reorder ]; then
            grep -q '"reordered": [1-9]' <<< "$netem" || die "reorder $role: netem.py reordered nothing ($netem)"
        fi
        state="$(one_pair "after $scenario")"
        stop_node
        echo "PASS $scenario $role (under the fault: $traffic; $hits packets hit by the fault rules ${netem:+$netem}, $resent IKE retransmissions; afterwards $state on both sides, the same; Deletes on SIGTERM)" ;;

    restart-mid)
        # Main Mode message 6 (or, with charon initiating, our message 6) never arrives: one side
        # thinks the ISAKMP SA is established, the other retransmits message 5. Then charon dies
        # and a fresh one starts with no state.
        if [ "$role" = initiator ]; then blocked="$NS_PEER"; blocked_if="$IF_PEER"; else blocked="$NS_US"; blocked_if="$IF_US"; fi
        ip netns exec "$blocked" iptables -w -A OUTPUT -o "$blocked_if" -p udp --sport 4500 -j DROP
        start_node "$STATE/node.log"
        if [ "$role" = responder ]; then swanctl_peer --initiate --child net --timeout 3 > /dev/null 2>&1 || true; fi
        # The side that answered message 5 holds an ISAKMP SA the other never completed.
        if [ "$role" = initiator ]; then
            wait_for 20 grep -q "IKE_SA peer\[[0-9]*\] established" "$STATE/charon/charon.log" \
                || die "restart-mid initiator: charon never answered message 5"
        else
            wait_for 20 grep -q "^ISAKMP SA .* established" "$nodelog" || die "restart-mid responder: we never answered message 5"
        fi
        charon_down_hard
        ip netns exec "$blocked" iptables -w -F OUTPUT
        sleep 1
        charon_up "$conf"
        if [ "$role" = initiator ]; then
            # Our retransmissions of message 5 reach a charon that knows nothing of them: we must give
            # up with a clear reason and hold nothing.
            wait_for 30 grep -q "failed: .*Main Mode: no answer after" "$nodelog" \
                || { cat "$nodelog" >&2; die "restart-mid initiator: no clear failure after charon lost the exchange"; }
            reason="$(grep -m1 -o 'Main Mode: no answer after [0-9]* transmissions' "$nodelog")"
            [ -z "$(our_sas "$nodelog")" ] || die "restart-mid initiator: our node kept an SA of the lost exchange"
            [ -z "$(charon_sas)" ] || die "restart-mid initiator: the new charon holds an SA"
        else
            # We hold an ISAKMP SA charon forgot; the new charon's INITIAL-CONTACT must remove it.
            [ -n "$(our_sas "$nodelog")" ] || die "restart-mid responder: we hold no half-finished SA (nothing tested)"
            reason="our orphan ISAKMP SA removed by INITIAL-CONTACT"
        fi
        # Recovery when asked: the new charon initiates.
        charon_initiate
        come_up 30 "after charon's restart"
        kill -0 "$node_pid" || die "restart-mid $role: our node exited"
        if [ "$role" = responder ]; then
            wait_for 10 grep -q "^ISAKMP SA .* deleted: peer sent INITIAL-CONTACT" "$nodelog" \
                || { cat "$nodelog" >&2; die "restart-mid responder: the orphan ISAKMP SA was not removed on INITIAL-CONTACT"; }
        fi
        state="$(one_pair "after charon's restart")"
        stop_node
        echo "PASS restart-mid $role (charon killed mid Main Mode: $reason; afterwards $state on both sides, the same)" ;;

    qm3-lost)
        # The Quick Mode initiator installs when it sends HASH(3) (RFC 2409 §5.5), the responder when
        # it receives it. HASH(3) (the only IP packet of 100-115 bytes on 4500 here) is dropped until
        # the responder gives up on QM2. We then send a Delete for our SPI, so charon drops the IPsec SA
        # it installed; charon instead destroys its whole ISAKMP SA without a word, which our DPD
        # (every 2 s) must find out, leaving neither side an SA.
        if [ "$role" = initiator ]; then blocked="$NS_US"; blocked_if="$IF_US"; else blocked="$NS_PEER"; blocked_if="$IF_PEER"; fi
        ip netns exec "$blocked" iptables -w -A OUTPUT -o "$blocked_if" -p udp --sport 4500 -m length --length 100:115 -j DROP
        start_node "$STATE/node.log"
        if [ "$role" = initiator ]; then
            wait_for 40 grep -q "giving up after" "$STATE/charon/charon.log" || die "qm3-lost initiator: charon never gave up on QM2"
        else
            swanctl_peer --initiate --child net --timeout 3 > /dev/null 2>&1 || true
            wait_for 40 grep -q "failed: .*Quick Mode [0-9]*: no answer after" "$nodelog" \
                || { cat "$nodelog" >&2; die "qm3-lost responder: we never gave up on QM2"; }
        fi
        dropped="$(ip netns exec "$blocked" iptables -w -L OUTPUT -v -x -n | awk '/DROP/ { print $1 }')"
        [ "${dropped:-0}" -gt 0 ] || die "qm3-lost $role: no HASH(3) was dropped (nothing tested)"
        ip netns exec "$blocked" iptables -w -F OUTPUT
        if [ "$role" = initiator ]; then
            wait_for 40 grep -q "deadPeer" "$nodelog" || { cat "$nodelog" >&2; die "qm3-lost initiator: our DPD never noticed charon dropped the ISAKMP SA"; }
            expected="0 ike, 0 esp"
        else
            expected="1 ike, 0 esp"
        fi
        state="$(check_invariant "$nodelog" "qm3-lost $role")"
        [ "$state" = "$expected" ] || die "qm3-lost $role: after the lost Quick Mode both sides hold $state, not $expected"
        stop_node "$([ "$role" = initiator ] && echo 1 || echo 0)"
        echo "PASS qm3-lost $role ($dropped HASH(3) dropped, the responder gave up on QM2; afterwards $state on both sides, the same)" ;;

    kill-node)
        start_node "$STATE/node.log"
        [ "$role" = responder ] && charon_initiate
        come_up 30 "before the kill"
        wait_for 10 ping_ok || die "kill-node $role: no traffic before the kill"
        old="$(charon_sas)"
        ip netns exec "$NS_PEER" iperf3 -s -1 -B "$HOST_PEER" > /dev/null 2>&1 &
        iperf_pid=$!
        sleep 0.3
        # The client outlives the tunnel it was sending into: bounded, and killed on exit.
        ip netns exec "$NS_US" timeout -k 2 15 iperf3 -c "$HOST_PEER" -B "$HOST_US" -t 4 > /dev/null 2>&1 &
        iperf_client_pid=$!
        sleep 1.5
        kill -KILL "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
        [ "$(charon_sas)" = "$old" ] || die "kill-node $role: charon's SAs changed at the kill (expected them stale)"
        wait_for 10 sh -c "! ip -n $NS_US link show ikv1tun0" || die "kill-node $role: the TUN device outlived our node"
        start_node "$STATE/node2.log"
        if [ "$role" = initiator ]; then
            # Our new Main Mode carries INITIAL-CONTACT: charon must drop the stale SAs.
            how="charon dropped the stale SAs on our INITIAL-CONTACT"
        else
            # charon's DPD (every 2 s, dead after 6 s) must find the stale SAs dead and clear them.
            wait_for 40 charon_empty \
                || { swanctl_peer --list-sas >&2; die "kill-node responder: charon kept the stale SAs (DPD)"; }
            how="charon's DPD cleared the stale SAs"
            charon_initiate
        fi
        come_up 30 "after our restart"
        stale="$(awk '/^ike/ { print $2; exit }' <<< "$old")"
        wait_for 20 charon_forgot "$stale" || die "kill-node $role: charon still holds the ISAKMP SA of our killed node"
        state="$(one_pair "after our restart")"
        stop_node
        echo "PASS kill-node $role (SIGKILL during iperf3; $how; afterwards $state on both sides, the same)" ;;
esac
