#!/usr/bin/env bash
# Tunnels that stay up (issue 15), between our node and charon.
#
# usage: Interop/stayup.sh SCENARIO initiator|responder [IKEV1_BINARY]
#   reauth   the ISAKMP SA is replaced every 15-30 s while pings flow every 0.2 s for 100 s:
#            responder: charon re-authenticates (reauth_time 30 s) against our `respond --tun`;
#            initiator: our `connect --ike-lifetime 30` renews (make-before-break) against charon.
#            charon runs with unique = replace, the policy under which it adopts the IPsec SAs of
#            an IKEv1 re-authentication. A capture of the veth must show every new Main Mode
#            complete on its first try (one message 1 per cookie, no retransmission in charon's
#            log), on whichever port it used, and every IKE message of ours on port 4500 behind
#            the non-ESP marker (`ikev1 decode` reads a marker-less one as ESP with an SPI no SA has).
#   volume-rekey  esp_lifetime_bytes 50M on our side (responder: sent to charon as RESPONDER-LIFETIME):
#            a 10 s iperf3 TCP transfer from charon's host to ours (the bytes our node counts, as
#            it receives them) rekeys the IPsec SA several times by volume; the transfer goes on
#            without a reset and both sides end with the same SAs.
#   peer-restart  DPD every 2 s with dpd_action = restart on our side: charon is killed and started
#            again with no state (and does not initiate): our DPD finds it dead (2 s + 5 probes), our
#            node initiates again, and the tunnel is back within the DPD timeout + 10 s with exactly
#            one ISAKMP and one IPsec SA on each side.
#   trap     our node with start_action = trap does not initiate; the first ping to charon's subnet
#            brings the tunnel up (held meanwhile, then sent) and the pings after it get through.
#   trap-ours  the same against our own `respond` in the other namespace (no charon).
# Prints "PASS ..." or "FAIL ..." and exits 0/1. Needs what run.sh needs, plus tcpdump and iperf3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
scenario_args "$@"

ours=(); theirs=(unique=replace)
case "$scenario" in
    reauth)
        if [ "$role" = responder ]; then theirs+=(reauth=30s); else ours=(--ike-lifetime 30); fi ;;
    volume-rekey)
        ours=(--esp-lifetime-bytes 52428800) ;;   # 50 MiB
    peer-restart)
        theirs+=(dpd=2s); ours=(--dpd 2 --dpd-action restart --retry-backoff 1 --retry-backoff-max 4) ;;
    trap|trap-ours)
        ours=(--start-action trap) ;;
    *) die "unknown scenario $scenario" ;;
esac
label="$scenario $role"

cleanup() {
    capture_stop
    [ -n "${ping_pid:-}" ] && kill "$ping_pid" 2>/dev/null || true
    [ -n "${node_pid:-}" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
    charon_down
    net_down
}
trap cleanup EXIT

mkdir -p "$STATE"
net_up
if [ "$scenario" = trap-ours ]; then
    # Two of our nodes: ours in $NS_US traps, the other answers.
    printf '%s' "$PSK" > "$STATE/psk"
    other=$([ "$role" = initiator ] && echo responder || echo initiator)
    log_us="$STATE/ours-us.log"; log_peer="$STATE/ours-peer.log"
    common=(--psk-file "$STATE/psk")
    node_start "$NS_PEER" responder "$ADDR_PEER" "$ADDR_US" "$log_peer" "${common[@]}" --local-ts "$NET_PEER" --remote-ts "$NET_US"
    node_start "$NS_US" "$role" "$ADDR_US" "$ADDR_PEER" "$log_us" "${common[@]}" --local-ts "$NET_US" --remote-ts "$NET_PEER" "${ours[@]}"
    sleep 2
    ! installed "$log_us" || die "$label: an SA came up before any traffic"
    received="$(ping_count "$NS_US" "$HOST_US" "$HOST_PEER" 10)"
    [ "$received" -ge 9 ] || { tail -n 30 "$log_us" "$log_peer" >&2; die "$label: $received of 10 pings came back"; }
    node_stop "${node_pids[1]}"
    node_stop "${node_pids[0]}"
    node_pids=()
    held="$(grep -o 'start_action = trap: .*' "$log_us" || echo "nothing held")"
    echo "PASS $label (no SA before traffic; the first ping brought the tunnel up, $received of 10 pings came back; $held)"
    exit 0
fi
conf="$STATE/swanctl.conf"
swanctl_conf "$conf" "${theirs[@]}"
charon_up "$conf"
printf '%s' "$PSK" > "$STATE/psk"
pcap="$STATE/stayup.pcap"
capture_start "$NS_US" "$IF_US" "$pcap" 0
nodelog="$STATE/node.log"
args=(--psk-file "$STATE/psk" --local-ts "$NET_US" --remote-ts "$NET_PEER" "${tun_args[@]}" "${ours[@]}")
if [ "$role" = initiator ]; then
    ip netns exec "$NS_US" "$bin" connect --peer "$ADDR_PEER" --bind "$ADDR_US" "${args[@]}" > "$nodelog" 2>&1 &
else
    ip netns exec "$NS_US" "$bin" respond --listen "$ADDR_US" --peer "$ADDR_PEER" "${args[@]}" > "$nodelog" 2>&1 &
fi
node_pid=$!
wait_for 10 grep -q "listening on\|initiating" "$nodelog" || { cat "$nodelog" >&2; die "$label: our node did not start"; }
if [ "$scenario" = trap ]; then
    sleep 2
    [ -z "$(charon_sas)" ] && ! installed "$nodelog" || die "$label: an SA came up before any traffic"
    received="$(ping_count "$NS_US" "$HOST_US" "$HOST_PEER" 10)"
    [ "$received" -ge 9 ] || { cat "$nodelog" >&2; die "$label: $received of 10 pings came back"; }
    held="$(check_invariant "$nodelog" "$label")"
    kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
    trapped="$(grep -o 'start_action = trap: .*' "$nodelog" || echo "nothing held")"
    echo "PASS $label (no SA before traffic; the first ping brought the tunnel up, $received of 10 pings came back, $held on both sides; $trapped)"
    exit 0
fi
[ "$role" = responder ] && { swanctl_peer --initiate --child net --timeout 20 > "$STATE/initiate.out" 2>&1 || true; }
wait_for 30 established || { cat "$nodelog" >&2; die "$label: no IPsec SA on charon's side"; }
wait_for 10 ping_ok || { cat "$nodelog" >&2; die "$label: no ping through the tunnel"; }

if [ "$scenario" = peer-restart ]; then
    capture_stop
    killed=$(date +%s%N)
    charon_down_hard
    sleep 1
    charon_up "$conf"
    wait_for 60 ping_ok || { cat "$nodelog" >&2; die "$label: the tunnel did not come back"; }
    back=$(( ($(date +%s%N) - killed) / 1000000 ))
    limit=$(( (2 + 5 * 2 + 10) * 1000 ))
    [ "$back" -le "$limit" ] || die "$label: the tunnel took $((back / 1000)) s to come back (DPD timeout 12 s + 10 s)"
    grep -q "deadPeer" "$nodelog" || die "$label: our DPD never declared the peer dead"
    held="$(check_invariant "$nodelog" "$label")"
    [ "$held" = "1 ike, 1 esp" ] || die "$label: afterwards both sides hold $held, not 1 ike, 1 esp"
    kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
    echo "PASS $label (charon killed and restarted: our DPD found it dead, our node initiated again, traffic back after $(awk -v m="$back" 'BEGIN { printf "%.1f", m / 1000 }') s, within the DPD timeout + 10 s; then $held on both sides, the same)"
    exit 0
fi
if [ "$scenario" = volume-rekey ]; then
    capture_stop
    ip netns exec "$NS_PEER" timeout 30 iperf3 -s -1 -B "$HOST_PEER" > /dev/null 2>&1 &
    sleep 0.3
    ip netns exec "$NS_US" timeout 30 iperf3 -c "$HOST_PEER" -B "$HOST_US" -t 10 -R -J > "$STATE/iperf3.json" 2>"$STATE/iperf3.err" \
        || { cat "$STATE/iperf3.err" "$STATE/iperf3.json" >&2; die "$label: iperf3 failed (the transfer was reset?)"; }
    read -r mbytes mbits retrans < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]
print(round(e["sum_received"]["bytes"]/2**20), round(e["sum_received"]["bits_per_second"]/1e6), e.get("sum_sent", {}).get("retransmits", 0))' "$STATE/iperf3.json")
    rekeys="$(grep -c 'IPsec SA deleted: .*rekeyed\|IPsec SA deleted: .*deleted by peer' "$nodelog" || true)"
    installs="$(grep -c '^IPsec SA installed' "$nodelog")"
    [ "$installs" -ge 2 ] || { cat "$nodelog" >&2; die "$label: $installs IPsec SA installed over $mbytes MiB: no rekey by volume"; }
    grep -q "kilobyte lifetime reached" "$nodelog" && { cat "$nodelog" >&2; die "$label: an SA hit its hard volume limit before its rekey"; }
    wait_for 10 ping_ok || die "$label: no ping after the transfer"
    held="$(check_invariant "$nodelog" "$label")"
    kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
    echo "PASS $label (iperf3 10 s, $mbytes MiB at $mbits Mbit/s, not reset; $installs IPsec SAs installed, $rekeys replaced ones deleted, none reached its hard limit; then $held on both sides, the same)"
    exit 0
fi

count=500
received="$(ping_count "$NS_US" "$HOST_US" "$HOST_PEER" "$count")"
lost=$((count - received))
capture_stop
sleep 1

# Every Main Mode message 1 (responder cookie zero) once per cookie, and that SA established on our side.
"$bin" decode "$pcap" --format jsonl > "$STATE/stayup.jsonl" 2>/dev/null || true
ours_out="$(grep -oE '^IPsec SA installed: in 0x[0-9a-f]+ out 0x[0-9a-f]+' "$nodelog" | awk '{ print $7 }' | sed 's/^0x//' | tr '\n' ' ')"
report="$(python3 - "$STATE/stayup.jsonl" "$nodelog" "$ADDR_US" "$ours_out" <<'PY'
import json, sys, collections, re
records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
log = open(sys.argv[2]).read()
us = sys.argv[3]
our_out = {int(s, 16) for s in sys.argv[4].split()}
mm1 = collections.defaultdict(list)
for r in records:
    i = r.get("isakmp")
    if r.get("proto") == "isakmp" and i and i["exchange"] == 2 and int(i["rcookie"], 16) == 0:
        mm1[i["icookie"]].append(r["dst"].split(":")[1])
established = set(re.findall(r"^ISAKMP SA ([0-9a-f]+)/[0-9a-f]+ established", log, re.M))
problems = []
for c, ports in mm1.items():
    if len(ports) != 1: problems.append(f"Main Mode {c} message 1 sent {len(ports)} times")
    if c not in established: problems.append(f"Main Mode {c} never established on our side")
# IKE without the marker from our 4500 would read as ESP with an SPI none of our SAs has.
stray = {r["esp"]["spi"] for r in records if r.get("proto") == "esp" and r["src"] == f"{us}:4500"
         and int(r["esp"]["spi"], 16) not in our_out}
if stray: problems.append(f"our 4500 sent non-ESP without the marker (SPIs {sorted(stray)})")
ike4500 = sum(1 for r in records if r.get("proto") == "isakmp" and r["src"] == f"{us}:4500")
ports = collections.Counter(p[0] for p in mm1.values())
print(("PROBLEMS " + "; ".join(problems)) if problems else
      f"{len(mm1)} Main Modes, each on its first try (message 1 to port {', '.join(f'{p} x{n}' for p, n in sorted(ports.items()))}), "
      f"{ike4500} IKE messages of ours on 4500 all behind the non-ESP marker")
PY
)"
case "$report" in PROBLEMS*) cat "$nodelog" >&2; die "$label: ${report#PROBLEMS }";; esac
retransmits="$(grep -c 'sending retransmit' "$STATE/charon/charon.log" || true)"
[ "${retransmits:-0}" -eq 0 ] || die "$label: charon retransmitted $retransmits times"
mainmodes="$(grep -cE '^ISAKMP SA [0-9a-f]+/[0-9a-f]+ established' "$nodelog")"
[ "$mainmodes" -ge 4 ] || die "$label: only $mainmodes ISAKMP SAs in 100 s (expected a replacement every 15-30 s)"
[ "$(grep -c 'IPsec SA deleted' "$nodelog" || true)" -eq 0 ] || { cat "$nodelog" >&2; die "$label: an IPsec SA was deleted"; }
[ "$lost" -le 2 ] || die "$label: $lost of $count pings lost across the replacements"
held="$(check_invariant "$nodelog" "$label")"
case "$held" in "1 ike, "*|"2 ike, "*) ;; *) die "$label: afterwards both sides hold $held";; esac
kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
echo "PASS $label ($report; $mainmodes ISAKMP SAs, no IPsec SA deleted, $lost of $count pings lost, no retransmission; then $held on both sides, the same)"
