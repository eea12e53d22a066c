#!/usr/bin/env bash
# TCP throughput (iperf3, 10 s) through two tunnels on the same namespaces, in one run:
#   ours:   our ikev1 connect (TUN + userspace ESP)  <->  charon (kernel-libipsec)
#   charon: charon (kernel-libipsec)                 <->  charon (kernel-libipsec)
# usage: Interop/throughput.sh [IKEV1_BINARY (a release build)] [ESP proposal]
# Prints one JSON object with both rates in Mbit/s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
bin="${1:-$here/../.build/release/ikev1}"
esp="${2:-aes128gcm16}"
seconds="${IKEV1_IPERF_SECONDS:-10}"
[ -x "$bin" ] || die "no ikev1 binary at $bin (swift build -c release first)"
command -v iperf3 >/dev/null || die "iperf3 is not installed"

cleanup() {
    [ -n "${node_pid:-}" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
    [ -n "${iperf_pid:-}" ] && kill "$iperf_pid" 2>/dev/null || true
    charon_down charon-us
    charon_down
    net_down
}
trap cleanup EXIT

rate() {  # iperf3 from our protected host to charon's, in Mbit/s
    ip netns exec "$NS_US" iperf3 -c "$HOST_PEER" -B "$HOST_US" -t "$seconds" -J 2>/dev/null \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6, 1))'
}

mkdir -p "$STATE"
net_up
swanctl_conf "$STATE/peer.conf" "esp=$esp"
charon_up "$STATE/peer.conf"
ip netns exec "$NS_PEER" iperf3 -s -B "$HOST_PEER" > /dev/null 2>&1 &
iperf_pid=$!
printf '%s' "$PSK" > "$STATE/psk"

# 1. Our node against charon.
ip netns exec "$NS_US" "$bin" connect --peer "$ADDR_PEER" --bind "$ADDR_US" --tun ikv1tun0 --psk-file "$STATE/psk" \
    --local-ts "$NET_US" --remote-ts "$NET_PEER" --esp "$esp" > "$STATE/node.log" 2>&1 &
node_pid=$!
wait_for 15 ip netns exec "$NS_US" ping -n -c1 -W1 -I "$HOST_US" "$HOST_PEER" || die "our tunnel did not come up"
ours="$(rate)"
kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
ip -n "$NS_US" link del ikv1tun0 2>/dev/null || true
sleep 1

# 2. charon against charon, same namespaces, same algorithms.
swanctl_conf "$STATE/us.conf" "esp=$esp" local_addrs="$ADDR_US" remote_addrs="$ADDR_PEER" \
    local_id="$ADDR_US" remote_id="$ADDR_PEER" ts_local="$NET_US" ts_remote="$NET_PEER"
charon_up "$STATE/us.conf" charon-us "$NS_US"
swanctl_us --initiate --child net --timeout 20 > /dev/null 2>&1 || die "charon-to-charon tunnel did not come up"
wait_for 15 ip netns exec "$NS_US" ping -n -c1 -W1 -I "$HOST_US" "$HOST_PEER" || die "charon-to-charon ping failed"
theirs="$(rate)"

echo "{\"esp\":\"$esp\",\"seconds\":$seconds,\"ours_mbit_s\":$ours,\"charon_to_charon_mbit_s\":$theirs}"
