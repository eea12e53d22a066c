#!/usr/bin/env bash
# Our node behind a real NAT: a router namespace masquerades the initiator's private network.
#
#   [netns $NS_US] $IF_US 198.18.1.2/24 == ${NS_NAT}i 198.18.1.1 [netns $NS_NAT] ${NS_NAT}o 192.0.2.254/24 == $IF_PEER 192.0.2.2/24 [netns $NS_PEER]
#   lo: 198.51.100.1, default via 198.18.1.1     iptables -t nat POSTROUTING -o ${NS_NAT}o -j MASQUERADE     lo: 203.0.113.1
#
# usage: Interop/nat.sh SCENARIO [initiator|responder] [IKEV1_BINARY]
#   nat-ours       our `ikev1 connect` behind the NAT, our `ikev1 respond --tun` outside, tunnel mode
#   nat-charon     initiator: our `ikev1 connect` behind the NAT, charon (kernel-libipsec) outside;
#                  responder: charon behind the NAT initiates, our `ikev1 respond --tun` outside
#                  (our node must detect the peer's NAT and follow charon's new mapping on ESP)
#   nat-transport  as nat-ours in transport mode (traffic between the two nodes' own addresses):
#                  TCP through it proves the checksums are fixed after the NAT (RFC 3948 §3.1.2)
# The side behind the NAT is always the initiator: MASQUERADE forwards nothing inward until the
# inside has sent, so a responder behind it could never be reached. The role names our node's.
# Checks: NAT-D seen on both sides (our log: "NAT detected: local behind NAT" behind the NAT,
# "NAT detected: peer behind NAT" outside; charon's: "remote host is behind NAT"); both ends
# float to UDP 4500 and ESP goes in UDP (captures on both router interfaces); the node behind the
# NAT sends NAT-keepalives (one 0xff byte to 4500) every --keepalive 5 s, the first within 5 s of
# Phase 1; ping and iperf3 pass. Then the NAT forgets its mappings (conntrack -F) and gives the next
# flow a new source port (40000-40999): traffic must resume within 30 s without a new Phase 1,
# and SIGTERM's Deletes must still reach the peer.
# Needs root, iproute2, iptables (nat table), conntrack, tcpdump, ping, iperf3; strongSwan for
# nat-charon. Prints one line "PASS <scenario> initiator ..." or "FAIL ..." and exits 0/1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
scenario_args "${1:-}" "${2:-initiator}" "${3:-}"
[ "$role" = initiator ] || [ "$role $scenario" = "responder nat-charon" ] \
    || die "$scenario $role: the node behind the NAT initiates; MASQUERADE lets no responder behind it be reached (only nat-charon has a responder role: charon behind the NAT)"
for tool in tcpdump iptables conntrack; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

NS_NAT="${IKEV1_NS_NAT:-ikv1nat}"
IF_NAT_IN="${NS_NAT}i"; IF_NAT_OUT="${NS_NAT}o"
ADDR_US=198.18.1.2; NAT_INSIDE=198.18.1.1; NAT_OUTSIDE=192.0.2.254
NEW_PORTS=40000-40999
KEEPALIVE=5
peer=ours; mode=tunnel; ours=()
case "$scenario" in
    nat-ours) ;;
    # charon (kernel-libipsec) follows a new mapping only on an authenticated IKE message, never
    # on ESP: our DPD (R-U-THERE once inbound traffic stops, every 2 s) brings it the new port.
    # As responder our node follows charon on ESP and needs no DPD (whose answers would also keep
    # charon from sending keepalives: it sends one only after keep_alive seconds without IKE).
    nat-charon)    peer=charon; [ "$role" = responder ] || ours=(--dpd 2) ;;
    nat-transport) mode=transport ;;
    *) die "unknown scenario $scenario" ;;
esac
label="$scenario $role"

nat_down() { net_down; ip netns del "$NS_NAT" 2>/dev/null || true; }

nat_up() {
    charon_down
    nat_down
    ns_add "$NS_US"; ns_add "$NS_NAT"; ns_add "$NS_PEER"
    ip link add "$IF_US" netns "$NS_US" type veth peer name "$IF_NAT_IN" netns "$NS_NAT"
    ip link add "$IF_NAT_OUT" netns "$NS_NAT" type veth peer name "$IF_PEER" netns "$NS_PEER"
    ip -n "$NS_US" addr add "$ADDR_US/24" dev "$IF_US"
    ip -n "$NS_NAT" addr add "$NAT_INSIDE/24" dev "$IF_NAT_IN"
    ip -n "$NS_NAT" addr add "$NAT_OUTSIDE/24" dev "$IF_NAT_OUT"
    ip -n "$NS_PEER" addr add "$ADDR_PEER/24" dev "$IF_PEER"
    for link in "$NS_US $IF_US" "$NS_NAT $IF_NAT_IN" "$NS_NAT $IF_NAT_OUT" "$NS_PEER $IF_PEER"; do
        ip -n "${link% *}" link set "${link#* }" up
    done
    ip -n "$NS_US" route add default via "$NAT_INSIDE"
    ip -n "$NS_US" addr add "$HOST_US/32" dev lo
    ip -n "$NS_PEER" addr add "$HOST_PEER/32" dev lo
    ip netns exec "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$NS_NAT" iptables -w -t nat -A POSTROUTING -o "$IF_NAT_OUT" -j MASQUERADE \
        || die "iptables -t nat failed in $NS_NAT (the kernel needs nf_nat and xt_MASQUERADE)"
}

cleanup() {
    nodes_kill
    capture_stop
    charon_down
    nat_down
}
trap cleanup EXIT

mkdir -p "$STATE"
rm -f "$STATE"/nat-*.log
nat_up
printf '%s' "$PSK" > "$STATE/psk"
inside="$STATE/nat-inside.pcap"; outside="$STATE/nat-outside.pcap"
capture_start "$NS_NAT" "$IF_NAT_IN" "$inside"
capture_start "$NS_NAT" "$IF_NAT_OUT" "$outside"

ts_us=(); ts_peer=()
if [ "$mode" = tunnel ]; then
    ts_us=(--local-ts "$NET_US" --remote-ts "$NET_PEER"); ts_peer=(--local-ts "$NET_PEER" --remote-ts "$NET_US")
    from="$HOST_US"; to="$HOST_PEER"
else
    ours+=(--transport); from="$ADDR_US"; to="$ADDR_PEER"
fi
log_us="$STATE/nat-us.log"; log_peer="$STATE/nat-peer.log"
if [ "$role" = responder ]; then
    # charon behind the NAT initiates (keepalives every $KEEPALIVE s); our node outside answers
    # anyone, the NAT's address being unknown in advance. $log_us is then charon's log.
    conf="$STATE/swanctl.conf"
    swanctl_conf "$conf" local_addrs="$ADDR_US" remote_addrs="$ADDR_PEER" local_id="$ADDR_US" remote_id="$ADDR_PEER" \
        ts_local="$NET_US" ts_remote="$NET_PEER"
    CHARON_KEEP_ALIVE="${KEEPALIVE}s" charon_up "$conf" charon "$NS_US"
    log_us="$STATE/charon/charon.log"
    node_start "$NS_PEER" responder "$ADDR_PEER" %any "$log_peer" --psk-file "$STATE/psk" --remote-id "$ADDR_US" \
        "${ts_peer[@]}" "${ours[@]}"
    pid_peer="${node_pids[-1]}"
    swanctl_peer --initiate --child net --timeout 20 > "$STATE/initiate.out" 2>&1 || true
    us_up() { established; }
    peer_up() { installed "$log_peer"; }
elif [ "$peer" = charon ]; then
    conf="$STATE/swanctl.conf"
    swanctl_conf "$conf" remote_addrs=%any
    charon_up "$conf"
    log_peer="$STATE/charon/charon.log"
    peer_up() { established; }
else
    # The peer's address is the NAT's, and unknown in advance.
    node_start "$NS_PEER" responder "$ADDR_PEER" %any "$log_peer" --psk-file "$STATE/psk" --remote-id "$ADDR_US" \
        "${ts_peer[@]}" "${ours[@]}"
    pid_peer="${node_pids[-1]}"
    peer_up() { installed "$log_peer"; }
fi
if [ "$role" = initiator ]; then
    node_start "$NS_US" initiator "$ADDR_US" "$ADDR_PEER" "$log_us" --psk-file "$STATE/psk" --keepalive "$KEEPALIVE" \
        "${ts_us[@]}" "${ours[@]}"
    pid_us="${node_pids[-1]}"
    us_up() { installed "$log_us"; }
fi
both_up() { us_up && peer_up; }
wait_for 30 both_up || { tail -n 40 "$log_us" "$log_peer" >&2; die "$label: no IPsec SA on both sides"; }
up_at="$(date +%s)"
ike_before="$( [ "$peer" = charon ] && charon_sas | grep '^ike' || true)"

# NAT-D on both sides (RFC 3947 §3.2), as each side logs it.
if [ "$role" = responder ]; then
    grep -q "local host is behind NAT" "$log_us" || die "$label: charon behind the NAT did not log 'local host is behind NAT'"
    grep -q "^NAT detected: peer behind NAT" "$log_peer" || die "$label: our log lacks 'NAT detected: peer behind NAT'"
elif ! grep -q "^NAT detected: local behind NAT" "$log_us"; then
    die "$label: our log behind the NAT lacks 'NAT detected: local behind NAT'"
elif [ "$peer" = charon ]; then
    grep -q "remote host is behind NAT" "$log_peer" || die "$label: charon did not log 'remote host is behind NAT'"
else
    grep -q "^NAT detected: peer behind NAT" "$log_peer" || die "$label: the peer's log lacks 'NAT detected: peer behind NAT'"
fi

# Traffic through the NAT.
ping_through() { [ "$(ping_count "$NS_US" "$from" "$to" 1)" -eq 1 ]; }
wait_for 10 ping_through || { tail -n 40 "$log_us" "$log_peer" >&2; die "$label: no ping through the SAs"; }
received="$(ping_count "$NS_US" "$from" "$to" 5)"
[ "$received" -ge 4 ] || die "$label: $received of 5 pings came back"
tcp() {
    local kbits; kbits="$(iperf_kbits "$NS_US" "$from" "$NS_PEER" "$to" "$1")"
    [ "${kbits:-0}" -gt 0 ] || die "$label: no TCP transfer through the SAs $2 (iperf3: $(grep -o '"error":.*' "$STATE/iperf3.json" || true))"
    mbits "$kbits"
}
traffic="$received/5 pings, iperf3 $(tcp 3 "through the NAT")"

# Both ends on 4500 (the inside end from its own 4500 too), ESP in UDP both ways, no raw ESP.
float_in="$(capture_count "$inside" "udp and src host $ADDR_US and src port 4500 and dst port 4500")"
float_out="$(capture_count "$outside" "udp and src host $ADDR_PEER and src port 4500 and dst host $NAT_OUTSIDE")"
[ "$float_in" -gt 0 ] && [ "$float_out" -gt 0 ] \
    || die "$label: no float to 4500 ($float_in packets 4500 -> 4500 from $ADDR_US inside, $float_out from $ADDR_PEER:4500 outside)"
esp_out="$(capture_count "$outside" "$WIRE_UDP_ESP and src host $NAT_OUTSIDE")"; esp_in="$(capture_count "$outside" "$WIRE_UDP_ESP and src host $ADDR_PEER")"
[ "$esp_out" -ge 5 ] && [ "$esp_in" -ge 5 ] || die "$label: ESP-in-UDP outside the NAT: $esp_out from the NAT, $esp_in from $ADDR_PEER (5 each at least)"
n="$(capture_count "$outside" "$WIRE_RAW_ESP")"; [ "$n" -eq 0 ] || die "$label: $n raw ESP packets (IP protocol 50) behind a NAT"

# The NAT-keepalive from behind the NAT, within the interval (plus 2 s) of Phase 1.
keepalives() { capture_count "$outside" "$WIRE_KEEPALIVE and src host $NAT_OUTSIDE"; }
keepalive_seen() { [ "$(keepalives)" -gt 0 ]; }
# Our node sends them regardless of traffic; charon only after $KEEPALIVE s without sending
# (RFC 3948 §2.3: ESP keeps the mapping too), so it gets that long after the traffic.
keepalive_by() { if [ "$role" = responder ]; then echo $(( $(date +%s) + 2 * KEEPALIVE + 2 )); else echo $(( $1 + KEEPALIVE + 2 )); fi; }
wait_for "$(( $(keepalive_by "$up_at") - $(date +%s) ))" keepalive_seen \
    || die "$label: no NAT-keepalive from behind the NAT within $KEEPALIVE s of Phase 1 (or of the traffic's end)"
keepalive_after="$(( $(date +%s) - up_at ))"

# The NAT reboots its state: mappings forgotten, the next flow out gets a port of $NEW_PORTS.
# The node behind it sends first (a ping); the peer must follow it to the new port.
ip netns exec "$NS_NAT" iptables -w -t nat -I POSTROUTING 1 -o "$IF_NAT_OUT" -p udp -j MASQUERADE --to-ports "$NEW_PORTS"
ip netns exec "$NS_NAT" conntrack -F > /dev/null 2>&1
moved_at="$(date +%s)"
wait_for 30 ping_through || { tail -n 30 "$log_us" "$log_peer" >&2; die "$label: no traffic within 30 s after the NAT mapping changed"; }
resumed="$(( $(date +%s) - moved_at ))"
received="$(ping_count "$NS_US" "$from" "$to" 5)"
[ "$received" -ge 4 ] || die "$label: $received of 5 pings came back after the NAT mapping changed"
traffic="$traffic; after the NAT mapping changed traffic resumed within ${resumed} s: $received/5 pings, iperf3 $(tcp 2 "after the NAT mapping changed")"
n="$(capture_count "$outside" "udp and src host $NAT_OUTSIDE and src portrange $NEW_PORTS and dst port 4500")"
[ "$n" -gt 0 ] || die "$label: nothing left the NAT from a new port ($NEW_PORTS): the mapping change proves nothing"
esp_back="$(capture_count "$outside" "$WIRE_UDP_ESP and src host $ADDR_PEER and dst portrange $NEW_PORTS")"
[ "$esp_back" -gt 0 ] || die "$label: the peer sent no ESP to the NAT's new port"

# The keepalives go on, now from the new mapping.
keepalive_moved() { [ "$(capture_count "$outside" "$WIRE_KEEPALIVE and src host $NAT_OUTSIDE and src portrange $NEW_PORTS")" -gt 0 ]; }
wait_for "$(( $(keepalive_by "$moved_at") - $(date +%s) ))" keepalive_moved \
    || die "$label: no NAT-keepalive within $KEEPALIVE s after the NAT mapping changed"
n="$(keepalives)"

# No new Phase 1: one ISAKMP SA all along.
if [ "$role" = responder ]; then
    phase1_peer="$(grep -c '^ISAKMP SA .* established' "$log_peer" || true)"
    [ "$phase1_peer" -eq 1 ] || die "$label: $phase1_peer Phase 1 exchanges on our side, not 1"
    ike_after="$(charon_sas | grep '^ike' || true)"
    [ "$ike_after" = "$ike_before" ] || die "$label: charon's ISAKMP SA changed ('$ike_before' -> '$ike_after')"
    # Our node followed charon's new mapping on its first authenticated packet from there.
    move="$(grep -m1 -oE "moved to $NAT_OUTSIDE:4[0-9]{4}" "$log_peer" || true)"
    [ -n "$move" ] || { tail -n 20 "$log_peer" >&2; die "$label: our node did not log the move to the NAT's new port"; }
    held="one Phase 1, charon holds the same ISAKMP SA; our node $move"
elif ! phase1_us="$(grep -c '^ISAKMP SA .* established' "$log_us")" || [ "$phase1_us" -ne 1 ]; then
    die "$label: ${phase1_us:-0} Phase 1 exchanges on our side behind the NAT, not 1"
elif [ "$peer" = charon ]; then
    ike_after="$(charon_sas | grep '^ike' || true)"
    [ "$ike_after" = "$ike_before" ] || die "$label: charon's ISAKMP SA changed ('$ike_before' -> '$ike_after')"
    peer_port="$(swanctl_peer --list-sas | grep -o "$NAT_OUTSIDE\[[0-9]*\]" | head -1)"
    held="charon holds the same ISAKMP SA, its peer now $peer_port"
else
    phase1_peer="$(grep -c '^ISAKMP SA .* established' "$log_peer" || true)"
    [ "$phase1_peer" -eq 1 ] || die "$label: $phase1_peer Phase 1 exchanges on the peer's side, not 1"
    held="one Phase 1 on each side; peer: $(grep -m1 -o 'moved to [^ ]*' "$log_peer" || echo 'no move logged')"
fi

# Deletes through the new mapping.
if [ "$role" = responder ]; then
    swanctl_peer --terminate --ike peer --timeout 10 > /dev/null 2>&1 || true
    wait_for 10 grep -q "^ISAKMP SA .* deleted: deleted by peer" "$log_peer" \
        || { tail -n 20 "$log_peer" >&2; die "$label: our node did not take charon's Delete through the new mapping"; }
    node_stop "$pid_peer"
elif node_stop "$pid_us"; [ "$peer" = charon ]; then
    gone() { local out; out="$(swanctl_peer --list-sas 2>/dev/null)" || return 1; ! grep -q "ESTABLISHED\|INSTALLED" <<< "$out"; }
    wait_for 10 gone || { swanctl_peer --list-sas >&2; die "$label: charon still has SAs after our Delete"; }
else
    wait_for 10 grep -q "^ISAKMP SA .* deleted: deleted by peer" "$log_peer" \
        || { tail -n 20 "$log_peer" >&2; die "$label: the peer did not take our Delete"; }
    node_stop "$pid_peer"
fi
capture_stop
echo "PASS $scenario $role (NAT detected on both sides; both on 4500, $esp_out + $esp_in ESP-in-UDP packets outside the NAT; NAT-keepalives every $KEEPALIVE s ($n; the first $keepalive_after s after Phase 1, the last from the new mapping); $traffic; $held; Deletes taken)"
