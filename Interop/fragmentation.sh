#!/usr/bin/env bash
# IKE fragmentation against charon (issue 15): RSA-4096 certificates in a chain of three make
# Main Mode 5 and 6 larger than the veth's 1500-byte MTU, and the path drops IP fragments
# (iptables in each namespace's raw PREROUTING, before the stack reassembles: `-f` for the
# later fragments, a u32 match on MF for the first). charon runs with `fragmentation = force`.
#
#   on:  our node with its default `fragmentation = yes`: the tunnel comes up, a ping gets
#        through, charon logs reassembling our fragments, tshark dissects ISAKMP fragments
#        (payload 132) both ways, and not one IP fragment crossed.
#   off: the same run with our `--fragmentation no`: our Main Mode 5/6 goes whole, is
#        IP-fragmented and dropped, and no SA comes up within 15 s.
#
# usage: Interop/fragmentation.sh force initiator|responder [IKEV1_BINARY]
#   force: charon's setting (the one scenario; named as all.sh's runs are)
#   initiator: our node initiates (ikev1 connect), charon responds; responder: the reverse.
# Needs what run.sh needs, and tcpdump and tshark. Prints "PASS fragmentation force ROLE ..." or FAIL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
. "$here/pki.sh"
scenario_args "$@"
[ "$scenario" = force ] || die "usage: fragmentation.sh force initiator|responder [IKEV1_BINARY]"
command -v tshark > /dev/null && command -v tcpdump > /dev/null || die "fragmentation needs tcpdump and tshark"

pki="$STATE/pki-rsa4096"
node_pid=""
cleanup() {
    capture_stop
    [ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
    charon_down
    net_down
}
trap cleanup EXIT

# Drops every IPv4 fragment arriving in either namespace.
drop_ip_fragments() {
    local ns
    for ns in "$NS_US" "$NS_PEER"; do
        ip netns exec "$ns" iptables -w -t raw -A PREROUTING -f -j DROP \
            || die "iptables failed in $ns (apt-get install iptables)"
        ip netns exec "$ns" iptables -w -t raw -A PREROUTING -m u32 --u32 "4&0x3FFF=0x2000:0x3FFF" -j DROP \
            || die "iptables u32 match failed in $ns (the kernel needs xt_u32)"
    done
}

# IP fragments the rules dropped, both namespaces together.
fragments_dropped() {
    local ns n=0 c
    for ns in "$NS_US" "$NS_PEER"; do
        c="$(ip netns exec "$ns" iptables -w -t raw -L PREROUTING -v -x -n | awk '/DROP/ { s += $1 } END { print s + 0 }')"
        n=$((n + c))
    done
    echo "$n"
}

# ISAKMP fragment messages (payload 132) tshark dissects in PCAP from SRC.
isakmp_fragments() { tshark -r "$1" -Y "isakmp.frag.seq && ip.src == $2" -T fields -e frame.number 2>/dev/null | wc -l; }

# run_once on|off: one run; sets $summary.
run_once() {
    local mode="$1" nodelog="$STATE/node-$1.log" pcap="$STATE/fragmentation-$1.pcap" flags=()
    [ "$mode" = off ] && flags=(--fragmentation no)
    net_up
    drop_ip_fragments
    pki_install_charon "$pki" "$STATE/charon/swanctl" peer-rsa4096 root
    swanctl_conf "$STATE/swanctl.conf" auth=pubkey cert=peer-rsa4096.pem local_id="$PKI_PEER_DN" remote_id="$PKI_US_DN" \
        fragmentation=force
    charon_up "$STATE/swanctl.conf"
    capture_start "$NS_PEER" "$IF_PEER" "$pcap" 0
    local common=(--cert "$pki/us-rsa4096-chain.pem" --key "$pki/us-rsa4096.key" --ca "$pki/root.pem" --ca "$pki/inter.pem"
                  --remote-id "$PKI_PEER_DN" --local-ts "$NET_US" --remote-ts "$NET_PEER" "${flags[@]}")
    if [ "$role" = initiator ]; then
        ip netns exec "$NS_US" "$bin" connect --peer "$ADDR_PEER" --bind "$ADDR_US" "${tun_args[@]}" "${common[@]}" > "$nodelog" 2>&1 &
        node_pid=$!
    else
        ip netns exec "$NS_US" "$bin" respond --listen "$ADDR_US" --peer "$ADDR_PEER" "${tun_args[@]}" "${common[@]}" > "$nodelog" 2>&1 &
        node_pid=$!
        wait_for 10 grep -q "listening on" "$nodelog" || { cat "$nodelog" >&2; die "fragmentation $role $mode: our node did not start"; }
        swanctl_peer --initiate --child net --timeout 15 > "$STATE/initiate-$mode.out" 2>&1 &
    fi
    local ip_fragments
    if [ "$mode" = on ]; then
        wait_for 30 established || { cat "$nodelog" >&2; die "fragmentation $role on: no SA installed on charon's side"; }
        wait_for 10 ping_ok || { cat "$nodelog" >&2; die "fragmentation $role on: ping through the tunnel failed"; }
        grep -q "reassembled fragmented IKE message" "$STATE/charon/charon.log" \
            || die "fragmentation $role on: charon reassembled no fragments of ours"
        kill -TERM "$node_pid"; wait "$node_pid" || die "fragmentation $role on: our node exited with $?"
        node_pid=""
        local ours; ours="$(grep -m1 "IKE fragments reassembled" "$nodelog")" \
            || { cat "$nodelog" >&2; die "fragmentation $role on: our node reassembled no fragments"; }
        capture_stop
        local from_us from_peer
        from_us="$(isakmp_fragments "$pcap" "$ADDR_US")"; from_peer="$(isakmp_fragments "$pcap" "$ADDR_PEER")"
        [ "$from_us" -ge 2 ] && [ "$from_peer" -ge 2 ] \
            || die "fragmentation $role on: tshark dissected $from_us ISAKMP fragments from us and $from_peer from charon"
        ip_fragments="$(capture_count "$pcap" 'ip[6:2] & 0x3fff != 0')"
        [ "$ip_fragments" -eq 0 ] && [ "$(fragments_dropped)" -eq 0 ] \
            || die "fragmentation $role on: $ip_fragments IP fragments on the wire, $(fragments_dropped) dropped"
        summary="on: up, ping ok, tshark: $from_us ISAKMP fragments from us and $from_peer from charon, 0 IP fragments; ours: ${ours#IKE fragments reassembled: }"
    else
        sleep 15
        established && die "fragmentation $role off: charon installed an SA although our fragmentation was off"
        grep -q "^IPsec SA installed" "$nodelog" && die "fragmentation $role off: our node installed an SA"
        capture_stop
        ip_fragments="$(capture_count "$pcap" 'ip[6:2] & 0x3fff != 0')"
        local dropped; dropped="$(fragments_dropped)"
        [ "$ip_fragments" -gt 0 ] && [ "$dropped" -gt 0 ] \
            || die "fragmentation $role off: failed without IP fragments ($ip_fragments on the wire, $dropped dropped)"
        summary="off: no SA after 15 s, $ip_fragments IP fragments on the wire and $dropped dropped, charon's ISAKMP fragments: $(isakmp_fragments "$pcap" "$ADDR_PEER")"
        kill -TERM "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null || true
        node_pid=""
    fi
    charon_down
}

mkdir -p "$STATE"
pki_make_rsa4096 "$pki"
run_once on; on="$summary"
run_once off; off="$summary"
echo "PASS fragmentation force $role ($on; $off)"
