#!/usr/bin/env bash
# TCP throughput (iperf3) through five paths on the same two namespaces and veth, in one run,
# repetitions interleaved so that the shared machine's load falls on every path alike:
#   veth           no IPsec: iperf3 between the two veth addresses
#   ours-raw       two of our nodes (ikev1 connect / respond --tun), ESP as IP protocol 50
#   ours-encap     the same with --encap on both: ESP in UDP 4500
#   ours-charon    our ikev1 connect against charon (kernel-libipsec, which always floats to 4500)
#   charon-charon  charon on both ends (kernel-libipsec)
# for each ESP proposal and each number of parallel TCP streams (iperf3 -P); and the kernel's
# ceiling for the tunnels' datagrams with no crypto, TUN or TCP taking a share of the cores
# (Interop/datagram-ceiling.c, one sender and one receiver, measured once per repetition):
#   kernel-raw     1500-byte IP protocol 50 packets through raw sockets, as raw ESP travels
#   kernel-udp     UDP 4500 with UDP_SEGMENT / UDP_GRO, as ESP in UDP travels
#
# usage: Interop/throughput.sh [--seconds N] [--repetitions R] [--esp "P1 P2"] [--streams "1 4"]
#                              [--paths "veth ours-raw ..."] [IKEV1_BINARY (a release build)]
# Prints one JSON line per measurement ({"path","esp","streams","rep","mbit_s","cpu_s_per_gb"}:
# the CPU seconds our node processes used per gigabyte carried, null for the others), then a
# table of medians (min-max) with ours/charon-charon and ours/veth ratios. Needs root, iproute2,
# iperf3, python3; strongSwan for the charon paths; a C compiler (cc, or the Swift toolchain's
# clang) for the kernel paths.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
seconds=10; repetitions=3; esps="aes128gcm16 aes256-sha256"; streams="1 4"
paths="veth kernel-raw kernel-udp ours-raw ours-encap ours-charon charon-charon"
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --repetitions) repetitions="$2"; shift 2 ;;
        --esp) esps="$2"; shift 2 ;;
        --streams) streams="$2"; shift 2 ;;
        --paths) paths="$2"; shift 2 ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
done
bin="${1:-$here/../.build/release/ikev1}"
[ -x "$bin" ] || die "no ikev1 binary at $bin (swift build -c release --product ikev1 first)"
command -v iperf3 >/dev/null || die "iperf3 is not installed"
results="$STATE/throughput.jsonl"
ceiling="$STATE/datagram-ceiling"
case " $paths " in
    *" kernel-"*)
        mkdir -p "$STATE"
        cc="$(command -v cc || command -v clang)" || die "no C compiler for Interop/datagram-ceiling.c"
        "$cc" -O2 -o "$ceiling" "$here/datagram-ceiling.c" || die "could not compile Interop/datagram-ceiling.c" ;;
esac

cleanup() {
    nodes_kill
    charon_down charon-us
    charon_down
    net_down
}
trap cleanup EXIT

# CPU ticks (user + system) the processes $@ used so far.
cpu_ticks() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$t"; }

# measure PATH ESP STREAMS REP FROM TO PIDS...: one iperf3 run from FROM (in NS_US) to TO (in NS_PEER).
measure() {
    local path="$1" esp="$2" n="$3" rep="$4" from="$5" to="$6"; shift 6
    local before after
    ip netns exec "$NS_PEER" timeout $(( seconds + 15 )) iperf3 -s -1 -B "$to" > /dev/null 2>&1 &
    local server=$!
    sleep 0.3
    before="$(cpu_ticks "$@")"
    ip netns exec "$NS_US" timeout $(( seconds + 15 )) iperf3 -c "$to" -B "$from" -t "$seconds" -P "$n" -J > "$STATE/iperf3.json" 2>/dev/null || true
    after="$(cpu_ticks "$@")"
    wait "$server" || true
    python3 - "$STATE/iperf3.json" "$path" "$esp" "$n" "$rep" "$(( after - before ))" "$(getconf CLK_TCK)" "$#" <<'PY' | tee -a "$results"
import json, sys
f, path, esp, n, rep, ticks, hz, processes = sys.argv[1:]
try:
    end = json.load(open(f))["end"]["sum_received"]
    bps, gigabytes = end["bits_per_second"], end["bytes"] / 1e9
except Exception:
    bps, gigabytes = 0, 0
cpu = round(int(ticks) / int(hz) / gigabytes, 2) if int(processes) > 0 and gigabytes > 0 else None
print(json.dumps({"path": path, "esp": esp, "streams": int(n), "rep": int(rep), "mbit_s": round(bps / 1e6, 1), "cpu_s_per_gb": cpu}))
PY
}

# measure_datagrams PATH REP: the kernel's ceiling, datagrams from ADDR_US (in NS_US) to ADDR_PEER.
measure_datagrams() {
    local path="$1" rep="$2" mode=raw
    [ "$path" = kernel-udp ] && mode=udp-gso
    ip netns exec "$NS_PEER" "$ceiling" receive "$mode" "$ADDR_PEER" "$seconds" > "$STATE/ceiling.json" &
    local receiver=$!
    sleep 0.3
    ip netns exec "$NS_US" "$ceiling" send "$mode" "$ADDR_PEER" "$seconds"
    wait "$receiver" || die "$path: the receiver failed"
    python3 - "$STATE/ceiling.json" "$path" "$rep" <<'PY' | tee -a "$results"
import json, sys
f, path, rep = sys.argv[1:]
print(json.dumps({"path": path, "esp": "-", "streams": 1, "rep": int(rep), "mbit_s": json.load(open(f))["mbit_s"], "cpu_s_per_gb": None}))
PY
}

# Brings PATH up with ESP; sets pids (our node processes) and the endpoints from/to.
up() {
    local path="$1" esp="$2"
    pids=(); from="$HOST_US"; to="$HOST_PEER"
    net_up
    printf '%s' "$PSK" > "$STATE/psk"
    case "$path" in
        veth|kernel-*) from="$ADDR_US"; to="$ADDR_PEER"; return 0 ;;
        ours-raw|ours-encap)
            local extra=(); [ "$path" = ours-encap ] && extra=(--encap)
            node_start "$NS_PEER" responder "$ADDR_PEER" "$ADDR_US" "$STATE/tp-peer.log" --psk-file "$STATE/psk" \
                --local-ts "$NET_PEER" --remote-ts "$NET_US" --esp "$esp" "${extra[@]}"
            node_start "$NS_US" initiator "$ADDR_US" "$ADDR_PEER" "$STATE/tp-us.log" --psk-file "$STATE/psk" \
                --local-ts "$NET_US" --remote-ts "$NET_PEER" --esp "$esp" "${extra[@]}"
            pids=("${node_pids[@]}") ;;
        ours-charon)
            swanctl_conf "$STATE/peer.conf" "esp=$esp"
            charon_up "$STATE/peer.conf"
            node_start "$NS_US" initiator "$ADDR_US" "$ADDR_PEER" "$STATE/tp-us.log" --psk-file "$STATE/psk" \
                --local-ts "$NET_US" --remote-ts "$NET_PEER" --esp "$esp"
            pids=("${node_pids[@]}") ;;
        charon-charon)
            swanctl_conf "$STATE/peer.conf" "esp=$esp"
            charon_up "$STATE/peer.conf"
            swanctl_conf "$STATE/us.conf" "esp=$esp" local_addrs="$ADDR_US" remote_addrs="$ADDR_PEER" \
                local_id="$ADDR_US" remote_id="$ADDR_PEER" ts_local="$NET_US" ts_remote="$NET_PEER"
            charon_up "$STATE/us.conf" charon-us "$NS_US"
            swanctl_us --initiate --child net --timeout 20 > /dev/null 2>&1 || die "charon-to-charon tunnel did not come up" ;;
        *) die "unknown path $path" ;;
    esac
    wait_for 20 ip netns exec "$NS_US" ping -n -c1 -W1 -I "$from" "$to" || die "$path ($esp): no ping through the tunnel"
}

down() { nodes_kill; charon_down charon-us; charon_down; net_down; }

mkdir -p "$STATE"
: > "$results"
for rep in $(seq 1 "$repetitions"); do
    for esp in $esps; do
        for path in $paths; do
            case "$path" in
                # No ESP in these: measured once per repetition.
                kernel-*) [ "$esp" = "${esps%% *}" ] || continue
                          up "$path" "$esp"; measure_datagrams "$path" "$rep"; down; continue ;;
            esac
            up "$path" "$esp"
            for n in $streams; do measure "$path" "$esp" "$n" "$rep" "$from" "$to" ${pids[@]+"${pids[@]}"}; done
            down
        done
    done
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
groups = {}
for r in rows:
    # veth and the kernel's ceilings carry no ESP: one group across the proposals.
    groups.setdefault((r["esp"] if r["path"].startswith("ours") or r["path"].startswith("charon") else "-",
                       r["streams"], r["path"]), []).append(r)
def median(key, rs):
    v = [r[key] for r in rs if r[key] is not None]
    return statistics.median(v) if v else None
print()
print("| ESP | streams | path | Mbit/s median (min-max) | CPU s/GB | / charon-charon | / veth |")
print("|---|---:|---|---:|---:|---:|---:|")
for (esp, n, path), rs in groups.items():
    m = median("mbit_s", rs)
    cc = median("mbit_s", groups.get((esp, n, "charon-charon"), []))
    veth = [median("mbit_s", v) for (e, s, p), v in groups.items() if p == "veth" and s == n]
    veth = veth[0] if veth else None
    cpu = median("cpu_s_per_gb", rs)
    spread = "%s-%s" % (min(r["mbit_s"] for r in rs), max(r["mbit_s"] for r in rs))
    ratio = lambda b: "%.2f" % (m / b) if b else ""
    print("| %s | %d | %s | %.0f (%s) | %s | %s | %s |" % (esp, n, path, m, spread,
          "" if cpu is None else "%.2f" % cpu, "" if path in ("veth", "charon-charon") or path.startswith("kernel") else ratio(cc),
          "" if path == "veth" else ratio(veth)))
PY
