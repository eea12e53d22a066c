#!/usr/bin/env bash
# One scenario between two of our ikev1 nodes (no charon), with a capture on the veth that
# says how the ESP went: IP protocol 50, or ESP-in-UDP on port 4500.
#
# usage: Interop/ours.sh SCENARIO initiator|responder [IKEV1_BINARY]
#   the role is that of the node in $NS_US, whose protected host sends the traffic; the node in
#   $NS_PEER takes the other role (`ikev1 connect` initiates, `ikev1 respond --tun` answers)
#   raw-tunnel           default options, IPv4 outside: ESP as IP protocol 50, nothing on UDP 4500
#   raw-transport        --transport, traffic between the two veth addresses themselves
#   raw-tunnel-v6        IPv6 outside (2001:db8:1::1 and ::2 on the veth), IPv4 inside
#   encap-tunnel         --encap on both: ESP in UDP 4500 only, no IP protocol 50
#   encap-transport      --encap --transport on both
#   raw-wireshark        raw-tunnel, our node in $NS_US with --export-wireshark: tshark given only
#                        those two tables decrypts every ESP packet of the capture, none without
#   transport-wireshark  the same in transport mode
#   raw-ah               --esp ah-sha256 on both: AH (IP protocol 51), tunnel mode
#   raw-ah-transport     AH in transport mode
#   raw-gre              selectors [gre] on both sides: GRE packets (Interop/proto-echo.py, raw
#                        sockets) go through both ways, ICMP does not go through either way
#   raw-pmtu             --tun-mtu 1500 on both (the veth's own MTU, so full-size inner packets
#                        cannot fit with ESP's overhead): a 1500-byte ping with DF is answered
#                        "fragmentation needed" with the largest size that fits, a ping of that
#                        size goes through, and TCP, told the same, carries traffic
# Traffic: 5 pings, then a 5 s iperf3 TCP transfer (the wireshark ones: pings only). Then SIGTERM
# to the node in $NS_US: the other must take its Deletes. Same topology as run.sh (lib.sh).
# Needs root, iproute2, ping, iperf3, tcpdump; tshark for the wireshark ones.
# Prints one line "PASS <scenario> <role> ..." or "FAIL ..." and exits 0/1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
scenario_args "$@"
command -v tcpdump >/dev/null || die "tcpdump is not installed"
case "$role" in initiator) other=responder ;; responder) other=initiator ;; *) die "role: initiator or responder" ;; esac

# wire: what the capture must show (raw: IP protocol 50; encap: UDP 4500). mode: tunnel or transport.
ours=(); wire=raw; mode=tunnel; outer=4; export_dir=""; proto=""
case "$scenario" in
    raw-tunnel) ;;
    raw-transport)       ours=(--transport); mode=transport ;;
    raw-tunnel-v6)       outer=6 ;;
    encap-tunnel)        ours=(--encap); wire=encap ;;
    encap-transport)     ours=(--encap --transport); wire=encap; mode=transport ;;
    raw-wireshark)       export_dir="$STATE/wireshark" ;;
    transport-wireshark) ours=(--transport); mode=transport; export_dir="$STATE/wireshark" ;;
    raw-ah)              ours=(--esp ah-sha256); wire=ah ;;
    raw-ah-transport)    ours=(--esp ah-sha256 --transport); wire=ah; mode=transport ;;
    raw-gre)             proto="[gre]" ;;
    raw-pmtu)            ours=(--tun-mtu 1500) ;;
    *) die "unknown scenario $scenario" ;;
esac
label="$scenario $role"

cleanup() {
    nodes_kill
    capture_stop
    net_down
}
trap cleanup EXIT

mkdir -p "$STATE"
rm -rf "$STATE/wireshark" "$STATE"/ours-*.log
net_up
us="$ADDR_US"; peer="$ADDR_PEER"
if [ "$outer" = 6 ]; then
    # IPv6 on the veth only (lo and the TUN devices keep it off: default stays disabled).
    us=2001:db8:1::1; peer=2001:db8:1::2
    for end in "$NS_US $IF_US $us" "$NS_PEER $IF_PEER $peer"; do
        set -- $end
        ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 "net.ipv6.conf.$2.disable_ipv6=0"
        ip -n "$1" -6 addr add "$3/64" dev "$2" nodad
    done
fi
printf '%s' "$PSK" > "$STATE/psk"

# Everything on the veth from Main Mode message 1 on (Wireshark derives the IVs from it): whole
# packets for tshark, headers otherwise.
pcap="$STATE/ours.pcap"
capture_start "$NS_PEER" "$IF_PEER" "$pcap" "$([ -n "$export_dir" ] && echo 0 || echo 160)"

ts_us=(); ts_peer=()
if [ "$mode" = tunnel ]; then
    ts_us=(--local-ts "$NET_US$proto" --remote-ts "$NET_PEER$proto"); ts_peer=(--local-ts "$NET_PEER$proto" --remote-ts "$NET_US$proto")
fi
log_us="$STATE/ours-us.log"; log_peer="$STATE/ours-peer.log"
start_us() { node_start "$NS_US" "$role" "$us" "$peer" "$log_us" --psk-file "$STATE/psk" "${ts_us[@]}" "${ours[@]}" \
                 ${export_dir:+--export-wireshark "$export_dir"}; pid_us="${node_pids[-1]}"; }
start_peer() { node_start "$NS_PEER" "$other" "$peer" "$us" "$log_peer" --psk-file "$STATE/psk" "${ts_peer[@]}" "${ours[@]}"; pid_peer="${node_pids[-1]}"; }
# The responder listens before the initiator sends.
if [ "$role" = responder ]; then start_us; start_peer; else start_peer; start_us; fi

both_installed() { installed "$log_us" && installed "$log_peer"; }
wait_for 30 both_installed || { tail -n 40 "$log_us" "$log_peer" >&2; die "$label: no IPsec SA on both sides"; }
# Both sides agree on the mode and on the encapsulation (our status table: {Tunnel UDP-Encaps, }).
settings="{$([ "$mode" = tunnel ] && echo Tunnel || echo Transport)$([ "$wire" != encap ] || echo " UDP-Encaps"), }"
for log in "$log_us" "$log_peer"; do
    grep -qF "in use settings =$settings" "$log" || { cat "$log" >&2; die "$label: $log does not show $settings"; }
done

# Traffic: protected host to protected host (tunnel), or veth address to veth address (transport).
if [ "$mode" = tunnel ]; then
    from="$HOST_US"; to="$HOST_PEER"
else
    # The node steers traffic to the peer's address into its TUN device itself (policy routing).
    from="$ADDR_US"; to="$ADDR_PEER"
fi
if [ -n "$proto" ]; then
    # A GRE-only SA: GRE both ways, ICMP neither way (RFC 4301 §5.1, §5.2).
    for ns in "$NS_US $from" "$NS_PEER $to"; do
        set -- $ns
        ip netns exec "$1" timeout 30 python3 "$here/proto-echo.py" serve "$2" 47 25 > /dev/null 2>&1 &
    done
    sleep 0.3
    gre_ok() { ip netns exec "$NS_US" python3 "$here/proto-echo.py" ping "$from" "$to" 47 1; }
    wait_for 10 gre_ok || { tail -n 40 "$log_us" "$log_peer" >&2; die "$label: no GRE through the [gre] SAs"; }
    there="$(ip netns exec "$NS_US" python3 "$here/proto-echo.py" ping "$from" "$to" 47 5)" || die "$label: GRE $from -> $to: $there"
    back="$(ip netns exec "$NS_PEER" python3 "$here/proto-echo.py" ping "$to" "$from" 47 5)" || die "$label: GRE $to -> $from: $back"
    n="$(ping_count "$NS_US" "$from" "$to" 3)"; [ "$n" -eq 0 ] || die "$label: $n ICMP echoes went through a GRE-only SA"
    n="$(ping_count "$NS_PEER" "$to" "$from" 3)"; [ "$n" -eq 0 ] || die "$label: $n ICMP echoes came back through a GRE-only SA"
    traffic="GRE $there there and $back back, ICMP refused both ways"
else
first_ping() { [ "$(ping_count "$NS_US" "$from" "$to" 1)" -eq 1 ]; }
wait_for 10 first_ping || { tail -n 40 "$log_us" "$log_peer" >&2; die "$label: no ping through the SAs"; }
received="$(ping_count "$NS_US" "$from" "$to" 5)"
[ "$received" -ge 4 ] || die "$label: $received of 5 pings came back"
traffic="$received/5 pings"
if [ "$scenario" = raw-pmtu ]; then
    # 1472 bytes of ICMP data: a 1500-byte packet with DF, as big as the veth itself.
    answer="$(ip netns exec "$NS_US" ping -n -c1 -W2 -M do -s 1472 -I "$from" "$to" 2>&1 || true)"
    mtu="$(grep -oE 'Frag needed and DF set \(mtu = [0-9]+\)' <<< "$answer" | grep -oE '[0-9]+' || true)"
    [ -n "$mtu" ] && [ "$mtu" -lt 1500 ] && [ "$mtu" -gt 1400 ] || die "$label: no 'fragmentation needed' for a 1500-byte packet: $answer"
    fits="$(ip netns exec "$NS_US" ping -n -c3 -i 0.2 -W1 -M do -s $(( mtu - 28 )) -I "$from" "$to" 2>&1 | grep -oE '[0-9]+ received' || true)"
    [ "$fits" = "3 received" ] || die "$label: pings of $mtu bytes (the size the ICMP gave): $fits"
    traffic="$traffic, 1500 bytes with DF answered 'fragmentation needed (mtu = $mtu)', $mtu bytes went through"
fi
fi
if [ -z "$export_dir" ] && [ -z "$proto" ]; then
    kbits="$(iperf_kbits "$NS_US" "$from" "$NS_PEER" "$to" 5)"
    [ "${kbits:-0}" -gt 0 ] || die "$label: no TCP transfer through the SAs (iperf3: $(grep -o '"error":.*' "$STATE/iperf3.json" || true))"
    traffic="$traffic, iperf3 $(mbits "$kbits")"
fi

# Delete: SIGTERM to the node in $NS_US; the other must drop both SAs on its Deletes.
node_stop "$pid_us"
wait_for 10 grep -q "^ISAKMP SA .* deleted: deleted by peer" "$log_peer" \
    || { cat "$log_peer" >&2; die "$label: the node in $NS_PEER did not take the Delete of the ISAKMP SA"; }
grep -q "^IPsec SA deleted" "$log_peer" || die "$label: the IPsec SA in $NS_PEER survived the Delete"
node_stop "$pid_peer"
capture_stop
if [ -n "$proto" ]; then
    # The refused echoes were dropped and counted, on each side, as packets no SA covers.
    for log in "$log_us" "$log_peer"; do
        grep -qE "^data plane dropped: .* [1-9][0-9]* with no SA" "$log" \
            || { tail -n 5 "$log" >&2; die "$label: $log does not count the ICMP its GRE-only SA refused"; }
    done
fi

# What was on the wire: ESP from both ends in the expected form, none in the other, and never
# the inner packets in clear.
case "$wire" in
    raw) esp="$WIRE_RAW_ESP"; wrong="udp port 4500 or $WIRE_AH"; form="IP protocol 50"; not="nothing on UDP 4500, no AH" ;;
    ah) esp="$WIRE_AH"; wrong="udp port 4500 or $WIRE_RAW_ESP"; form="AH (IP protocol 51)"; not="nothing on UDP 4500, no ESP" ;;
    *) esp="$WIRE_UDP_ESP"; wrong="$WIRE_RAW_ESP or $WIRE_AH"; form="ESP-in-UDP 4500"; not="no IP protocol 50 or 51" ;;
esac
# Without AH/ESP the traffic would be plain ICMP/TCP (transport) or carry the inner hosts as the
# outer addresses; AH shows its payload, but always behind an AH header.
if [ "$mode" = tunnel ]; then clear="host $HOST_US or host $HOST_PEER"; else clear="$WIRE_CLEAR_TRANSPORT"; fi
esp_us="$(capture_count "$pcap" "$esp and src host $us")"; esp_peer="$(capture_count "$pcap" "$esp and src host $peer")"
[ "$esp_us" -ge 5 ] && [ "$esp_peer" -ge 5 ] \
    || die "$label: $form packets on the wire: $esp_us from $us, $esp_peer from $peer (5 each at least)"
n="$(capture_count "$pcap" "$wrong")"; [ "$n" -eq 0 ] || die "$label: $n packets on the wire match '$wrong' (expected $form only)"
n="$(capture_count "$pcap" "$clear")"
[ "$n" -eq 0 ] || { tcpdump -n -r "$pcap" "$clear" 2>/dev/null | head -n 10 >&2; die "$label: $n packets of the traffic went over the veth in clear"; }
wire_text="on the wire $esp_us + $esp_peer ESP packets as $form, $not, none in clear"

if [ -n "$export_dir" ]; then
    wire_text="$wire_text; $(wireshark_check "$pcap" "$export_dir" "$label")"
fi
echo "PASS $scenario $role ($traffic; $wire_text; Deletes taken)"
